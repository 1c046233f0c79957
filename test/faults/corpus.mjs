// @ts-check
// The committed corpus of malformed configs and flag sets (test/faults/corpus/*.jsonl), each labelled by hand with
// its expected outcome: refused, naming a field (a text the message must contain), or accepted. Every case runs the
// built CLI as its own process in a fresh temp folder: configs through `precond-lab validate FILE`, flag sets as
// written (run cases carry --dry-run), each with --out in its temp folder. A few cases are too big to commit as
// text; their `rule` builds the text by a fixed recipe here, and the label is still the one in the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './lib.mjs';
import { cliIn, judge, pool } from './refusal.mjs';

export const name = 'corpus';
const here = path.dirname(fileURLToPath(import.meta.url));
const readCases = (/** @type {string} */ file) =>
  fs
    .readFileSync(path.join(here, 'corpus', file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

const NOISE = { version: 1, name: 'c', kind: 'noise', grid: { case: ['high'], p: [0], snr: [1], seed: [1] } };

/** The file text of a config case: its raw text, its config object, or its rule's recipe. */
export function caseText(/** @type {any} */ c) {
  if (typeof c.text === 'string') return c.text;
  if (c.config !== undefined) return JSON.stringify(c.config);
  const r = c.rule;
  const range = (/** @type {number} */ n, /** @type {(i: number) => number} */ f) =>
    Array.from({ length: n }, (_, i) => f(i));
  switch (r.kind) {
    case 'grid': // distinct values in range for each axis
      return JSON.stringify({
        ...NOISE,
        grid: {
          case: r.case,
          p: range(r.p, (i) => -3 + (6 * i) / r.p),
          snr: range(r.snr, (i) => i + 1),
          seed: range(r.seed ?? 1, (i) => i),
        },
      });
    case 'bad-p': // every value out of [-3, 3]
      return JSON.stringify({ ...NOISE, grid: { ...NOISE.grid, p: range(r.count, (i) => 10 + i) } });
    case 'bom':
      return '\uFEFF' + JSON.stringify(r.config);
    case 'deep':
      return r.open.repeat(r.n) + (r.open.startsWith('{') ? '1' : '') + r.close.repeat(r.n);
    case 'deep-in':
      return JSON.stringify(NOISE).replace('"p":[0]', `"p":${'['.repeat(r.n)}0${']'.repeat(r.n)}`);
    case 'big-description':
      return JSON.stringify({ ...NOISE, description: 'x'.repeat(r.chars) });
    default:
      throw new Error(`unknown rule ${r.kind}`);
  }
}

/** @param {any} c @param {string[]} argv @param {(dir: string) => string[]} prepare */
async function runCase(c, argv, prepare) {
  const { dir, cleanup } = tempDir(`corpus-${c.id.replace(/[^\w-]/g, '_')}`);
  try {
    const own = prepare(dir);
    // --out goes right after the command, so a flag the case leaves without a value stays without one
    const r = await cliIn([argv[0], '--out', path.join(dir, 'out'), ...argv.slice(1)], dir);
    return judge(r, c.expect, dir, own);
  } finally {
    cleanup();
  }
}

export async function run() {
  const configs = readCases('configs.jsonl');
  const flags = readCases('flags.jsonl');
  const result = { tried: 0, handled: 0, lost: 0, failures: /** @type {string[]} */ ([]) };
  const tallyOne = (/** @type {string} */ id, /** @type {string | undefined} */ why) => {
    result.tried++;
    if (why === undefined) result.handled++;
    else result.failures.push(`${id}: ${why}`);
  };
  const configOutcomes = await pool(configs, 2, (c) =>
    runCase(c, ['validate', 'config.json'], (dir) => {
      fs.writeFileSync(path.join(dir, 'config.json'), caseText(c));
      return ['config.json'];
    }),
  );
  configs.forEach((c, i) => tallyOne(`config ${c.id} (${c.why})`, configOutcomes[i]));
  const flagOutcomes = await pool(flags, 2, (c) => runCase(c, c.argv, () => []));
  flags.forEach((c, i) => tallyOne(`flags ${c.id} (${c.why})`, flagOutcomes[i]));
  const labels = [...configs, ...flags];
  console.log(
    `  ${configs.length} configs, ${flags.length} flag sets; labelled refused ` +
      `${labels.filter((c) => c.expect.refused).length}, accepted ${labels.filter((c) => c.expect.accepted).length}`,
  );
  return result;
}
