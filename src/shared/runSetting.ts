// Which of the two settings (issue 13) a run belongs to, read off what it computes: for every departure that
// applies to the run, is its value the authors' choice or the lab's? Derived from the run's own settings and
// params, so a run written before the field existed, or by a hand-written config, is classified the same way.
import type { ExperimentConfig, RunParams } from './config';

/**
 * `paper` and `corrected`: every departure that applies has that setting's value. `both`: no departure applies
 * (exact-covariance runs of Figure 1, a seed-42 run without AdaHessian: the same run serves both settings).
 * `custom`: a mix of the two, or a value neither setting uses (a Gaussian probe, GD at another rate).
 */
export const RUN_SETTINGS = ['paper', 'corrected', 'both', 'custom'] as const;
export type RunSetting = (typeof RUN_SETTINGS)[number];

export const RUN_SETTING_TEXT: Record<RunSetting, string> = {
  paper: "paper setting (the authors' code)",
  corrected: "corrected setting (the lab's choices)",
  both: 'both settings (no departure applies)',
  custom: 'custom setting (neither the paper nor the corrected one)',
};

type Verdict = 'paper' | 'corrected' | 'other';

function probeVerdict(probe: string): Verdict {
  return probe === 'constant' ? 'paper' : probe === 'rademacher' ? 'corrected' : 'other';
}

/** The verdict of each departure that applies to one run. */
function departureVerdicts(
  kind: ExperimentConfig['kind'],
  settings: ExperimentConfig['settings'],
  params: RunParams,
): Verdict[] {
  if (kind === 'ood') {
    const s = settings as Extract<ExperimentConfig, { kind: 'ood' }>['settings'];
    const out: Verdict[] = [s.randomLeftLabels ? 'paper' : 'corrected'];
    if (params.optimizer === 'adahessian') out.push(probeVerdict(s.probe));
    if (params.optimizer === 'gd') {
      const lr = Number(s.optim?.gd?.lr ?? s.lr);
      out.push(lr === 1e-2 ? 'paper' : lr === 0.1 ? 'corrected' : 'other');
    }
    return out;
  }
  const s = settings as Extract<ExperimentConfig, { kind: 'noise' | 'transfer' }>['settings'];
  const out: Verdict[] = [];
  if (s.preconditioner === 'adahessian') out.push(probeVerdict(s.probe));
  if (kind === 'transfer') out.push(s.task2Stream === 'continue' ? 'paper' : 'corrected');
  return out;
}

/** The setting of one run, from its experiment kind, settings and grid point. */
export function runSetting(
  kind: ExperimentConfig['kind'],
  settings: ExperimentConfig['settings'],
  params: RunParams,
): RunSetting {
  const v = departureVerdicts(kind, settings, params);
  if (!v.length) return 'both';
  if (v.every((x) => x === 'paper')) return 'paper';
  if (v.every((x) => x === 'corrected')) return 'corrected';
  return 'custom';
}

/** The setting shown for a set of runs (an experiment, a panel): one name when they agree, else `mixed`. */
export function settingsShown(settings: readonly RunSetting[]): RunSetting | 'mixed' | undefined {
  const distinct = [...new Set(settings)];
  if (!distinct.length) return undefined;
  if (distinct.length === 1) return distinct[0];
  // runs serving both settings go with either one
  const rest = distinct.filter((s) => s !== 'both');
  return rest.length === 1 ? rest[0] : 'mixed';
}
