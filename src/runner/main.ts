// The runner child process: receives one job, trains it, streams progress and records up, and exits.
// A cancel message stops the job between steps; the parent kills the process if that takes too long.
import type { FromRunner, Job, ToRunner } from '../shared/protocol';
import { executeJob } from './job';

function send(msg: FromRunner): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

let cancelled = false;
const cancelledRuns = new Set<string>();
let running = false;

process.on('message', (msg: ToRunner) => {
  if (msg.type === 'cancel') {
    if (msg.runIds) msg.runIds.forEach((id) => cancelledRuns.add(id));
    else cancelled = true;
  } else if (msg.type === 'start' && !running) {
    running = true;
    void run(msg.job);
  }
});
process.on('disconnect', () => process.exit(0));

async function run(job: Job): Promise<void> {
  try {
    await executeJob(
      job,
      send,
      () => cancelled,
      (id) => cancelledRuns.has(id),
    );
    await send({ type: 'finished' });
    process.exit(0);
  } catch (e) {
    await send({ type: 'failed', reason: (e as Error)?.stack ?? String(e) });
    process.exit(1);
  }
}
