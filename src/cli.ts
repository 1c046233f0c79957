// precond-lab: the lab engine from a terminal. `presets`, `run`, `report`, `reproduce`, `data`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, countRuns, expandRuns } from './shared/config';
import { MAX_INIT_BYTES, MAX_RUNS_CEILING, scanJson } from './shared/inputLimits';
import { readInputFile } from './cli/readInput';
import { backendProblem } from './cli/backendProbe';
import { PRESETS } from './shared/presets';
import { parseArgs } from './cli/args';
import { SWITCHES, VALUED } from './cli/flags';
import { applyOverrides, loadExperiment } from './cli/load';
import { attachProgress, heldReport } from './cli/progress';
import { RunManager, defaultWorkers } from './sweep/runManager';
import { loadSummary } from './sweep/store';
import { refreshExperiment } from './sweep/recovery';
import { findExperimentDir, report, table } from './sweep/report';
import { teacherFor } from './lab/experiments/noise';
import { paramsFromJson, paramsToJson, type ParamsJson } from './lab/models/regressor';
import { BACKEND_CHOICES, type BackendChoice } from './shared/protocol';
import { OPTIMIZER_NAMES } from './shared/optimizers';
import { reproduce } from './cli/reproduce';
import { bullmqExecutor, redisWorkerCommand } from './cli/bullmqCli';
import { slurmExecutor, sliceWorkerCommand } from './cli/slurmCli';
import { EXECUTOR_NAMES } from './sweep/executors/types';

const USAGE = `precond-lab - how preconditioning steers feature learning (Yoshida & Nitanda 2025)

  precond-lab presets
  precond-lab run <preset|config.json> [--quick] [--out DIR] [--workers N] [--backend ${BACKEND_CHOICES.join('|')}]
                  [--case high,low] [--p -2,0,2] [--snr 1] [--seeds 42,43] [--steps N] [--eval-every K]
                  [--preconditioner exact-cov|adahessian] [--probe rademacher|gaussian|constant] [--lr X]
                  [--weight-decay X] [--width N] [--init weights.json] [--name NAME] [--force]
                  [--case custom --spectrum 5,1,0.5,0.2 --teacher-direction 3] (your own eigenvalues; dx = their count)
                  OOD: [--optimizer ${OPTIMIZER_NAMES.join(',')}] [--pool N] [--template-scale X]
                       [--random-left-labels] [--optim gd.lr=0.1,lbfgs.maxIter=5]
                  [--max-runs N] (default 10000 runs per sweep) [--dry-run] (check everything, write nothing)
  precond-lab validate <preset|config.json> [the same overrides] [--max-runs N]   (prints the run count)
  precond-lab report <experiment folder | name> [--out DIR]
  precond-lab reproduce [--quick] [--setting paper|corrected|both] [--out DIR] [--workers N] [--backend ...]
                  [--report-only] (write the report from the store, train nothing) [--markdown FILE] (a copy of
                  report.md) [--reference FILE] (more reference points, media/reference-points.json's shape)
                  [--test-steps N] (tests only: Figure 2 and AdaHessian cut to N steps, own folders)
  precond-lab data <preset|config.json> --case high --snr 1 --seed 42 --out FILE
  Executors (run): [--executor local|slurm|bullmq] (default local; docs/cluster.md)
    slurm: [--partition P] [--account A] [--time T] [--cpus-per-task N] [--concurrency K] [--tasks N]
           [--sbatch '--mem=4G;--qos=short'] [--setup 'module load nodejs'] [--ssh HOST] [--worker-command CMD]
  precond-lab worker --slice FILE [--task N] [--threads N]   (what a Slurm array task runs)
  precond-lab worker --redis URL [--queue NAME] [--jobs N] [--threads N]   (a BullMQ worker: --threads is its
                  share of this machine's cores, split over its --jobs; default one thread per job)

Results go to --out (default ./.precond-lab), one folder per experiment.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest, VALUED, SWITCHES);
  // `precond-lab <command> --help` prints the usage and does nothing else (it never starts the command)
  if (args.switches.has('help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const outRoot = path.resolve(args.flags.get('out') ?? '.precond-lab');
  switch (command) {
    case 'presets':
      return presets();
    case 'run':
      return run(args, outRoot);
    case 'validate':
      return validate(args);
    case 'report': {
      const target = args.positional[0];
      if (!target) throw new Error('report needs an experiment folder or name');
      const dir = findExperimentDir(target, outRoot);
      const warn = (text: string | undefined): void =>
        text?.split('\n').forEach((w) => process.stderr.write(`warning: ${w}\n`));
      // the store as found: a wrong-shaped summary.json is rebuilt with a warning, each unusable run.json is named
      warn(loadSummary(dir).warning);
      // then recover (runs a killed sweep left running become interrupted) and read the summary rebuilt from run.json
      for (const w of refreshExperiment(dir)) warn(w);
      const { summary } = loadSummary(dir);
      process.stdout.write(report(summary) + '\n');
      return 0;
    }
    case 'data':
      return data(args);
    case 'reproduce':
      return reproduceCommand(args, outRoot);
    case 'worker':
      if (args.flags.has('slice')) return sliceWorkerCommand(args, __dirname);
      if (args.flags.has('redis') || process.env.PRECOND_LAB_REDIS_URL) return redisWorkerCommand(args, __dirname);
      throw new Error('worker needs --redis URL');
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE + '\n');
      return 0;
    default:
      throw new Error(`unknown command '${command}'\n\n${USAGE}`);
  }
}

function presets(): number {
  const rows = PRESETS.map((p) => [
    p.name,
    p.full.figure ?? '',
    String(expandRuns(p.full).length),
    String(expandRuns(p.quick).length),
    p.summary,
  ]);
  process.stdout.write(table(['preset', 'figure', 'runs', 'quick runs', 'what it shows'], rows) + '\n');
  process.stdout.write('\nRun one with: precond-lab run <preset> [--quick]\n');
  return 0;
}

async function run(args: ReturnType<typeof parseArgs>, outRoot: string): Promise<number> {
  const target = args.positional[0];
  if (!target) throw new Error('run needs a preset name or a config file');
  const options = { maxRuns: maxRunsFlag(args) };
  const config = applyOverrides(loadExperiment(target, args.switches.has('quick'), options), args, options);
  const backend = (args.flags.get('backend') ?? 'auto') as BackendChoice;
  if (!BACKEND_CHOICES.includes(backend)) throw new Error(`--backend must be one of ${BACKEND_CHOICES.join(', ')}`);
  const executorName = args.flags.get('executor') ?? 'local';
  if (!(EXECUTOR_NAMES as readonly string[]).includes(executorName))
    throw new Error(`--executor must be one of ${EXECUTOR_NAMES.join(', ')}, got '${executorName.slice(0, 40)}'`);
  const workers = args.flags.has('workers') ? Number(args.flags.get('workers')) : defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1) throw new Error('--workers must be a positive integer');
  const initFile = args.flags.get('init');
  if (initFile && config.kind === 'ood')
    throw new Error('--init applies to the regression experiments (noise, transfer) only');
  const init =
    initFile && config.kind !== 'ood' ? readInit(initFile, config.settings.dx, config.settings.width) : undefined;
  // before any run folder is written: a backend that cannot load is refused here, not by every runner
  const unavailable = backendProblem(backend);
  if (unavailable) throw new Error(`--backend ${backend}: ${unavailable}`);
  const total = countRuns(config.kind, config.grid);
  if (args.switches.has('dry-run')) {
    process.stdout.write(
      `${config.name}: valid ${config.kind} experiment, ${total} runs, backend ${backend}, ${workers} ` +
        `worker${workers > 1 ? 's' : ''}; nothing written (--dry-run)\n`,
    );
    return 0;
  }
  const manager = new RunManager({
    runnerPath: path.join(__dirname, 'runner.js'),
    workers,
    backend,
    init,
    force: args.switches.has('force'),
    ...(args.flags.get('executor') === 'bullmq' ? { executor: bullmqExecutor(args, 'precond-lab run') } : {}),
    ...(args.flags.get('executor') === 'slurm' ? { executor: slurmExecutor(args, __dirname) } : {}),
  });
  process.stderr.write(
    `${config.name}: ${total} runs, ${manager.executor.describe()}, results in ` +
      `${path.join(outRoot, config.name)}\n`,
  );
  const finish = attachProgress(manager, total);
  // SIGTERM and SIGHUP (a closed terminal) cancel like a first Ctrl-C; a second signal stops at once but still
  // records every unfinished run as cancelled, so none stays 'running' in the store
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++interrupts > 1) {
      manager.abandon();
      process.exit(130);
    }
    process.stderr.write(`\ncancelling (${signal}): finished runs are kept; Ctrl-C again to quit at once\n`);
    manager.cancel();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  signals.forEach((s) => process.on(s, onSignal));
  let summary;
  try {
    summary = await manager.runSweep(config, outRoot);
  } finally {
    signals.forEach((s) => process.off(s, onSignal));
    finish();
  }
  process.stdout.write('\n' + report(summary) + '\n');
  const held = heldReport(manager.held, summary);
  if (held) process.stderr.write(held + '\n');
  // runs another sweep holds are reported above, not judged here: that sweep reports them
  const heldIds = new Set(manager.held.map((h) => h.id));
  return summary.runs.every((r) => r.status === 'done' || heldIds.has(r.id)) ? 0 : manager.isCancelled ? 130 : 1;
}

/** `precond-lab reproduce`: every figure under the chosen settings, then the report (src/cli/reproduce.ts). */
async function reproduceCommand(args: ReturnType<typeof parseArgs>, outRoot: string): Promise<number> {
  if (args.positional.length) throw new Error(`reproduce takes no preset or file (got '${args.positional[0]}')`);
  const backend = (args.flags.get('backend') ?? 'auto') as BackendChoice;
  if (!BACKEND_CHOICES.includes(backend)) throw new Error(`--backend must be one of ${BACKEND_CHOICES.join(', ')}`);
  const workers = args.flags.has('workers') ? Number(args.flags.get('workers')) : undefined;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1))
    throw new Error('--workers must be a positive integer');
  const reportOnly = args.switches.has('report-only');
  const unavailable = reportOnly ? undefined : backendProblem(backend);
  if (unavailable) throw new Error(`--backend ${backend}: ${unavailable}`);
  const { code } = await reproduce({
    outRoot,
    quick: args.switches.has('quick'),
    setting: args.flags.get('setting') ?? 'both',
    workers,
    backend,
    runnerPath: path.join(__dirname, 'runner.js'),
    reportOnly,
    markdownCopy: args.flags.get('markdown'),
    referenceFile: args.flags.get('reference'),
    testSteps: testSteps(args.flags.get('test-steps')),
  });
  return code;
}

function testSteps(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 2 || n > 1_000_000)
    throw new Error(`--test-steps must be a whole number from 2 to 1000000, got '${text.slice(0, 40)}'`);
  return n;
}

/** Reads and checks --init weights before anything starts, so a bad file is reported at once. */
function readInit(file: string, dx: number, width: number): ParamsJson {
  let raw: unknown;
  const text = readInputFile(file, MAX_INIT_BYTES, '--init');
  const deep = scanJson(text, 8);
  if (deep.length) throw new Error(`--init ${file}: ${deep[0]}`);
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`--init ${file}: not valid JSON: ${(e as Error).message}`);
  }
  return paramsToJson(paramsFromJson(raw, dx, width, `--init ${file}`), dx);
}

/** --max-runs N: a whole number in [1, MAX_RUNS_CEILING]; absent, the default limit applies. */
function maxRunsFlag(args: ReturnType<typeof parseArgs>): number | undefined {
  const text = args.flags.get('max-runs');
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 1 || n > MAX_RUNS_CEILING)
    throw new Error(`--max-runs must be a whole number from 1 to ${MAX_RUNS_CEILING}, got '${text.slice(0, 40)}'`);
  return n;
}

/** `precond-lab validate <preset|config.json> [overrides]`: parses and checks, prints the run count, writes nothing. */
function validate(args: ReturnType<typeof parseArgs>): number {
  const target = args.positional[0];
  if (!target) throw new Error('validate needs a preset name or a config file');
  const options = { maxRuns: maxRunsFlag(args) };
  const config = applyOverrides(loadExperiment(target, args.switches.has('quick'), options), args, options);
  process.stdout.write(
    `${config.name}: valid ${config.kind} experiment, ${countRuns(config.kind, config.grid)} runs\n`,
  );
  return 0;
}

function data(args: ReturnType<typeof parseArgs>): number {
  const target = args.positional[0];
  const out = args.flags.get('out');
  if (!target || !out) throw new Error('data needs a preset or config and --out FILE');
  const options = { maxRuns: maxRunsFlag(args) };
  const config = applyOverrides(loadExperiment(target, false, options), args, options);
  if (config.kind === 'ood')
    throw new Error(
      'data writes the synthetic regression data (noise and transfer experiments); the OOD experiment uses MNIST',
    );
  const num = (name: string, fallback: number): number => {
    const text = args.flags.get(name);
    if (text === undefined) return fallback;
    const v = Number(text);
    if (!/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text.trim()) || !Number.isFinite(v))
      throw new Error(`--${name} must be a number, got '${text.slice(0, 40)}'`);
    return v;
  };
  const c = args.flags.get('case') ? config.grid.case[0] : 'high';
  const d = teacherFor(config.settings, {
    case: c,
    snr: num('snr', config.grid.snr[0]),
    seed: num('seed', config.grid.seed[0]),
  });
  const X: number[][] = [];
  for (let i = 0; i < d.yRaw.length; i++) X.push(Array.from(d.x.subarray(i * d.dx, (i + 1) * d.dx)));
  const payload = {
    case: c,
    lambda: Array.from(d.lambda),
    teacherIndex: d.teacherIndex,
    c: d.c,
    X,
    yRaw: Array.from(d.yRaw),
    y: Array.from(d.y),
    split: { train: Array.from(d.trainIdx), test: Array.from(d.testIdx) },
    trainMean: d.yMean,
    trainStdUnbiased: d.yStd,
  };
  fs.writeFileSync(out, JSON.stringify(payload));
  process.stderr.write(`wrote ${d.yRaw.length} samples (${d.trainIdx.length} train) to ${out}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`precond-lab: ${e instanceof ConfigError ? e.message : (e as Error).message}\n`);
    process.exit(2);
  },
);
