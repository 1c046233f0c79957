// The palette's questions: which preset, and for a p sweep the case, p grid, SNR grid, preconditioner, seeds,
// steps and name, each prefilled from the preset and checked by the engine's validateConfig as it is typed.
// Escape at any step returns undefined and starts nothing.
import * as vscode from 'vscode';
import { plainText } from './notifyText';
import { PAPER_CASES, PRECONDITIONERS, expandRuns, type CaseName, type ExperimentConfig } from '../shared/config';
import { PRESETS } from '../shared/presets';
import {
  comparable,
  fieldProblem,
  parseList,
  presetBase,
  type CompareArgs,
  type ConfigChanges,
  type SweepArgs,
} from './configs';

/** Asks for a preset; `regressionOnly` leaves out kinds without a p grid over cases (the OOD experiment). */
export async function pickPreset(
  title: string,
  regressionOnly = false,
  /** more words for a preset's description: its time estimate (presetEstimate.ts) */
  describe?: (config: ExperimentConfig) => string,
): Promise<{ preset: string; quick: boolean } | undefined> {
  const items = PRESETS.filter((p) => !regressionOnly || p.full.kind !== 'ood').flatMap((p) =>
    [true, false].map((quick) => {
      const c = quick ? p.quick : p.full;
      return {
        label: quick ? `${p.name} (quick)` : p.name,
        description: `${c.figure ?? ''} · ${expandRuns(c).length} runs${describe ? ` · ${describe(c)}` : ''}`,
        detail: quick ? c.description : p.summary,
        preset: p.name,
        quick,
      };
    }),
  );
  const pick = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: 'Which paper preset? Quick variants run in about a minute.',
    matchOnDetail: true,
  });
  return pick && { preset: pick.preset, quick: pick.quick };
}

async function askList(
  base: ExperimentConfig,
  title: string,
  field: string,
  value: number[],
  toChanges: (v: number[]) => ConfigChanges,
  /** one number (the steps), not a list */
  single = false,
): Promise<number[] | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    value: value.join(', '),
    prompt: single ? `One whole number for ${field}` : `Comma-separated values for ${field}`,
    validateInput: (t) => {
      const v = parseList(t, field);
      if (typeof v === 'string') return v;
      if (single && v.length !== 1) return `${field} takes one number, not a list`;
      return fieldProblem(base, toChanges(v), field);
    },
  });
  if (text === undefined) return undefined;
  return parseList(text, field) as number[];
}

export async function askSweep(): Promise<SweepArgs | undefined> {
  const preset = await pickPreset('New p sweep (1/8): template', true);
  if (!preset) return undefined;
  const base = presetBase(preset.preset, preset.quick);
  const cases = await vscode.window.showQuickPick(
    // a preset has no custom spectrum: the wizard offers the paper's cases
    PAPER_CASES.map((c) => ({ label: c, picked: base.grid.case.includes(c) })),
    { title: 'New p sweep (2/8): case (Case High or Case Low of the paper)', canPickMany: true },
  );
  if (!cases?.length) return undefined;
  const args: SweepArgs = { ...preset, case: cases.map((c) => c.label as CaseName) };
  const p = await askList(base, 'New p sweep (3/8): p grid (P = Sigma^p)', 'grid.p', base.grid.p, (v) => ({
    grid: { p: v },
  }));
  if (!p) return undefined;
  const snr = await askList(base, 'New p sweep (4/8): SNR grid', 'grid.snr', base.grid.snr, (v) => ({
    grid: { snr: v },
  }));
  if (!snr) return undefined;
  const pc = await vscode.window.showQuickPick([...PRECONDITIONERS], { title: 'New p sweep (5/8): preconditioner' });
  if (!pc) return undefined;
  const seeds = await askList(base, 'New p sweep (6/8): seeds', 'grid.seed', base.grid.seed, (v) => ({
    grid: { seed: v },
  }));
  if (!seeds) return undefined;
  const steps = await askList(
    base,
    'New p sweep (7/8): training steps',
    'settings.steps',
    [base.settings.steps],
    (v) => ({ overrides: { steps: v[0] } }),
    true,
  );
  if (!steps) return undefined;
  Object.assign(args, { p, snr, preconditioner: pc, seeds, steps: steps[0] });
  const name = await vscode.window.showInputBox({
    title: 'New p sweep (8/8): experiment name (names its results folder)',
    value: `${base.name.replace(/-quick$/, '')}-p-sweep`,
    validateInput: (t) => fieldProblem(base, { name: t }, 'name'),
  });
  if (!name) return undefined;
  return { ...args, name };
}

export async function askCompare(): Promise<CompareArgs | undefined> {
  const preset = await pickPreset('Compare optimizers (1/2): template');
  if (!preset) return undefined;
  const base = presetBase(preset.preset, preset.quick);
  const ood = base.kind === 'ood';
  const picks = await vscode.window.showQuickPick(
    comparable(base).map((label) => ({ label, picked: true })),
    {
      title: `Compare optimizers (2/2): which (${ood ? 'one sweep over them' : 'one experiment each'})`,
      canPickMany: true,
    },
  );
  if (!picks?.length) return undefined;
  const chosen = picks.map((p) => p.label);
  return ood ? { ...preset, optimizers: chosen } : { ...preset, preconditioners: chosen };
}

/** Asks which experiment when a command from the palette has no target. */
export async function pickExperiment(names: string[], title: string): Promise<string | undefined> {
  if (!names.length) {
    void vscode.window.showInformationMessage(
      plainText('No experiments in the results folder yet: run a preset first.'),
    );
    return undefined;
  }
  return names.length === 1 ? names[0] : vscode.window.showQuickPick(names, { title });
}
