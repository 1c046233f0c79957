// Resolves what the user named on the command line (a preset, a preset's quick variant, or a config file) and
// applies grid and setting overrides before validation, so a bad override is reported like a bad config field.
import * as fs from 'node:fs';
import { defineOwn, parseConfig, validateConfig, type ExperimentConfig, type ValidateOptions } from '../shared/config';
import { MAX_CONFIG_BYTES } from '../shared/inputLimits';
import { PRESETS, findPreset } from '../shared/presets';
import { finiteNumber, numberList, type ParsedArgs } from './args';
import { readInputFile } from './readInput';

export function loadExperiment(target: string, quick: boolean, options: ValidateOptions = {}): ExperimentConfig {
  const preset = findPreset(target);
  if (preset) return quick ? preset.quick : preset.config;
  if (!fs.existsSync(target)) {
    throw new Error(
      `'${target}' is neither a preset (${PRESETS.map((p) => p.name).join(', ')}) nor a config file that exists.`,
    );
  }
  return parseConfig(readInputFile(target, MAX_CONFIG_BYTES, 'config'), target, options);
}

/** `--optim gd.lr=0.1,lbfgs.maxIter=5` merged into settings.optim (values are numbers where they parse as one). */
function optimOverrides(
  text: string,
  base: Record<string, Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  const out = JSON.parse(JSON.stringify(base)) as Record<string, Record<string, unknown>>;
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

export function applyOverrides(
  config: ExperimentConfig,
  args: ParsedArgs,
  options: ValidateOptions = {},
): ExperimentConfig {
  const raw = JSON.parse(JSON.stringify(config)) as ExperimentConfig & Record<string, unknown>;
  const grid = raw.grid as unknown as Record<string, unknown>;
  const settings = raw.settings as unknown as Record<string, unknown>;
  const f = args.flags;
  if (f.has('case'))
    grid.case = f
      .get('case')!
      .split(',')
      .map((s) => s.trim());
  if (f.has('p')) grid.p = numberList('p', f.get('p')!);
  if (f.has('snr')) grid.snr = numberList('snr', f.get('snr')!);
  if (f.has('seeds')) grid.seed = numberList('seeds', f.get('seeds')!);
  if (f.has('optimizer'))
    grid.optimizer = f
      .get('optimizer')!
      .split(',')
      .map((s) => s.trim());
  const num = (flag: string): number => {
    const v = finiteNumber(f.get(flag)!);
    if (v === undefined) throw new Error(`--${flag}: '${f.get(flag)}' is not a finite number`);
    return v;
  };
  if (f.has('steps')) settings.steps = num('steps');
  if (f.has('eval-every')) settings.evalEvery = num('eval-every');
  if (f.has('lr')) settings.lr = num('lr');
  if (f.has('width')) settings.width = num('width');
  if (f.has('weight-decay')) settings.weightDecay = num('weight-decay');
  if (f.has('probe')) settings.probe = f.get('probe');
  if (f.has('preconditioner')) settings.preconditioner = f.get('preconditioner');
  // OOD settings; a flag that does not belong to the experiment's kind is refused by validation, naming it
  if (f.has('width') && raw.kind === 'ood') {
    settings.hidden = settings.width;
    delete settings.width;
  }
  if (f.has('pool')) settings.pool = num('pool');
  if (f.has('template-scale')) settings.templateScale = num('template-scale');
  if (args.switches.has('random-left-labels')) settings.randomLeftLabels = true;
  if (f.has('optim'))
    settings.optim = optimOverrides(f.get('optim')!, (settings.optim ?? {}) as Record<string, Record<string, unknown>>);
  if (f.has('name')) raw.name = f.get('name')!;
  return validateConfig(raw, options);
}
