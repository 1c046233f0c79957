// Experiment 1 (paper Figure 1 a-b): M runs that share data (same case, SNR and seed; one per p) trained as one
// batch with exact-covariance preconditioning P = Sigma^p (or AdaHessian with k = -p), records streamed on the
// evaluation schedule.
import type { Settings, CaseName } from '../../shared/config';
import { generateTeacher, gather, type TeacherData } from '../data/teacher';
import type { Kernel, MlpParams, RegressionData } from '../kernels/types';
import { initRegressor, paramsToJson } from '../models/regressor';
import { featureEnergy, precondDiagonal, staticSpectra, teacherAlignment } from '../spectra';
import type { ExperimentEvents, RunOutcome, RegressionRecord } from './records';
import { isEvalStep, spectraInterval } from './schedule';
import { kernelStepper, type Stepper } from './stepper';
import { adahessianStepper } from './adahessianStepper';
import { DivergenceCheck, finiteRecord } from './divergence';

const finiteOnly = (o: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => Number.isFinite(v)));

export interface GroupCommon {
  /** custom: the eigenvalues and teacher direction of settings.spectrum and settings.teacherDirection */
  case: CaseName;
  snr: number;
  seed: number;
}

export interface GroupRun {
  id: string;
  p: number;
  /** start from these weights instead of drawing them (--init) */
  init?: MlpParams;
}

/** The data of a group: Case High or Low from settings.scale, case custom from settings.spectrum (a sweep's runner
 *  and the playground's both come here, so the two draw the same data from the same settings). */
export function teacherFor(settings: Settings, common: GroupCommon, teacherIndex?: number): TeacherData {
  const custom = common.case === 'custom';
  if (custom && !settings.spectrum) throw new Error('case custom needs settings.spectrum (its eigenvalues)');
  return generateTeacher({
    case: common.case,
    snr: common.snr,
    seed: common.seed,
    ...(custom ? { lambda: settings.spectrum } : {}),
    n: settings.n,
    dx: settings.dx,
    trainFraction: settings.trainFraction,
    scale: settings.scale,
    teacherIndex: teacherIndex ?? (custom ? (settings.teacherDirection ?? 0) : undefined),
  });
}

export function regressionData(data: TeacherData): RegressionData {
  const tr = gather(data, data.trainIdx);
  const te = gather(data, data.testIdx);
  return {
    dx: data.dx,
    nTrain: data.trainIdx.length,
    nTest: data.testIdx.length,
    xTrain: tr.x,
    yTrain: tr.y,
    xTest: te.x,
    yTest: te.y,
  };
}

export interface TrainedGroup {
  outcomes: RunOutcome[];
  /** final parameters of each run that finished (same order as the runs) */
  params: (MlpParams | undefined)[];
  data: TeacherData;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Async only so that a caller's event loop (IPC, cancel) turns a few times a second during training. */
export async function trainNoiseGroup(
  settings: Settings,
  common: GroupCommon,
  runs: GroupRun[],
  kernel: Kernel,
  ev: ExperimentEvents,
): Promise<TrainedGroup> {
  const data = teacherFor(settings, common);
  const reg = regressionData(data);
  const { steps, evalEvery, width, dx } = settings;
  const nTrain = reg.nTrain;
  const inits = runs.map((r) => r.init ?? initRegressor(common.seed, dx, width, settings.initScale));
  const batch: Stepper =
    settings.preconditioner === 'adahessian'
      ? adahessianStepper(
          settings,
          common.seed,
          runs.map((r) => r.p),
          inits,
          reg,
          kernel,
        )
      : kernelStepper(
          kernel.create(reg, {
            width,
            lr: settings.lr,
            l2: settings.l2 / nTrain,
            precond: runs.map((r) => Float32Array.from(precondDiagonal(data.lambda, r.p))),
            init: inits,
          }),
        );
  const spectraEvery = spectraInterval(steps, evalEvery, settings.spectraEvery);
  const outcomes: RunOutcome[] = runs.map((r) => ({
    id: r.id,
    status: 'cancelled',
    final: {},
    spectra: staticSpectra(data.lambda, r.p, reg.xTrain, nTrain, data.teacherIndex),
  }));
  const live = runs.map(() => true);
  const last: (RegressionRecord | undefined)[] = runs.map(() => undefined);
  const best = runs.map(() => ({ testMSE: Infinity, step: 0 }));

  const emit = (m: number, step: number, trainMSE: number, testMSE: number): void => {
    const rec: RegressionRecord = { step, trainMSE, testMSE };
    const diag = batch.diag?.(m);
    if (diag && step > 0) rec.diag = finiteOnly(diag);
    if (step % spectraEvery === 0 || step === steps || step === 0) {
      rec.energy = featureEnergy(batch.params(m).W1, width, dx);
      rec.alignment = teacherAlignment(rec.energy, data.teacherIndex);
    }
    last[m] = rec;
    if (testMSE < best[m].testMSE) best[m] = { testMSE, step };
    ev.record(runs[m].id, rec);
  };

  // the train MSE of every step and the test MSE of every evaluation, step 0 included (divergence.ts)
  const checks = runs.map(() => new DivergenceCheck());
  const diverged = (
    m: number,
    step: number,
    why: string,
    rec: RegressionRecord | { step: number; trainMSE: number },
  ): void => {
    live[m] = false;
    ev.record(runs[m].id, finiteRecord(rec));
    outcomes[m] = { ...outcomes[m], status: 'diverged', reason: why, final: { divergedAt: step } };
  };

  try {
    const train0 = batch.trainMSE();
    const test0 = batch.testMSE();
    runs.forEach((_, m) => {
      const why = checks[m].check(0, [
        ['train MSE', train0[m]],
        ['test MSE', test0[m]],
      ]);
      if (why) diverged(m, 0, why, { step: 0, trainMSE: train0[m], testMSE: test0[m] });
      else emit(m, 0, train0[m], test0[m]);
    });
    let lastProgress = 0;
    let step = 0;
    for (step = 1; step <= steps; step++) {
      if (ev.shouldStop() || !live.some(Boolean)) break;
      const train = batch.step(live);
      const evalNow = isEvalStep(step, steps, evalEvery);
      const test = evalNow ? batch.testMSE() : undefined;
      for (let m = 0; m < runs.length; m++) {
        if (!live[m]) continue;
        const why = checks[m].check(step, [
          ['train MSE', train[m]],
          ['test MSE', test?.[m]],
        ]);
        if (why) {
          diverged(m, step, why, test ? { step, trainMSE: train[m], testMSE: test[m] } : { step, trainMSE: train[m] });
          continue;
        }
        if (test) emit(m, step, train[m], test[m]);
      }
      if (!live.some(Boolean)) break;
      const now = Date.now();
      if (now - lastProgress > (ev.yieldEveryMs ?? 200) || step === steps) {
        lastProgress = now;
        runs.forEach((r, m) => live[m] && ev.progress(r.id, step, steps));
        await yieldToEventLoop();
        runs.forEach((r, m) => {
          if (live[m] && ev.runCancelled?.(r.id)) {
            live[m] = false;
            outcomes[m] = { ...outcomes[m], status: 'cancelled', final: {} };
          }
        });
      }
    }
    const finished = step > steps;
    const params: (MlpParams | undefined)[] = runs.map(() => undefined);
    runs.forEach((r, m) => {
      if (!live[m] || !finished) return;
      const rec = last[m]!;
      params[m] = batch.params(m);
      outcomes[m] = {
        ...outcomes[m],
        status: 'done',
        final: {
          trainMSE: rec.trainMSE,
          testMSE: rec.testMSE,
          bestTestMSE: best[m].testMSE,
          bestStep: best[m].step,
          noiseFloor: 1 / (1 + common.snr * common.snr),
          alignment: rec.alignment ?? 0,
        },
        weights: paramsToJson(params[m]!, dx),
      };
    });
    return { outcomes, params, data };
  } finally {
    batch.dispose();
  }
}
