// @ts-check
// A full disk. A 1 MiB tmpfs is mounted as the store (we are root on CI and the dev machine) and a sweep that
// needs more is run into it; where the mount is refused, ENOSPC is injected at the store's file layer instead
// (PRECOND_LAB_FAULT=enospc-after-run-json:<n>, src/sweep/files.ts: after the 24th run.json write, which is after
// the first job's five runs are done and before the second's are, whatever the machine's speed; counting every
// write, as it did, let a fast machine finish the sweep in fewer batched writes than the threshold), so the class
// never skips. Specified: the CLI exits
// non-zero with one message naming the path and the free space, no stack trace; no run.json is left queued or
// running; after space is freed (the tmpfs remounted larger, or the injection lifted) a rerun finishes every run,
// keeps the runs done before the disk filled, and removes temporaries a dead writer left behind.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  SMALL_EXPERIMENT,
  checkSmallStore,
  cli,
  hasStackTrace,
  statuses,
  tally,
  temporaries,
  tempDir,
} from './lib.mjs';

export const name = 'full-disk';

const P = [-2, -1, 0, 1, 2];
const SNR = [1, 2];
const ARGS = [
  'run',
  'fig1-cov',
  '--quick',
  '--steps',
  '200',
  '--eval-every',
  '10',
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

/** A pid no process has, for a temporary "left by a dead writer". */
function deadPid() {
  for (let pid = 4_000_000; ; pid--) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if (/** @type {NodeJS.ErrnoException} */ (e).code === 'ESRCH') return pid;
    }
  }
}

function tryMount(/** @type {string} */ dir, /** @type {string} */ size) {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export async function run() {
  return tally(['a 1 MiB tmpfs fills up', 'ENOSPC injected at the file layer'], async (c) => {
    const t = tempDir('full-disk');
    const out = path.join(t.dir, 'store');
    fs.mkdirSync(out);
    const mounted = c.includes('tmpfs') && tryMount(out, '1m');
    if (c.includes('tmpfs') && !mounted) console.log('  (mount refused: injecting ENOSPC at the file layer instead)');
    try {
      const full = await cli(
        [...ARGS, '--out', out],
        mounted ? {} : { env: { PRECOND_LAB_FAULT: 'enospc-after-run-json:24' } },
      );
      const why = [];
      const msg = full.stderr.split('\n').find((l) => l.startsWith('precond-lab: ')) ?? '';
      if (full.code === 0 || full.code === null)
        why.push(`the CLI exited ${full.code ?? full.signal}, expected a failure`);
      if (hasStackTrace(full.stderr + full.stdout)) why.push('stack trace in the output');
      if (
        !new RegExp(
          `cannot write ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\\S+: no space left on the device ` +
            `\\(ENOSPC\\); .* free of `,
        ).test(msg)
      )
        why.push(`message does not name the path and the free space: ${msg || full.stderr.slice(-300)}`);
      const exp = path.join(out, SMALL_EXPERIMENT);
      const before = statuses(exp);
      const left = Object.entries(before).filter(([, s]) => s === 'queued' || s === 'running');
      if (left.length) why.push(`runs left ${left.map(([id, s]) => `${id} ${s}`).join(', ')}`);
      const doneBefore = Object.values(before).filter((s) => s === 'done').length;
      if (doneBefore === 0 || doneBefore === IDS.length)
        why.push(`${doneBefore} runs done before the disk filled: the fault did not land mid-sweep`);
      // free space, and leave a temporary as a writer killed mid-write would
      if (mounted) execFileSync('mount', ['-o', 'remount,size=64m', out], { stdio: 'pipe' });
      const stray = path.join(exp, `summary.json.${deadPid()}.1700000000000.tmp`);
      fs.writeFileSync(stray, '{"half":');
      const again = await cli([...ARGS, '--out', out]);
      if (again.code !== 0 || hasStackTrace(again.stderr))
        why.push(`rerun exited ${again.code}: ${again.stderr.slice(-300)}`);
      const skipped = Number(/(\d+) runs? already done in the store were skipped/.exec(again.stderr)?.[1] ?? 0);
      if (skipped !== doneBefore) why.push(`rerun skipped ${skipped} runs, ${doneBefore} were done before`);
      const tmps = temporaries(out);
      if (tmps.length) why.push(`temporaries left: ${tmps.join(', ')}`);
      const { bad, problems } = checkSmallStore(out, IDS, 21);
      why.push(...problems);
      return { ok: why.length === 0, lost: bad, why: why.join('; ') };
    } finally {
      if (mounted) {
        try {
          execFileSync('umount', [out], { stdio: 'pipe' });
        } catch {
          execFileSync('umount', ['-l', out], { stdio: 'pipe' });
        }
      }
      t.cleanup();
    }
  });
}
