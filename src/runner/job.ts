// One job in the runner: pick the backend and kernel, run the experiment, batch records for the parent.
// The experiments yield to the event loop a few times a second, which is when cancel messages arrive and
// batched records leave.
import type { FromRunner, Job } from '../shared/protocol';
import { initBackend } from '../lab/backend';
import { applyThreadBudget } from '../lab/native/threads';
import { pickKernel } from '../lab/kernels';
import { simdVariant } from '../lab/kernels/simdKernel';
import { paramsFromJson } from '../lab/models/regressor';
import { trainNoiseGroup } from '../lab/experiments/noise';
import { runTransferGroup } from '../lab/experiments/transfer';
import { runOodJob } from '../lab/experiments/ood';
import type { ExperimentEvents } from '../lab/experiments/records';
import type { MetricRecord, RunOutcome } from '../shared/records';
import { faultPoint } from '../sweep/faultHook';

type Send = (msg: FromRunner) => Promise<void> | void;

export async function executeJob(
  job: Job,
  send: Send,
  isCancelled: () => boolean,
  isRunCancelled: (runId: string) => boolean = () => false,
): Promise<void> {
  const backend = await initBackend(job.backend);
  const kernel = pickKernel(backend.name);
  // the native backend's record names its BLAS, core type and thread count (set from the job's budget first)
  const blas = backend.name === 'native' ? applyThreadBudget(job.threads) : undefined;
  // fused (relaxed) and plain SIMD differ at float32 rounding, so the record says which one ran
  const kernelName = blas
    ? `${job.kind === 'ood' ? 'optim, first layer sgemm' : 'native'} (${blas})`
    : job.kind === 'ood'
      ? 'optim'
      : kernel.name === 'simd'
        ? `simd (${simdVariant() ?? 'simd'})`
        : kernel.name;
  await send({ type: 'started', backend: backend.name, kernel: kernelName, note: backend.note });
  const started = Date.now();
  const pending = new Map<string, MetricRecord[]>();
  const flush = (): void => {
    let sent = 0;
    for (const [runId, records] of pending) {
      if (!records.length) continue;
      void send({ type: 'records', runId, records });
      if (++sent === 1) faultPoint('runner-flush');
    }
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
      if (2 * step >= steps) faultPoint('runner-train');
      if (Date.now() - lastFlush > 250) {
        flush();
        lastFlush = Date.now();
      }
    },
    shouldStop: isCancelled,
    runCancelled: isRunCancelled,
  };
  let outcomes: RunOutcome[];
  faultPoint('runner-data'); // the experiment draws its data first
  if (job.kind === 'ood') {
    outcomes = await runOodJob(job.settings, job.common.seed, job.runs, ev);
  } else {
    const { settings, common } = job;
    const runs = job.runs.map((r) => ({
      id: r.id,
      p: r.p ?? 0,
      init: r.init ? paramsFromJson(r.init, settings.dx, settings.width, `initial weights of ${r.id}`) : undefined,
      task1: r.task1 && {
        ...r.task1,
        params: paramsFromJson(r.task1.params, settings.dx, settings.width, `Task 1 weights of ${r.id}`),
      },
    }));
    outcomes =
      job.kind === 'noise'
        ? (await trainNoiseGroup(settings, common, runs, kernel, ev)).outcomes
        : await runTransferGroup(settings, common, runs, kernel, ev);
  }
  flush();
  const seconds = (Date.now() - started) / 1000;
  for (const outcome of outcomes) {
    await send({ type: 'outcome', outcome, seconds: seconds / outcomes.length });
    faultPoint('runner-outcome'); // the parent is writing this run's weights; the next outcomes are not sent
  }
  faultPoint('runner-finish');
}
