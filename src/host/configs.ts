// Experiment configs built by commands: a preset with overrides, a p sweep from the wizard's answers, an optimizer
// comparison, a config-file template. Everything goes through the shared override resolver (the CLI's too) and
// the engine's validateConfig, so a bad value is refused with the engine's message naming the field. No vscode
// here: the wizard and the tests share it.
import {
  ConfigError,
  OOD_OPTIMIZERS,
  PRECONDITIONERS,
  resolveConfig,
  type ExperimentConfig,
  type Grid,
  type OodSettings,
  type Settings,
} from '../shared/config';
import { isObject, own } from '../shared/guards';
import { stripBom } from '../shared/inputLimits';
import { PRESETS, presetVariant } from '../shared/presets';

/**
 * Settings of any experiment kind; the engine refuses those the config's kind does not have (`width` names an OOD
 * experiment's hidden units too, as the CLI's --width does).
 */
export type SettingsOverrides = Partial<Settings> & Partial<OodSettings>;

/** Fields a command may change; the grid's keys replace whole axes. */
export interface ConfigChanges {
  name?: string;
  grid?: Partial<Grid>;
  overrides?: SettingsOverrides;
}

export interface PresetArgs extends ConfigChanges {
  preset: string;
  quick?: boolean;
}

export interface SweepArgs extends ConfigChanges {
  /** the template whose values fill what is not given (default fig1-cov, quick) */
  preset?: string;
  quick?: boolean;
  case?: Grid['case'];
  p?: number[];
  snr?: number[];
  seeds?: number[];
  preconditioner?: string;
  steps?: number;
}

export interface CompareArgs extends ConfigChanges {
  preset?: string;
  quick?: boolean;
  /** regression presets: the preconditioners, one experiment each (default: all the engine knows) */
  preconditioners?: string[];
  /** OOD presets: the optimizers of its one sweep (default: all the engine knows) */
  optimizers?: string[];
}

/** The settings `precondLab.evalEvery` (0 = keep the config's) and `precondLab.maxRuns` (runs one sweep may have). */
export interface Defaults {
  evalEvery?: number;
  maxRuns?: number;
}

export function presetNames(): string[] {
  return PRESETS.flatMap((p) => [p.name, `${p.name}-quick`]);
}

export function presetBase(name: string, quick = false): ExperimentConfig {
  const found = presetVariant(name, quick);
  if (!found)
    throw new ConfigError([
      `preset: must be one of ${presetNames()
        .map((n) => `"${n}"`)
        .join(', ')}, got ${JSON.stringify(name)}`,
    ]);
  return found;
}

/** Applies changes to a config and validates the result; throws the engine's ConfigError. */
export function withChanges(base: ExperimentConfig, changes: ConfigChanges, defaults: Defaults = {}): ExperimentConfig {
  return resolveConfig(base, { name: changes.name, grid: changes.grid, settings: changes.overrides }, defaults);
}

export function presetConfig(args: PresetArgs, defaults: Defaults = {}): ExperimentConfig {
  return withChanges(presetBase(args.preset, args.quick), args, defaults);
}

export function sweepConfig(args: SweepArgs, defaults: Defaults = {}): ExperimentConfig {
  const base = presetBase(args.preset ?? 'fig1-cov', args.quick ?? true);
  const grid: Partial<Grid> = { ...args.grid };
  if (args.case) grid.case = args.case;
  if (args.p) grid.p = args.p;
  if (args.snr) grid.snr = args.snr;
  if (args.seeds) grid.seed = args.seeds;
  const overrides: Record<string, unknown> = { ...args.overrides };
  if (args.preconditioner !== undefined) overrides.preconditioner = args.preconditioner;
  if (args.steps !== undefined) overrides.steps = args.steps;
  const name = args.name ?? `${base.name.replace(/-quick$/, '')}-p-sweep`;
  return withChanges(base, { name, grid, overrides: overrides as SettingsOverrides }, defaults);
}

/** The optimizers a comparison can pick from, by the template's kind. */
export function comparable(base: ExperimentConfig): readonly string[] {
  return base.kind === 'ood' ? OOD_OPTIMIZERS : PRECONDITIONERS;
}

/**
 * An optimizer comparison. The OOD experiment sweeps optimizers on its grid: one experiment. The regression
 * experiments take the preconditioner as a setting: one experiment per preconditioner, `<base>-<preconditioner>`.
 */
export function compareConfigs(args: CompareArgs, defaults: Defaults = {}): ExperimentConfig[] {
  return compareFrom(presetBase(args.preset ?? 'fig1-cov', args.quick ?? true), args, defaults);
}

export function compareFrom(
  base: ExperimentConfig,
  args: Omit<CompareArgs, 'preset' | 'quick'>,
  defaults: Defaults = {},
): ExperimentConfig[] {
  const ood = base.kind === 'ood';
  const list = (ood ? args.optimizers : args.preconditioners) ?? [...comparable(base)];
  if (!list.length)
    throw new ConfigError([
      `${ood ? 'optimizers' : 'preconditioners'}: pick at least one of ${comparable(base).join(', ')}`,
    ]);
  if (ood)
    return [
      withChanges(
        base,
        {
          name: args.name ?? `${base.name}-compare`,
          grid: { ...args.grid, optimizer: list as Grid['optimizer'] },
          overrides: args.overrides,
        },
        defaults,
      ),
    ];
  const prefix = args.name ?? base.name;
  return list.map((pc) =>
    withChanges(
      base,
      {
        name: `${prefix}-${pc}`,
        grid: args.grid,
        overrides: { ...args.overrides, preconditioner: pc as Settings['preconditioner'] },
      },
      defaults,
    ),
  );
}

/** The text of a new config file: the preset with every setting written out, so the file replays exactly. */
export function configTemplate(base: ExperimentConfig, name: string): string {
  const { $schema: _ignored, ...rest } = base;
  return JSON.stringify({ ...rest, version: base.version, name }, null, 2) + '\n';
}

/** Parses "-2, 0, 2" into numbers; the message names the field like the engine's do. */
export function parseList(text: string, field: string): number[] | string {
  const parts = text.split(/[,\s]+/).filter(Boolean);
  if (!parts.length) return `${field}: give at least one value, e.g. -2, 0, 2`;
  const out: number[] = [];
  for (const t of parts) {
    const v = Number(t);
    if (!Number.isFinite(v)) return `${field}: '${t}' is not a number (give a comma-separated list, e.g. -2, 0, 2)`;
    out.push(v);
  }
  return out;
}

/** The engine's complaints about `field` (e.g. 'grid.p', 'settings.steps', 'name') after applying a change. */
export function fieldProblem(base: ExperimentConfig, changes: ConfigChanges, field: string): string | undefined {
  try {
    withChanges(base, changes);
    return undefined;
  } catch (e) {
    if (!(e instanceof ConfigError)) return (e as Error).message;
    const mine = e.problems.filter(
      (p) => p === field || p.startsWith(`${field}:`) || p.startsWith(`${field}[`) || p.startsWith(`${field}.`),
    );
    return mine.length ? mine.join('; ') : undefined;
  }
}

/** Whether the file sets evalEvery itself (then the evalEvery setting does not override it). */
export function setsEvalEvery(text: string): boolean {
  try {
    const raw: unknown = JSON.parse(stripBom(text));
    const settings = isObject(raw) ? own(raw, 'settings') : undefined;
    return isObject(settings) && Object.hasOwn(settings, 'evalEvery');
  } catch {
    return false;
  }
}
