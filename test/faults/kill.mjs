// @ts-check
// kill -9 at exact moments, then a rerun of the same sweep: no run lost or trained twice. The moments are hit with
// the test-only fault points of src/sweep/faultHook.ts (PRECOND_LAB_FAULT=kill-at:<point>:<marker>): a runner
// child killed while it generates data, mid-training, while it flushes records, while the parent writes the
// weights of its first outcome, and as it finishes; the CLI itself killed after appending records and right
// after writing weights (before run.json says done). After a CLI kill, `report` must show the orphaned runs as
// interrupted (not running/queued). After the rerun every run must be done exactly once: the expected number of
// records with strictly increasing steps, weights matching their checksum, and runs done before the kill skipped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SMALL, SMALL_EXPERIMENT, checkSmallStore, cli, hasStackTrace, statuses, tally, tempDir } from './lib.mjs';

export const name = 'kill';

const RUNNER = ['runner-data', 'runner-train', 'runner-flush', 'runner-outcome', 'runner-finish'];
const CLI_POINTS = ['cli-records', 'cli-weights'];

export async function run() {
  return tally([...RUNNER, ...CLI_POINTS], async (point) => {
    const t = tempDir(`kill-${point}`);
    try {
      const out = path.join(t.dir, 'store');
      const marker = path.join(t.dir, 'fired');
      const first = await cli(['run', ...SMALL, '--out', out], {
        env: { PRECOND_LAB_FAULT: `kill-at:${point}:${marker}` },
      });
      if (!fs.existsSync(marker)) return { ok: false, lost: 0, why: 'the fault point was never reached' };
      const exp = path.join(out, SMALL_EXPERIMENT);
      if (point.startsWith('cli-')) {
        if (first.signal !== 'SIGKILL')
          return { ok: false, lost: 0, why: `the CLI was not killed (code ${first.code})` };
        const rep = await cli(['report', exp]);
        if (rep.code !== 0 || hasStackTrace(rep.stderr))
          return { ok: false, lost: 0, why: `report after the kill: code ${rep.code}: ${rep.stderr.slice(-300)}` };
        const st = Object.values(statuses(exp));
        if (st.some((s) => s === 'running' || s === 'queued'))
          return { ok: false, lost: 0, why: `after report runs are still ${st.join(', ')}` };
        if (!st.includes('interrupted'))
          return { ok: false, lost: 0, why: `no run marked interrupted (${st.join(', ')})` };
        if (!/interrupted/.test(rep.stdout))
          return { ok: false, lost: 0, why: 'report does not show the interrupted runs' };
      } else {
        if (first.code !== 0 && first.code !== 1)
          return {
            ok: false,
            lost: 0,
            why: `the CLI exited ${first.code ?? first.signal}: ${first.stderr.slice(-300)}`,
          };
        if (hasStackTrace(first.stderr + first.stdout)) return { ok: false, lost: 0, why: 'stack trace in the output' };
        const st = Object.values(statuses(exp));
        if (st.some((s) => s === 'running' || s === 'queued'))
          return { ok: false, lost: 0, why: `runs left ${st.join(', ')} after the CLI ended` };
      }
      const doneBefore = Object.values(statuses(exp)).filter((s) => s === 'done').length;
      const second = await cli(['run', ...SMALL, '--out', out]);
      const { bad, problems } = checkSmallStore(out);
      if (second.code !== 0 || hasStackTrace(second.stderr))
        return { ok: false, lost: bad, why: `rerun exited ${second.code}: ${second.stderr.slice(-300)}` };
      const skipped = Number(
        /(\d+) runs? already done in the store (?:were|was) skipped/.exec(second.stderr)?.[1] ?? 0,
      );
      if (skipped !== doneBefore)
        return {
          ok: false,
          lost: bad,
          why: `rerun skipped ${skipped} runs, ${doneBefore} were done before it (trained twice?)`,
        };
      return { ok: bad === 0, lost: bad, why: problems.join('; ') };
    } finally {
      t.cleanup();
    }
  });
}
