// Test-only fault points, for test/faults/kill.mjs to hit exact moments with a real SIGKILL. Inert unless the
// environment says PRECOND_LAB_FAULT=kill-at:<point>:<marker file>; then the first process (of a CLI and its
// runner children) to reach <point> creates the marker file exclusively and kills itself, so the fault happens
// once per test however many processes pass the point. Points: runner-data, runner-train, runner-flush,
// runner-outcome, runner-finish (in the runner child), cli-records, cli-weights (in the process that writes).
import * as fs from 'node:fs';

export function faultPoint(point: string): void {
  const spec = process.env.PRECOND_LAB_FAULT;
  if (!spec?.startsWith(`kill-at:${point}:`)) return;
  try {
    fs.writeFileSync(spec.slice(`kill-at:${point}:`.length), String(process.pid), { flag: 'wx' });
  } catch {
    return; // already fired
  }
  process.kill(process.pid, 'SIGKILL');
}
