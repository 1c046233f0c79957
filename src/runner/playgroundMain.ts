// The playground's warm runner: one child process kept alive while the Playground panel is open. It starts the
// backend once, then trains one playground run at a time (an Experiment 1 run, the same engine path as a sweep's
// runner). A `train` message while a run is in flight supersedes it: the flight is stopped between two steps (the
// training loop yields to the event loop every few milliseconds here, which is when the message is read), reported
// `cancelled` with how long the stop took, and the new run starts. Records leave at every yield, so the first one
// reaches the panel a few milliseconds after the data are drawn.
import type { BackendChoice } from '../shared/protocol';
import type { FromPlayground, ToPlayground } from '../shared/playground/protocol';
import type { PlaygroundTraining } from '../shared/playground/controls';
import type { MetricRecord } from '../shared/records';
import { initBackend } from '../lab/backend';
import { pickKernel } from '../lab/kernels';
import { simdVariant } from '../lab/kernels/simdKernel';
import { applyThreadBudget } from '../lab/native/threads';
import { regressionData, teacherFor, trainNoiseGroup } from '../lab/experiments/noise';
import { staticSpectra } from '../lab/spectra';
import type { Kernel } from '../lab/kernels/types';

/** Yield interval of the training loop (the cancel latency's bound, up to one step more). */
const YIELD_MS = 8;

function send(msg: FromPlayground): void {
  process.send?.(msg);
}

interface Flight {
  id: number;
  /** when the run was asked to stop (performance.now()), if it was */
  stopAsked?: number;
  step: number;
}

let kernel: Kernel | undefined;
let flight: Flight | undefined;
let pending: { id: number; training: PlaygroundTraining } | undefined;

async function start(backendChoice: BackendChoice, threads?: number): Promise<void> {
  const backend = await initBackend(backendChoice);
  kernel = pickKernel(backend.name);
  const blas = backend.name === 'native' ? applyThreadBudget(threads) : undefined;
  const name = blas ? `native (${blas})` : kernel.name === 'simd' ? `simd (${simdVariant() ?? 'simd'})` : kernel.name;
  send({ type: 'ready', backend: backend.name, kernel: name, note: backend.note });
}

async function train(id: number, t: PlaygroundTraining): Promise<void> {
  const f: Flight = { id, step: 0 };
  flight = f;
  const started = performance.now();
  try {
    const common = t.common;
    // the static spectra first, so the panel draws lambda^(p+1) and G_P's spectrum before training begins
    const data = teacherFor(t.settings, common);
    const reg = regressionData(data);
    send({
      type: 'started',
      id,
      spectra: staticSpectra(data.lambda, t.p, reg.xTrain, reg.nTrain, data.teacherIndex),
      steps: t.settings.steps,
    });
    let batch: MetricRecord[] = [];
    const flush = (): void => {
      if (batch.length) send({ type: 'records', id, records: batch });
      batch = [];
    };
    const runId = `playground-${id}`;
    const { outcomes } = await trainNoiseGroup(t.settings, common, [{ id: runId, p: t.p }], kernel!, {
      record: (_run, rec) => batch.push(rec),
      progress: (_run, step, steps) => {
        f.step = step;
        flush();
        send({ type: 'progress', id, step, steps });
      },
      shouldStop: () => f.stopAsked !== undefined,
      yieldEveryMs: YIELD_MS,
    });
    if (f.stopAsked !== undefined) {
      send({ type: 'cancelled', id, step: f.step, stopMs: performance.now() - f.stopAsked });
      return;
    }
    flush();
    const outcome = outcomes[0];
    send({ type: 'outcome', id, outcome: { ...outcome, id: runId }, seconds: (performance.now() - started) / 1000 });
  } catch (e) {
    send({ type: 'failed', id, reason: e instanceof Error ? e.message : String(e) });
  } finally {
    flight = undefined;
  }
}

let pumping = false;
/** trains the waiting request, then the one that superseded it, and so on (one loop at a time) */
async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    await ready;
    while (pending) {
      const next = pending;
      pending = undefined;
      await train(next.id, next.training);
    }
  } finally {
    pumping = false;
  }
}

process.on('message', (msg: ToPlayground) => {
  if (msg.type === 'train') {
    // a newer request supersedes the flight and any request still waiting for it
    if (flight && flight.stopAsked === undefined) flight.stopAsked = performance.now();
    if (pending) send({ type: 'cancelled', id: pending.id, step: 0, stopMs: 0 });
    pending = { id: msg.id, training: msg.training };
    void pump();
  } else if (msg.type === 'cancel') {
    if (flight?.id === msg.id && flight.stopAsked === undefined) flight.stopAsked = performance.now();
    if (pending?.id === msg.id) {
      send({ type: 'cancelled', id: pending.id, step: 0, stopMs: 0 });
      pending = undefined;
    }
  } else if (msg.type === 'exit') process.exit(0);
});
process.on('disconnect', () => process.exit(0));

const backendArg = (process.argv[2] ?? 'auto') as BackendChoice;
const threadsArg = Number(process.argv[3]);
const ready: Promise<void> = start(
  backendArg,
  Number.isInteger(threadsArg) && threadsArg > 0 ? threadsArg : undefined,
).catch((e) => {
  send({ type: 'failed', id: 0, reason: `the backend did not start: ${e instanceof Error ? e.message : String(e)}` });
  process.exit(1);
});
