// One job in the runner: pick the backend and kernel, run the experiment, batch records for the parent.
// The experiments yield to the event loop a few times a second, which is when cancel messages arrive and
// batched records leave.
import type { FromRunner, Job } from '../shared/protocol';
import { initBackend } from '../lab/backend';
import { pickKernel } from '../lab/kernels';
import { paramsFromJson } from '../lab/model';
import { trainNoiseGroup } from '../lab/experiments/noise';
import { runTransferGroup } from '../lab/experiments/transfer';
import type { ExperimentEvents, MetricRecord } from '../lab/experiments/records';

type Send = (msg: FromRunner) => Promise<void> | void;

export async function executeJob(job: Job, send: Send, isCancelled: () => boolean): Promise<void> {
  const backend = await initBackend(job.backend);
  const kernel = pickKernel(backend.name);
  await send({ type: 'started', backend: backend.name, kernel: kernel.name, note: backend.note });
  const { settings, common } = job;
  const started = Date.now();
  const pending = new Map<string, MetricRecord[]>();
  const flush = (): void => {
    for (const [runId, records] of pending) if (records.length) void send({ type: 'records', runId, records });
    pending.clear();
  };
  let lastFlush = Date.now();
  const ev: ExperimentEvents = {
    record(runId, rec) {
      let list = pending.get(runId);
      if (!list) pending.set(runId, (list = []));
      list.push(rec);
    },
    progress(runId, step, steps) {
      void send({ type: 'progress', runId, step, steps });
      if (Date.now() - lastFlush > 250) {
        flush();
        lastFlush = Date.now();
      }
    },
    shouldStop: isCancelled,
  };
  const runs = job.runs.map((r) => ({
    id: r.id,
    p: r.p,
    init: r.init ? paramsFromJson(r.init, settings.dx, settings.width, `initial weights of ${r.id}`) : undefined,
    task1: r.task1 && { ...r.task1, params: paramsFromJson(r.task1.params, settings.dx, settings.width, `Task 1 weights of ${r.id}`) },
  }));
  const outcomes = job.kind === 'noise' ? (await trainNoiseGroup(settings, common, runs, kernel, ev)).outcomes : await runTransferGroup(settings, common, runs, kernel, ev);
  flush();
  const seconds = (Date.now() - started) / 1000;
  for (const outcome of outcomes) await send({ type: 'outcome', outcome, seconds: seconds / outcomes.length });
}
