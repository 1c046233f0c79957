// Experiment 3 (paper Figure 3 a-b): Task 1 is Experiment 1 at the Task-1 SNR for each p (reused from an
// earlier run when one matches); Task 2 draws new data from the same eigenvalues with the teacher at the
// opposite end of the spectrum, freezes W1 and b1, and refits the output layer by centred ridge regression.
import type { Settings } from '../../shared/config';
import type { Kernel, MlpParams } from '../kernels/types';
import { hiddenFeatures, paramsToJson } from '../models/regressor';
import { headMSE, ridgeHead } from '../ridge';
import { continuedTeacher, gather, type TeacherData } from '../data/teacher';
import { staticSpectra, type StaticSpectra } from '../spectra';
import { teacherFor, trainNoiseGroup, type GroupCommon, type GroupRun } from './noise';
import type { ExperimentEvents, RunOutcome } from './records';
import { lossDivergence } from './divergence';

export interface TransferRun extends GroupRun {
  /** Task 1 weights of a matching finished run, and where they came from */
  task1?: { params: MlpParams; from: string; final: Record<string, number> };
}

/** Task 2's teacher: High -> index 1 (a small-variance direction), Low -> index dx - 2 (a large one). */
export function task2TeacherIndex(kind: 'high' | 'low' | 'custom', dx: number): number {
  // the validator refuses case custom in a transfer config: its second teacher has no definition
  if (kind === 'custom') throw new Error('the transfer experiment has no Task 2 teacher for case custom');
  return kind === 'high' ? 1 : dx - 2;
}

/**
 * Task 2's data: a new stream (seed + task2SeedOffset, the lab's default) or, with task2Stream 'continue', Task 1's
 * numpy stream continued as the authors' code does.
 */
export function task2Data(settings: Settings, common: GroupCommon): TeacherData {
  const teacherIndex = task2TeacherIndex(common.case, settings.dx);
  if (settings.task2Stream !== 'continue')
    return teacherFor(
      settings,
      { ...common, snr: settings.task2Snr, seed: common.seed + settings.task2SeedOffset },
      teacherIndex,
    );
  const shape = { n: settings.n, dx: settings.dx, trainFraction: settings.trainFraction, scale: settings.scale };
  return continuedTeacher(
    { ...shape, case: common.case, snr: common.snr, seed: common.seed },
    { ...shape, case: common.case, snr: settings.task2Snr, teacherIndex },
  );
}

export async function runTransferGroup(
  settings: Settings,
  common: GroupCommon,
  runs: TransferRun[],
  kernel: Kernel,
  ev: ExperimentEvents,
): Promise<RunOutcome[]> {
  const toTrain = runs.filter((r) => !r.task1);
  const trained = toTrain.length ? await trainNoiseGroup(settings, common, toTrain, kernel, ev) : undefined;
  if (ev.shouldStop()) return runs.map((r) => ({ id: r.id, status: 'cancelled', final: {} }));

  const task2 = task2Data(settings, common);
  const tr = gather(task2, task2.trainIdx);
  const te = gather(task2, task2.testIdx);
  const nTr = task2.trainIdx.length;
  const nTe = task2.testIdx.length;
  const { width, dx } = settings;
  let task1Spectra: ((p: number) => StaticSpectra) | undefined;
  const spectraOf = (p: number): StaticSpectra => {
    if (!task1Spectra) {
      const d = teacherFor(settings, common);
      const x = gather(d, d.trainIdx).x;
      task1Spectra = (q) => staticSpectra(d.lambda, q, x, d.trainIdx.length, d.teacherIndex);
    }
    return task1Spectra(p);
  };

  return runs.map((r): RunOutcome => {
    let task1: { params: MlpParams; final: Record<string, number>; base: RunOutcome | undefined };
    if (r.task1) task1 = { params: r.task1.params, final: r.task1.final, base: undefined };
    else {
      const i = toTrain.indexOf(r);
      const out = trained!.outcomes[i];
      if (out.status !== 'done') return out;
      task1 = { params: trained!.params[i]!, final: out.final, base: out };
    }
    const hTr = hiddenFeatures(task1.params, tr.x, nTr, dx);
    const head = ridgeHead(hTr, tr.y, nTr, width, settings.ridge);
    const hTe = hiddenFeatures(task1.params, te.x, nTe, dx);
    const final = {
      trainMSE: task1.final.trainMSE,
      testMSE: task1.final.testMSE,
      task1TestMSE: task1.final.testMSE,
      task2TrainMSE: headMSE(hTr, tr.y, nTr, width, head),
      task2TestMSE: headMSE(hTe, te.y, nTe, width, head),
    };
    // Task 1 was checked step by step while it trained; Task 2 is a closed-form fit with no step 0 to grow
    // from, so its MSEs get the rest of the rule (finite, under the absolute bound)
    const task2 =
      lossDivergence('Task 2 train MSE', final.task2TrainMSE) ?? lossDivergence('Task 2 test MSE', final.task2TestMSE);
    if (task2) {
      const kept: Record<string, number> = Number.isFinite(final.task1TestMSE)
        ? { task1TestMSE: final.task1TestMSE }
        : {};
      return { id: r.id, status: 'diverged', final: kept, reason: `diverged in Task 2 (ridge head): ${task2}` };
    }
    return {
      ...(task1.base ?? { spectra: spectraOf(r.p) }),
      id: r.id,
      status: 'done',
      final,
      weights: paramsToJson(task1.params, dx),
      reusedTask1: r.task1?.from,
    };
  });
}
