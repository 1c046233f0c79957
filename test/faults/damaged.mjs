// @ts-check
// Damaged files in done runs. One finished store is made, then for each kind of damage a copy of it has one run
// damaged and the same sweep is run again. Specified: the CLI exits 0 without a stack trace, names the damaged
// run on a 'damaged' line, trains it again (it then checks out: expected records, increasing steps, weights
// matching their checksum), and skips the three intact runs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SMALL, SMALL_EXPERIMENT, SMALL_IDS, checkSmallStore, cli, hasStackTrace, tally, tempDir } from './lib.mjs';

export const name = 'damaged';

const VICTIM = SMALL_IDS[1];

/** Changes one digit in the middle of a file to another digit, keeping its size and its JSON valid. */
function flipDigit(/** @type {string} */ file) {
  const b = fs.readFileSync(file);
  for (let i = Math.floor(b.length / 2); i < b.length; i++) {
    if (b[i] >= 0x31 && b[i] <= 0x38) {
      b[i] += 1;
      break;
    }
  }
  fs.writeFileSync(file, b);
}

/** @type {Record<string, (dir: string) => void>} */
const DAMAGE = {
  'metrics.jsonl cut in the middle of a line': (d) =>
    fs.truncateSync(path.join(d, 'metrics.jsonl'), Math.floor(fs.statSync(path.join(d, 'metrics.jsonl')).size / 2)),
  'metrics.jsonl missing its last record': (d) => {
    const f = path.join(d, 'metrics.jsonl');
    const lines = fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
    fs.writeFileSync(f, lines.slice(0, -1).join('\n') + '\n');
  },
  'metrics.jsonl with an extra line': (d) => {
    const f = path.join(d, 'metrics.jsonl');
    const lines = fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
    fs.appendFileSync(f, lines[lines.length - 1] + '\n');
  },
  'metrics.jsonl with one digit changed': (d) => flipDigit(path.join(d, 'metrics.jsonl')),
  'metrics.jsonl with two records swapped': (d) => {
    const f = path.join(d, 'metrics.jsonl');
    const l = fs.readFileSync(f, 'utf8').split('\n').filter(Boolean);
    [l[3], l[4]] = [l[4], l[3]];
    fs.writeFileSync(f, l.join('\n') + '\n');
  },
  'metrics.jsonl emptied': (d) => fs.writeFileSync(path.join(d, 'metrics.jsonl'), ''),
  'metrics.jsonl deleted': (d) => fs.unlinkSync(path.join(d, 'metrics.jsonl')),
  'weights.json garbage': (d) => fs.writeFileSync(path.join(d, 'weights.json'), '\u0000\u0001garbage{{{'),
  'weights.json deleted': (d) => fs.unlinkSync(path.join(d, 'weights.json')),
  'weights.json with one digit changed': (d) => flipDigit(path.join(d, 'weights.json')),
  'weights.json cut short': (d) => fs.truncateSync(path.join(d, 'weights.json'), 100),
  "weights.json replaced by another run's": (d) =>
    fs.copyFileSync(path.join(d, '..', SMALL_IDS[0], 'weights.json'), path.join(d, 'weights.json')),
  'run.json cut short': (d) => fs.truncateSync(path.join(d, 'run.json'), 200),
  'run.json manifest altered': (d) => {
    const f = path.join(d, 'run.json');
    const r = JSON.parse(fs.readFileSync(f, 'utf8'));
    r.manifest.metrics.records += 1;
    fs.writeFileSync(f, JSON.stringify(r));
  },
  'old run.json (no manifest) with metrics.jsonl cut short': (d) => {
    const f = path.join(d, 'run.json');
    const r = JSON.parse(fs.readFileSync(f, 'utf8'));
    delete r.manifest;
    fs.writeFileSync(f, JSON.stringify(r));
    fs.truncateSync(path.join(d, 'metrics.jsonl'), Math.floor(fs.statSync(path.join(d, 'metrics.jsonl')).size / 2));
  },
  'old run.json (no manifest) with weights.json garbage': (d) => {
    const f = path.join(d, 'run.json');
    const r = JSON.parse(fs.readFileSync(f, 'utf8'));
    delete r.manifest;
    fs.writeFileSync(f, JSON.stringify(r));
    fs.writeFileSync(path.join(d, 'weights.json'), '{"W": [1, 2');
  },
};

export async function run() {
  const base = tempDir('damaged-base');
  try {
    const baseOut = path.join(base.dir, 'store');
    const made = await cli(['run', ...SMALL, '--out', baseOut]);
    if (made.code !== 0) throw new Error(`could not make the store to damage: ${made.stderr.slice(-300)}`);
    return await tally(Object.keys(DAMAGE), async (damage) => {
      const t = tempDir('damaged');
      try {
        const out = path.join(t.dir, 'store');
        fs.cpSync(baseOut, out, { recursive: true });
        DAMAGE[damage](path.join(out, SMALL_EXPERIMENT, 'runs', VICTIM));
        const r = await cli(['run', ...SMALL, '--out', out]);
        const why = [];
        if (r.code !== 0) why.push(`rerun exited ${r.code ?? r.signal}: ${r.stderr.slice(-300)}`);
        if (hasStackTrace(r.stderr + r.stdout)) why.push('stack trace in the output');
        if (!new RegExp(`^damaged\\s+${VICTIM.replace(/[.-]/g, '\\$&')}\\s`, 'm').test(r.stderr))
          why.push('the damage was not reported');
        const skipped = Number(/(\d+) runs? already done in the store were skipped/.exec(r.stderr)?.[1] ?? 0);
        if (skipped !== SMALL_IDS.length - 1)
          why.push(`${skipped} intact runs skipped, expected ${SMALL_IDS.length - 1}`);
        const { bad, problems } = checkSmallStore(out);
        why.push(...problems);
        return { ok: why.length === 0, lost: bad, why: why.join('; ') };
      } finally {
        t.cleanup();
      }
    });
  } finally {
    base.cleanup();
  }
}
