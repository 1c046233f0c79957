// Experiment 2 (paper section 3, Figure 2): a 784-256-10 ReLU classifier trained full batch with softmax
// cross-entropy on noisy MNIST (src/lab/data/mnist.ts) by one optimizer of the suite, then scored on ID validation
// and on the OOD pool in both settings (left: true digit, flipped template; right: random label, its template).
// A job holds the runs of one seed; they share the data, the initial weights (drawn from deriveSeed(seed, 1), so
// every optimizer starts from the same network) and the feature-view bases, and train one after the other.
// Records on the evaluation schedule (step 0, every evalEvery steps, always the last): train loss and accuracy
// (data term at the parameters after the step, no weight-decay penalty), ID-validation and OOD accuracies, and in
// `diag` the step's StepInfo (stepLoss before the step, gradNorm, updateNorm, evals, the optimizer's statistics)
// with the feature view (ood/features.ts). A non-finite update or evaluation, or a cross-entropy that breaks the
// divergence rule (divergence.ts: step 0 on), ends a run as 'diverged'; the record that shows it is still written.
import type { OodSettings } from '../../shared/config';
import type { JobRun } from '../../shared/protocol';
import { activeBackend } from '../backend';
import { buildOodData, MNIST_CLASSES, type NoisySplit, type OodData } from '../data/mnist';
import { createOptimizer, type StepInfo } from '../optim';
import { initMlp2, Mlp2, mlp2Layout, type Mlp2Shape } from '../models/mlp2';
import type { FirstLayerMode } from '../models/firstLayer';
import { wasmLayerScope } from '../models/wasmFirstLayer';
import { deriveSeed, RandomState } from '../rng';
import { featureBases, featureView, productFeatureView, type FeatureBases } from './ood/features';
import { kfacLinalg } from '../optim/kfacLinalg';
import { oodOptimizerConfig } from './ood/optimizer';
import type { ExperimentEvents, FinalMetrics, MetricRecord, RunOutcome } from './records';
import { isEvalStep } from './schedule';
import { DivergenceCheck, finiteRecord } from './divergence';

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The first-layer kernels for the active backend: OpenBLAS sgemm on native, tfjs' wasm matMuls on wasm, else JS. */
function oodFirstLayer(): FirstLayerMode {
  const name = activeBackend()?.name;
  return name === 'native' ? 'native' : name === 'wasm' ? 'wasm' : 'auto';
}

function oodShape(settings: Pick<OodSettings, 'hidden'>): Mlp2Shape {
  return { inDim: 784, hidden: settings.hidden, outDim: MNIST_CLASSES, loss: 'ce' };
}

/** PyTorch-default initial weights of a seed (U(+-1/sqrt(fan_in)) in W1, b1, W2, b2 order). */
function oodInitialWeights(shape: Mlp2Shape, seed: number): Float32Array {
  const theta = new Float32Array(mlp2Layout(shape).size);
  const rng = new RandomState(deriveSeed(seed, 1));
  initMlp2(shape, theta, () => rng.random(), { scheme: 'torch-default' });
  return theta;
}

export interface OodScores {
  trainLoss: number;
  trainAcc: number;
  valAcc: number;
  oodLeftAcc: number;
  oodRightAcc: number;
}

/** The networks a run is trained and scored on; the training objective doubles as the train-set evaluator. */
export class OodNets {
  readonly train: Mlp2;
  private readonly val: Mlp2;
  private readonly left: Mlp2;
  private readonly right: Mlp2;

  constructor(
    readonly shape: Mlp2Shape,
    data: Pick<OodData, 'train' | 'val' | 'left' | 'right'>,
    firstLayer: FirstLayerMode,
  ) {
    const net = (s: NoisySplit): Mlp2 => new Mlp2(shape, s.x, s.n, { labels: s.labels }, { firstLayer });
    this.train = net(data.train);
    this.val = net(data.val);
    this.left = net(data.left);
    this.right = net(data.right);
  }

  /** Train loss (mean cross-entropy, no penalty) and every accuracy at theta. */
  scores(theta: Float32Array, labels: Int32Array): OodScores {
    const c = this.shape.outDim;
    const out = this.train.outputs(theta);
    const n = labels.length;
    let loss = 0;
    let hits = 0;
    for (let b = 0; b < n; b++) {
      const r = b * c;
      let best = 0;
      let mx = out[r];
      for (let q = 1; q < c; q++) {
        if (out[r + q] > mx) {
          mx = out[r + q];
          best = q;
        }
      }
      let se = 0;
      for (let q = 0; q < c; q++) se += Math.exp(out[r + q] - mx);
      loss += mx + Math.log(se) - out[r + labels[b]];
      if (best === labels[b]) hits++;
    }
    return {
      trainLoss: loss / n,
      trainAcc: hits / n,
      valAcc: this.val.accuracy(theta),
      oodLeftAcc: this.left.accuracy(theta),
      oodRightAcc: this.right.accuracy(theta),
    };
  }
}

/** What one run needs beyond its settings: the shared data, networks and bases of its job. */
export interface OodContext {
  settings: OodSettings;
  seed: number;
  data: OodData;
  nets: OodNets;
  bases: FeatureBases;
}

/** The last data set and bases built in this process (the PCA is costly; a caller that repeats a spec reuses them). */
let lastBuilt: { key: string; data: OodData; bases: FeatureBases } | undefined;

export function oodContext(
  settings: OodSettings,
  seed: number,
  firstLayer: FirstLayerMode = oodFirstLayer(),
): OodContext {
  const spec = {
    seed,
    nTrain: settings.nTrain,
    nVal: settings.nVal,
    pool: settings.pool,
    templateScale: settings.templateScale,
    randomLeftLabels: settings.randomLeftLabels,
  };
  const key = JSON.stringify(spec);
  if (lastBuilt?.key !== key) {
    const data = buildOodData(spec);
    lastBuilt = {
      key,
      data,
      bases: featureBases(data.templates, MNIST_CLASSES, data.cleanTrain, data.train.digits, data.train.n, data.dim),
    };
  }
  const { data, bases } = lastBuilt;
  return { settings, seed, data, nets: new OodNets(oodShape(settings), data, firstLayer), bases };
}

const finiteOnly = (o: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => Number.isFinite(v)));

function stepDiag(info: StepInfo): Record<string, number> {
  return {
    stepLoss: info.loss,
    gradNorm: info.gradNorm,
    updateNorm: info.updateNorm,
    evals: info.evals,
    ...info.stats,
  };
}

/** Trains one run of the job; the outcome's `final` holds the last scores, the feature view and timings. */
export async function trainOodRun(ctx: OodContext, run: JobRun, ev: ExperimentEvents): Promise<RunOutcome> {
  const { settings, nets, bases } = ctx;
  const { steps, evalEvery } = settings;
  const optimizer = run.optimizer;
  if (!optimizer) throw new Error(`OOD run ${run.id} names no optimizer`);
  const shape = nets.shape;
  const h = shape.hidden;
  const theta = oodInitialWeights(shape, ctx.seed);
  const w1Init = theta.slice(0, h * shape.inDim);
  const opt = createOptimizer(
    oodOptimizerConfig(settings, optimizer, run.p),
    nets.train,
    new RandomState(deriveSeed(ctx.seed, 2)),
  );
  const labels = ctx.data.train.labels;
  // the feature view on dgemm where the passes are native (the TypeScript loops cost ~40 ms per evaluation there)
  const nativeView =
    nets.train.kernel === 'native' && kfacLinalg('native').name === 'native'
      ? productFeatureView(bases, h, w1Init, kfacLinalg('native').gemmABt)
      : undefined;
  const viewOf = (w: Float32Array) => (nativeView ? nativeView(w) : featureView(bases, w, h, w1Init));
  const view0 = viewOf(theta);
  let trainSeconds = 0;
  let evalSeconds = 0;

  // the train loss of every step (the optimizer's, before its update) and of every evaluation, step 0 included
  const check = new DivergenceCheck();
  const evaluate = (step: number, info: StepInfo | undefined): { rec: MetricRecord; bad?: string } => {
    const t0 = performance.now();
    const s = nets.scores(theta, labels);
    const view = viewOf(theta);
    evalSeconds += (performance.now() - t0) / 1000;
    const acc = (Object.entries(s) as [string, number][]).find(([k, v]) => k !== 'trainLoss' && !Number.isFinite(v));
    const rec: MetricRecord = { step, ...s, diag: finiteOnly({ ...(info ? stepDiag(info) : {}), ...view }) };
    const bad =
      check.check(step, [['train loss', s.trainLoss]]) ?? (acc && `diverged at step ${step}: ${acc[0]} is ${acc[1]}`);
    return { rec, bad };
  };
  const diverged = (step: number, why: string, rec: MetricRecord): RunOutcome => {
    ev.record(run.id, finiteRecord(rec));
    return { id: run.id, status: 'diverged', reason: why, final: { divergedAt: step } };
  };

  const first = evaluate(0, undefined);
  if (first.bad) return diverged(0, first.bad, first.rec);
  ev.record(run.id, first.rec);
  let last = first.rec;
  let lastProgress = 0;
  let step = 1;
  for (; step <= steps; step++) {
    if (ev.shouldStop()) return { id: run.id, status: 'cancelled', final: { stoppedAt: step - 1 } };
    const t0 = performance.now();
    let info: StepInfo;
    try {
      info = opt.step(theta);
    } catch (e) {
      // an optimizer that trips over non-finite numbers (e.g. an eigensolver) has diverged; anything else is a bug
      if (theta.every(Number.isFinite)) throw e;
      return {
        id: run.id,
        status: 'diverged',
        reason: `diverged at step ${step}: ${(e as Error).message}`,
        final: { divergedAt: step },
      };
    }
    trainSeconds += (performance.now() - t0) / 1000;
    const stepBad =
      check.check(step, [['train loss', info.loss]]) ??
      (!Number.isFinite(info.updateNorm) ? `diverged at step ${step}: update norm is ${info.updateNorm}` : undefined);
    // a step that diverged between evaluations leaves a record of what the step saw (its loss is diag.stepLoss)
    if (stepBad) return diverged(step, stepBad, { step, diag: finiteOnly(stepDiag(info)) });
    if (isEvalStep(step, steps, evalEvery)) {
      const e = evaluate(step, info);
      if (e.bad) return diverged(step, e.bad, e.rec);
      ev.record(run.id, e.rec);
      last = e.rec;
    }
    const now = Date.now();
    if (now - lastProgress > 200 || step === steps) {
      lastProgress = now;
      ev.progress(run.id, step, steps);
      await yieldToEventLoop();
    }
  }
  const final: FinalMetrics = {
    trainLoss: last.trainLoss as number,
    trainAcc: last.trainAcc as number,
    valAcc: last.valAcc as number,
    oodLeftAcc: last.oodLeftAcc as number,
    oodRightAcc: last.oodRightAcc as number,
    ...viewOf(theta),
    templateEnergy0: view0.templateEnergy,
    digitEnergy0: view0.digitEnergy,
    subspaceOverlap: bases.overlap,
    blankFraction: bases.blankFraction,
    trainSeconds,
    evalSeconds,
  };
  return { id: run.id, status: 'done', final };
}

/** The runner's entry: the runs of one seed, trained one after the other on shared data. */
export async function runOodJob(
  settings: OodSettings,
  seed: number,
  runs: JobRun[],
  ev: ExperimentEvents,
): Promise<RunOutcome[]> {
  const release = wasmLayerScope();
  try {
    const ctx = oodContext(settings, seed);
    const outcomes: RunOutcome[] = [];
    for (const run of runs) {
      if (ev.shouldStop()) outcomes.push({ id: run.id, status: 'cancelled', final: {} });
      else outcomes.push(await trainOodRun(ctx, run, ev));
    }
    return outcomes;
  } finally {
    release();
  }
}
