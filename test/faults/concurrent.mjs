// @ts-check
// Two sweeps of the same experiment into one store, the second started 0, 0.3 and 1.5 s after the first (the
// delays only stagger the starts; nothing is asserted about time). Specified: both CLIs exit 0 without a stack
// trace; every run trained exactly once overall (one 'done' line across both outputs, the expected records with
// strictly increasing steps, weights matching their checksum); the second sweep accounts for every run it did
// not train, naming those another sweep held (and giving their state at its end) or counting them as done.
import * as path from 'node:path';
import { checkSmallStore, cli, hasStackTrace, tally, tempDir } from './lib.mjs';

export const name = 'concurrent';

const P = [-2, -1, 0, 1, 2];
const SNR = [1, 2];
const ARGS = [
  'fig1-cov',
  '--quick',
  '--steps',
  '2000',
  '--eval-every',
  '100',
  '--p',
  P.join(','),
  '--snr',
  SNR.join(','),
  '--case',
  'high',
  '--workers',
  '1',
];
const IDS = SNR.flatMap((s) => P.map((p) => `high_p${p}_snr${s}_s42`));
const RECORDS = 2000 / 100 + 1;

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const trained = (/** @type {string} */ stderr) => [...stderr.matchAll(/^done\s+(\S+)/gm)].map((m) => m[1]);

export async function run() {
  return tally(['0 s apart', '0.3 s apart', '1.5 s apart'], async (c) => {
    const t = tempDir('concurrent');
    try {
      const out = path.join(t.dir, 'store');
      const args = ['run', ...ARGS, '--out', out];
      const a = cli(args);
      await sleep(parseFloat(c) * 1000);
      const b = cli(args);
      const [ra, rb] = await Promise.all([a, b]);
      const { bad, problems } = checkSmallStore(out, IDS, RECORDS);
      const why = [];
      for (const [n, r] of /** @type {const} */ ([
        ['first', ra],
        ['second', rb],
      ])) {
        if (r.code !== 0) why.push(`${n} CLI exited ${r.code ?? r.signal}: ${r.stderr.slice(-300)}`);
        if (hasStackTrace(r.stderr + r.stdout)) why.push(`${n} CLI printed a stack trace`);
      }
      const all = [...trained(ra.stderr), ...trained(rb.stderr)];
      for (const id of IDS) {
        const n = all.filter((x) => x === id).length;
        if (n !== 1) why.push(`${id} trained ${n} times`);
      }
      // the second sweep names each run it did not train: held by the other sweep, or counted as already done
      const mine = new Set(trained(rb.stderr));
      const named = IDS.filter(
        (id) => !mine.has(id) && new RegExp(`^locked\\s+${id.replace(/[.-]/g, '\\$&')}\\s`, 'm').test(rb.stderr),
      );
      const skippedDone = Number(/(\d+) runs? already done in the store were skipped/.exec(rb.stderr)?.[1] ?? 0);
      if (mine.size + named.length + skippedDone !== IDS.length)
        why.push(
          `second sweep: trained ${mine.size}, named ${named.length} as held, skipped ${skippedDone} as done, of ` +
            `${IDS.length}`,
        );
      if (
        named.length &&
        !/held by another sweep .*as the store has them now|held by another sweep .*as the store has it now/.test(
          rb.stderr,
        )
      )
        why.push('second sweep does not report the held runs at its end');
      why.push(...problems);
      return { ok: why.length === 0, lost: bad, why: why.join('; ') };
    } finally {
      t.cleanup();
    }
  });
}
