// The reproduction report's model: for each claim of the paper, the verdict under each setting from the runs the
// store holds, the rule, the runs still missing, and the reference numbers. Pure: the CLI reads the store and
// renders the model to Markdown (markdown.ts) and HTML (html.ts).
import { validateConfig, type ExperimentConfig } from '../config';
import { DEPARTURES, PRESETS, SETTINGS, type Departure, type SettingName } from '../presets';
import {
  figure1Claim,
  figure2aClaim,
  figure2bClaim,
  figure3Claim,
  task1Claim,
  type ClaimResult,
  type ClaimRun,
} from './claims';
import { referenceFor, type ReferenceSeries } from './reference';

/** The presets `reproduce` runs, in order: Figure 1 before Figure 3, so Task 1 can reuse Figure 1's runs. */
export const REPRODUCTION_ORDER = [
  'fig1-cov',
  'fig1-adahessian',
  'fig3-cov',
  'fig3-adahessian',
  'fig2-optimizers',
  'fig2-adahessian-power',
] as const;

export interface ClaimDef {
  id: string;
  figure: string;
  preset: (typeof REPRODUCTION_ORDER)[number];
  claim: string;
  rule: string;
  /** the final metric the claim reads (reference series with it are shown beside the lab's) */
  metric: string;
  /** a finding the report states plainly under the claim */
  finding?: string;
  evaluate: (runs: readonly ClaimRun[]) => ClaimResult;
}

const FIG1_RULE =
  'At each SNR, the Spearman correlation between p and the final test MSE (mean over seeds) is <= -0.8 in Case ' +
  'High and >= 0.8 in Case Low. holds: at every SNR of both cases; mixed: at some; does not hold: at none.';
const FIG3_RULE =
  'In each case, p = -1 has the lowest mean Task 2 test MSE, by more than one standard deviation of the runner-up ' +
  'when seeds allow. holds: both cases; mixed: lowest but within the spread, or one case only; does not hold: neither.';

export const CLAIMS: readonly ClaimDef[] = [
  {
    id: 'fig1ab',
    metric: 'testMSE',
    figure: 'Figure 1a-b',
    preset: 'fig1-cov',
    claim: 'Exact covariance: in Case High larger p gives lower test MSE; in Case Low the opposite.',
    rule: FIG1_RULE,
    evaluate: (r) => figure1Claim(r),
  },
  {
    id: 'fig1cd',
    metric: 'testMSE',
    figure: 'Figure 1c-d',
    preset: 'fig1-adahessian',
    claim: 'AdaHessian with k = -p: the same trends as Figure 1a-b (p = -2 may be unstable).',
    rule: FIG1_RULE,
    evaluate: (r) => figure1Claim(r),
  },
  {
    id: 'fig2a',
    metric: 'oodLeftAcc',
    figure: 'Figure 2a',
    preset: 'fig2-optimizers',
    claim: 'GD and SAM favour the digit (OOD left), the curvature-inverting optimizers the noise (OOD right).',
    rule:
      'The mean OOD-left accuracy of GD and SAM exceeds that of Adam, Sophia-H, AdaHessian, K-FAC and L-BFGS, and ' +
      'their mean OOD-right accuracy is below it. holds: both; mixed: one; does not hold: neither.',
    evaluate: (r) => figure2aClaim(r),
  },
  {
    id: 'fig2b',
    metric: 'oodLeftAcc',
    figure: 'Figure 2b',
    preset: 'fig2-adahessian-power',
    claim: "AdaHessian's power reproduces the reversal: from p = -2 to 0 the model turns from the noise to the digit.",
    rule:
      'As p goes from -2 to 0, OOD-right accuracy falls and OOD-left accuracy rises (strictly at each p that ran). ' +
      'holds: both; mixed: one; does not hold: neither.',
    evaluate: (r) => figure2bClaim(r),
  },
  {
    id: 'fig3ab',
    metric: 'task2TestMSE',
    figure: 'Figure 3a-b',
    preset: 'fig3-cov',
    claim: 'Exact covariance: p = -1 transfers best (lowest Task 2 test MSE) in both cases.',
    rule: FIG3_RULE,
    evaluate: (r) => figure3Claim(r),
  },
  {
    id: 'fig3ab-task1',
    metric: 'task1TestMSE',
    figure: 'Figure 3a-b, Task 1',
    preset: 'fig3-cov',
    claim: 'Task 1 behaves as Experiment 1.',
    rule: `The Figure 1 rule on Task 1's test MSE. ${FIG1_RULE.split('. ')[1]}`,
    evaluate: (r) => task1Claim(r),
  },
  {
    id: 'fig3cd',
    metric: 'task2TestMSE',
    figure: 'Figure 3c-d',
    preset: 'fig3-adahessian',
    claim: 'AdaHessian on Task 1: p = -1 transfers best in both cases.',
    rule: FIG3_RULE,
    finding:
      "With the authors' exact pipeline at seed 42 (their initial weights, the constant probe, Task 2 by continuing " +
      "the stream), Case Low's Task 2 is best at p = 1 (0.587, against 0.755 at p = -1), and the lab's 5-seed runs " +
      "agree (p = 1 best with either probe): the authors' own code does not show the paper's \"p = -1 transfers " +
      'best" for Case Low with AdaHessian.',
    evaluate: (r) => figure3Claim(r),
  },
  {
    id: 'fig3cd-task1',
    metric: 'task1TestMSE',
    figure: 'Figure 3c-d, Task 1',
    preset: 'fig3-adahessian',
    claim: 'Task 1 behaves as Experiment 1.',
    rule: `The Figure 1 rule on Task 1's test MSE. ${FIG1_RULE.split('. ')[1]}`,
    evaluate: (r) => task1Claim(r),
  },
];

/** What the store holds for one experiment of the reproduction. */
export interface ExperimentState {
  preset: string;
  setting: SettingName;
  config: ExperimentConfig;
  /** the runs the config expands to, as the store has them (missing ones absent) */
  runs: ClaimRun[];
  /** how many runs the config expands to */
  expected: number;
  /** total training seconds the store records for its runs */
  seconds: number;
}

export interface SettingResult {
  experiment: string;
  result: ClaimResult;
  /** finished runs (done or unstable) out of the expected */
  finished: number;
  expected: number;
}

export interface ReportModel {
  title: string;
  quick: boolean;
  settings: SettingName[];
  generatedAt: string;
  claims: { def: ClaimDef; results: Partial<Record<SettingName, SettingResult>> }[];
  experiments: ExperimentState[];
  departures: readonly Departure[];
  reference: ReferenceSeries[];
  /** experiments whose runs are not all finished, with what is missing */
  missing: { experiment: string; setting: SettingName; figure: string; finished: number; expected: number }[];
  wallSeconds?: number;
  /** set when the OOD experiments were cut to this many steps (a test run): the report says so */
  testSteps?: number;
}

const finishedOf = (runs: readonly ClaimRun[]): number =>
  runs.filter((r) => r.status === 'done' || r.status === 'diverged').length;

export function buildReport(
  experiments: ExperimentState[],
  options: {
    quick: boolean;
    settings: SettingName[];
    reference: readonly ReferenceSeries[];
    generatedAt: string;
    wallSeconds?: number;
    testSteps?: number;
  },
): ReportModel {
  const claims = CLAIMS.map((def) => {
    const results: Partial<Record<SettingName, SettingResult>> = {};
    for (const setting of options.settings) {
      const e = experiments.find((x) => x.preset === def.preset && x.setting === setting);
      if (!e) continue;
      results[setting] = {
        experiment: e.config.name,
        result: def.evaluate(e.runs),
        finished: finishedOf(e.runs),
        expected: e.expected,
      };
    }
    return { def, results };
  });
  const missing = experiments
    .filter((e) => finishedOf(e.runs) < e.expected)
    .map((e) => ({
      experiment: e.config.name,
      setting: e.setting,
      figure: e.config.figure ?? e.preset,
      finished: finishedOf(e.runs),
      expected: e.expected,
    }));
  const used = new Set(experiments.map((e) => e.preset));
  return {
    title: `Reproduction of Yoshida & Nitanda (2025)${options.quick ? ' (quick presets)' : ''}`,
    quick: options.quick,
    settings: options.settings,
    generatedAt: options.generatedAt,
    claims,
    experiments,
    departures: DEPARTURES,
    reference: options.reference.filter((s) => used.has(s.preset)),
    missing,
    wallSeconds: options.wallSeconds,
    ...(options.testSteps !== undefined ? { testSteps: options.testSteps } : {}),
  };
}

/** The reference table rows for a preset's metric: p, the reference value, and the lab's value per setting. */
export function referenceRows(
  model: ReportModel,
  series: ReferenceSeries,
): { p: number; reference: number; lab: Partial<Record<SettingName, number>> }[] {
  return series.p.map((p, i) => {
    const lab: Partial<Record<SettingName, number>> = {};
    for (const setting of model.settings) {
      const e = model.experiments.find((x) => x.preset === series.preset && x.setting === setting);
      const run = e?.runs.find(
        (r) =>
          r.status === 'done' &&
          r.params.p === p &&
          r.params.case === series.case &&
          r.params.snr === series.snr &&
          r.params.seed === series.seed,
      );
      if (run && Number.isFinite(run.final[series.metric])) lab[setting] = run.final[series.metric];
    }
    return { p, reference: series.values[i], lab };
  });
}

/** Which settings the report covers: `both` is every setting. */
export function settingsOf(choice: string): SettingName[] {
  if (choice === 'both') return [...SETTINGS];
  if ((SETTINGS as readonly string[]).includes(choice)) return [choice as SettingName];
  throw new Error(`--setting must be paper, corrected or both, got '${choice.slice(0, 40)}'`);
}

/** The configs a reproduction runs, in order; a preset whose settings coincide appears once per setting. */
export function reproductionPlan(
  settings: readonly SettingName[],
  quick: boolean,
  testSteps?: number,
): { preset: string; setting: SettingName; config: ExperimentConfig }[] {
  const out: { preset: string; setting: SettingName; config: ExperimentConfig }[] = [];
  for (const name of REPRODUCTION_ORDER) {
    const preset = PRESETS.find((p) => p.name === name)!;
    for (const setting of settings) {
      const pair = setting === 'paper' ? preset.paper : preset;
      out.push({ preset: name, setting, config: capTestSteps(quick ? pair.quick : pair.full, testSteps) });
    }
  }
  return out;
}

/**
 * Test-only (`reproduce --test-steps N`, used by the CI reproduction test): the costly experiments (Figure 2's seven
 * optimizers on MNIST, and the AdaHessian regressions) train at most N steps (records every N / 2), in folders named
 * `<name>-steps<N>` so a store never mixes them with the presets' runs. Exact-covariance experiments are unchanged.
 */
export function capTestSteps(config: ExperimentConfig, steps: number | undefined): ExperimentConfig {
  const costly = config.kind === 'ood' || config.settings.preconditioner === 'adahessian';
  if (steps === undefined || !costly || steps >= config.settings.steps) return config;
  const evalEvery = Math.max(1, Math.min(config.settings.evalEvery, Math.floor(steps / 2)));
  const settings = { ...config.settings, steps, evalEvery };
  return validateConfig({
    ...config,
    name: `${config.name}-steps${steps}`,
    figure: `${config.figure ?? config.name}, ${steps} steps (test)`,
    settings,
  });
}

/** The reference series shown beside a preset's experiment in a chart (exported for the report's figures). */
export { referenceFor };
