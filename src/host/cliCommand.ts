// "Copy CLI Command" on a run: the `precond-lab run ...` line that trains the same run (the same run key: kind,
// parameters and every setting it depends on) from a terminal. It starts from the paper preset the experiment is
// closest to and adds the flags that make up the difference; where a setting has no flag (n, dx, l2, ...) it
// names the experiment's own experiment.json instead. The run goes into an experiment of its own (--name), because
// a one-run sweep into the original folder would replace that experiment's config. No vscode: unit-tested by
// parsing the line with the CLI's own parser and comparing run keys (test/unit/cliCommand.test.ts).
import * as path from 'node:path';
import { NAME_PATTERN } from '../shared/config/fields';
import type { ExperimentConfig, RunParams } from '../shared/config';
import { PRESETS, SETTINGS, settingVariant } from '../shared/presets';
import { BACKEND_CHOICES } from '../shared/protocol';
import { runKey } from '../sweep/keys';

export interface CliCommand {
  /** argv after `precond-lab` */
  argv: string[];
  /** the line to paste in a shell */
  text: string;
  /** what the line starts from: a preset variant or the stored config file */
  base: string;
  /** what the line cannot carry (a run started from --init weights), for the notification */
  note?: string;
}

export interface RunToCopy {
  params: RunParams;
  /** the run.json's key, to tell whether it was trained from --init weights */
  key?: string;
  backend?: string;
}

/** Flag of each setting the CLI can override (src/cli/load.ts), by kind. */
const REGRESSION_FLAGS: Record<string, string> = {
  steps: 'steps',
  evalEvery: 'eval-every',
  lr: 'lr',
  width: 'width',
  weightDecay: 'weight-decay',
  probe: 'probe',
  preconditioner: 'preconditioner',
};
const OOD_FLAGS: Record<string, string> = {
  steps: 'steps',
  evalEvery: 'eval-every',
  lr: 'lr',
  hidden: 'width',
  weightDecay: 'weight-decay',
  pool: 'pool',
  templateScale: 'template-scale',
  probe: 'probe',
};

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const num = (v: unknown): string => String(v);

/** Quotes one argument for a POSIX shell where it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,+@%-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The flags that turn `base`'s settings into `config`'s for this run, or undefined when some difference has no
 * flag. OOD runs depend only on their own optimizer's options (src/sweep/keys.ts), so only those are written.
 */
function settingFlags(base: ExperimentConfig, config: ExperimentConfig, params: RunParams): string[] | undefined {
  if (base.kind !== config.kind) return undefined;
  const flags = config.kind === 'ood' ? OOD_FLAGS : REGRESSION_FLAGS;
  const b = base.settings as unknown as Record<string, unknown>;
  const c = config.settings as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const key of new Set([...Object.keys(b), ...Object.keys(c)])) {
    if (same(b[key], c[key])) continue;
    if (key === 'randomLeftLabels') {
      if (c[key] !== true) return undefined; // the switch only turns it on
      out.push('--random-left-labels');
    } else if (key === 'optim') {
      const name = params.optimizer;
      const mine = (name && (c.optim as Record<string, Record<string, unknown>>)[name]) || {};
      const theirs = (name && (b.optim as Record<string, Record<string, unknown>>)[name]) || {};
      // --optim merges option by option: it can add and change options, never remove one
      if (Object.keys(theirs).some((k) => !(k in mine))) return undefined;
      const items = Object.entries(mine)
        .filter(([k, v]) => !same(theirs[k], v))
        .map(([k, v]) => `${name}.${k}=${String(v)}`);
      if (items.length) out.push('--optim', items.join(','));
    } else if (flags[key]) out.push(`--${flags[key]}`, num(c[key]));
    else return undefined;
  }
  return out;
}

function gridFlags(config: ExperimentConfig, p: RunParams): string[] {
  const out: string[] = [];
  if (config.kind === 'ood') {
    if (p.optimizer) out.push('--optimizer', p.optimizer);
  } else if (p.case) out.push('--case', p.case);
  if (p.p !== undefined) out.push('--p', num(p.p));
  if (p.snr !== undefined && config.kind !== 'ood') out.push('--snr', num(p.snr));
  out.push('--seeds', num(p.seed));
  return out;
}

/** The experiment the copied command writes into: the original's name and the run id, within the name's limit. */
export function copyName(experiment: string, runId: string): string {
  const suffix = `.${runId}`;
  const name = `${experiment.slice(0, Math.max(1, 80 - suffix.length))}${suffix}`;
  return NAME_PATTERN.test(name) ? name : `run.${runId}`.slice(0, 80);
}

/**
 * The command line that trains `run` of the experiment `config` (as stored in `configFile`) into `outRoot`, under
 * an experiment name of its own.
 */
export function cliCommandFor(
  config: ExperimentConfig,
  runId: string,
  run: RunToCopy,
  configFile: string,
  outRoot: string,
): CliCommand {
  let best: { argv: string[]; base: string } | undefined;
  for (const preset of PRESETS)
    for (const setting of [...SETTINGS].reverse())
      for (const quick of [true, false]) {
        const base = settingVariant(preset, setting, quick);
        const flags = settingFlags(base, config, run.params);
        if (!flags) continue;
        const name = setting === 'paper' ? `${preset.name}-paper` : preset.name;
        const argv = [name, ...(quick ? ['--quick'] : []), ...flags];
        if (!best || argv.length < best.argv.length) best = { argv, base: `${name}${quick ? ' (quick)' : ''} preset` };
      }
  const head = best ?? { argv: [configFile], base: `the stored ${path.basename(configFile)}` };
  const backend = run.backend && (BACKEND_CHOICES as readonly string[]).includes(run.backend) ? run.backend : undefined;
  const argv = [
    'run',
    ...head.argv,
    ...gridFlags(config, run.params),
    '--name',
    copyName(config.name, runId),
    '--out',
    outRoot,
    ...(backend ? ['--backend', backend] : []),
  ];
  const fromInit = run.key !== undefined && run.key !== runKey(config, run.params);
  return {
    argv,
    text: ['precond-lab', ...argv].map(shellQuote).join(' '),
    base: head.base,
    note: fromInit
      ? 'this run started from given weights (--init): add --init with the same weights file to train it again'
      : undefined,
  };
}
