// Resolves what the user named on the command line (a preset, a preset's quick variant, or a config file) and turns
// the override flags into the shared resolver's overrides (src/shared/config/overrides.ts, which the editor's
// commands use too), so a bad override is reported like a bad config field.
import * as fs from 'node:fs';
import { defineOwn } from '../shared/guards';
import {
  parseConfig,
  resolveConfig,
  type ConfigOverrides,
  type ExperimentConfig,
  type ValidateOptions,
} from '../shared/config';
import { MAX_CONFIG_BYTES } from '../shared/inputLimits';
import { PRESETS, presetVariant } from '../shared/presets';
import { finiteNumber, numberList, type ParsedArgs } from './args';
import { readInputFile } from './readInput';

export function loadExperiment(target: string, quick: boolean, options: ValidateOptions = {}): ExperimentConfig {
  const preset = presetVariant(target, quick);
  if (preset) return preset;
  if (!fs.existsSync(target)) {
    throw new Error(
      `'${target}' is neither a preset (${PRESETS.map((p) => p.name).join(', ')}) nor a config file that exists.`,
    );
  }
  return parseConfig(readInputFile(target, MAX_CONFIG_BYTES, 'config'), target, options);
}

/** `--optim gd.lr=0.1,lbfgs.maxIter=5` as settings.optim overrides (values are numbers where they parse as one). */
function optimFlag(text: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const item of text.split(',')) {
    const m = /^\s*([\w-]+)\.(\w+)=(.+?)\s*$/.exec(item);
    if (!m)
      throw new Error(`--optim: '${item}' is not optimizer.option=value (e.g. --optim gd.lr=0.1,lbfgs.maxIter=5)`);
    const [, name, key, value] = m;
    // own properties only: `__proto__.lr=5` must become a key the validator refuses, never Object.prototype.lr
    const slot = Object.hasOwn(out, name) ? out[name] : defineOwn(out, name, {} as Record<string, unknown>);
    const n = finiteNumber(value);
    defineOwn(slot, key, value === 'true' || value === 'false' ? value === 'true' : (n ?? value));
  }
  return out;
}

const list = (text: string): string[] => text.split(',').map((s) => s.trim());

/** The override flags as the shared resolver's overrides; the resolver and validation do the rest. */
export function flagOverrides(args: ParsedArgs): ConfigOverrides {
  const f = args.flags;
  const grid: Record<string, unknown> = {};
  const settings: Record<string, unknown> = {};
  if (f.has('case')) grid.case = list(f.get('case')!);
  if (f.has('p')) grid.p = numberList('p', f.get('p')!);
  if (f.has('snr')) grid.snr = numberList('snr', f.get('snr')!);
  if (f.has('seeds')) grid.seed = numberList('seeds', f.get('seeds')!);
  if (f.has('optimizer')) grid.optimizer = list(f.get('optimizer')!);
  const num = (flag: string): number => {
    const v = finiteNumber(f.get(flag)!);
    if (v === undefined) throw new Error(`--${flag}: '${f.get(flag)}' is not a finite number`);
    return v;
  };
  // a flag that does not belong to the experiment's kind is refused by validation, naming the setting
  const numeric = {
    steps: 'steps',
    'eval-every': 'evalEvery',
    lr: 'lr',
    width: 'width',
    'weight-decay': 'weightDecay',
    pool: 'pool',
    'template-scale': 'templateScale',
  } as const;
  for (const [flag, key] of Object.entries(numeric)) if (f.has(flag)) settings[key] = num(flag);
  // case custom: the eigenvalues set dx (their count); the direction is checked against it by validation
  if (f.has('spectrum')) {
    settings.spectrum = numberList('spectrum', f.get('spectrum')!);
    settings.dx = (settings.spectrum as number[]).length;
  }
  if (f.has('teacher-direction')) settings.teacherDirection = num('teacher-direction');
  if (f.has('probe')) settings.probe = f.get('probe');
  if (f.has('preconditioner')) settings.preconditioner = f.get('preconditioner');
  if (args.switches.has('random-left-labels')) settings.randomLeftLabels = true;
  if (f.has('optim')) settings.optim = optimFlag(f.get('optim')!);
  return { name: f.get('name'), grid, settings };
}

export function applyOverrides(
  config: ExperimentConfig,
  args: ParsedArgs,
  options: ValidateOptions = {},
): ExperimentConfig {
  return resolveConfig(config, flagOverrides(args), options);
}
