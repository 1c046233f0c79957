// How long a sweep will take here, before it starts (issue 14: "about N min on this machine"). Work is counted in
// step-cost units (the model `precond-lab reproduce` uses: an exact-covariance step is 1, an AdaHessian step about
// 50, an MNIST step of Figure 2 about 3000, plus 60 per test evaluation), and this machine's speed is measured, not
// assumed: each experiment the store holds gives one sample (the units its runs trained over the time they were
// training, idle gaps between sessions left out), per kernel and per executor, and the samples of sweeps that
// finished in the editor are kept in the extension's global storage (speed.json) so a new workspace starts with
// them. The estimate uses the samples of the same kind of run and kernel first, then any from this machine. Plain
// data, no vscode: test/unit/timeEstimate.test.ts checks it on recorded numbers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expandRuns, type ExperimentConfig } from '../shared/config';
import type { RunFile } from '../sweep/store';

/** What one finished sweep (or one experiment in the store) says about this machine's speed. */
export interface SpeedSample {
  /** the run class: kind, and the preconditioner for regression runs ('noise/exact-cov', 'ood') */
  cls: string;
  /** the kernel the runs reported ('native', 'simd', 'tfjs-node'...; '' when not recorded) */
  kernel: string;
  /** where it trained: 'local', 'slurm', 'bullmq' */
  executor: string;
  /** step-cost units trained */
  units: number;
  /** seconds the runs were training (the union of their intervals) */
  seconds: number;
  /** where it came from, so a sample is counted once ('<experiment>/<class>@<last finish>') */
  id: string;
  /** when its last run finished (ms since 1970) */
  at: number;
}

export interface Estimate {
  seconds: number;
  /** runs left to train (runs already done in the store are skipped by the sweep) */
  runs: number;
  /** how it was measured, for the tooltip/log: "from 4 sweeps of this kind on this machine (kernel native)" */
  basis: string;
}

type Settings = ExperimentConfig['settings'];

export function runClass(kind: string, settings: Partial<Settings> | undefined): string {
  const pre = settings && 'preconditioner' in settings ? settings.preconditioner : undefined;
  return kind === 'ood' ? 'ood' : `${kind}/${pre ?? 'exact-cov'}`;
}

/** Step-cost units of one run (src/cli/reproduce.ts's model). */
export function runUnits(kind: string, settings: Partial<Settings> | undefined): number {
  const steps = Number(settings?.steps ?? 0);
  const evalEvery = Math.max(1, Number(settings?.evalEvery ?? steps) || 1);
  const pre = settings && 'preconditioner' in settings ? settings.preconditioner : undefined;
  const perStep = kind === 'ood' ? 3000 : (pre === 'adahessian' ? 50 : 1) + 60 / evalEvery;
  return steps * perStep;
}

/** Total length of the union of intervals [start, end] (ms). */
function unionLength(intervals: [number, number][]): number {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const [a, b] of sorted) {
    if (!cur || a > cur[1]) {
      if (cur) total += cur[1] - cur[0];
      cur = [a, b];
    } else cur[1] = Math.max(cur[1], b);
  }
  return total + (cur ? cur[1] - cur[0] : 0);
}

/** One sample per run class from an experiment's finished runs; none when they lack timings. */
export function samplesOf(experiment: string, runs: RunFile[], executor: string): SpeedSample[] {
  const byClass = new Map<string, RunFile[]>();
  for (const r of runs) {
    if (r.status !== 'done' || !r.startedAt || !r.finishedAt) continue;
    const cls = runClass(r.kind, r.settings);
    (byClass.get(cls) ?? byClass.set(cls, []).get(cls)!).push(r);
  }
  const out: SpeedSample[] = [];
  for (const [cls, rs] of byClass) {
    const intervals = rs.map((r) => [Date.parse(r.startedAt!), Date.parse(r.finishedAt!)] as [number, number]);
    const seconds = unionLength(intervals) / 1000;
    const units = rs.reduce((a, r) => a + runUnits(r.kind, r.settings), 0);
    if (!(seconds > 0) || !(units > 0)) continue;
    const kernels = new Map<string, number>();
    for (const r of rs) kernels.set(r.kernel ?? '', (kernels.get(r.kernel ?? '') ?? 0) + 1);
    const kernel = [...kernels].sort((a, b) => b[1] - a[1])[0][0];
    const last = Math.max(...intervals.map((i) => i[1]));
    out.push({ cls, kernel, executor, units, seconds, id: `${experiment}/${cls}@${last}`, at: last });
  }
  return out;
}

/** Runs of `config` a sweep would train: those not already done in the store with the same key. */
export function runsToTrain(config: ExperimentConfig, done: ReadonlySet<string>): number {
  return expandRuns(config).filter((r) => !done.has(r.id)).length;
}

export function formatDuration(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/**
 * The time `config` takes on `executor`, from `samples` (duplicates by id counted once). Same class, kernel and
 * executor first; then the same class and executor on any kernel; then any class on that executor (converted by the
 * cost model). Undefined when the executor has no samples at all.
 */
export function estimateSweep(
  config: ExperimentConfig,
  samples: SpeedSample[],
  options: { executor?: string; kernel?: string; done?: ReadonlySet<string> } = {},
): Estimate | undefined {
  const executor = options.executor ?? 'local';
  const unique = [...new Map(samples.map((s) => [s.id, s])).values()].filter((s) => s.executor === executor);
  const runs = expandRuns(config).filter((r) => !options.done?.has(r.id));
  const units = runs.length * runUnits(config.kind, config.settings);
  const cls = runClass(config.kind, config.settings);
  // the kernel the next runs will most likely use: the one asked for, else the most recent sample's
  const kernel = options.kernel ?? [...unique].sort((a, b) => a.at - b.at).at(-1)?.kernel;
  const tiers: [string, (s: SpeedSample) => boolean][] = [
    [`${cls} runs`, (s) => s.cls === cls && s.kernel === kernel],
    [`${cls} runs`, (s) => s.cls === cls],
    ['runs of other kinds', () => true],
  ];
  for (const [what, keep] of tiers) {
    const used = unique.filter(keep);
    if (!used.length) continue;
    const rate = used.reduce((a, s) => a + s.units, 0) / used.reduce((a, s) => a + s.seconds, 0);
    // kernel names carry their build details in parentheses: the first word names it
    const kernels = [...new Set(used.map((s) => s.kernel.split(' ')[0]).filter(Boolean))];
    return {
      seconds: units / rate,
      runs: runs.length,
      basis:
        `measured from ${used.length} sweep${used.length > 1 ? 's' : ''} of ${what}` +
        (kernels.length ? `, kernel ${kernels.join(', ')}` : ''),
    };
  }
  return undefined;
}

/** "about 20 min on this machine" (or on slurm), or a note that nothing has been measured yet. */
export function estimateText(e: Estimate | undefined, executor = 'local'): string {
  const where = executor === 'local' ? 'on this machine' : `on ${executor}`;
  if (!e) return `no time estimate yet: nothing has run ${where}`;
  if (!e.runs) return 'every run is already done';
  return `about ${formatDuration(e.seconds)} ${where}`;
}

/** The samples kept in global storage (speed.json): at most `keep`, newest last. */
export class SpeedBook {
  constructor(
    private readonly file: string,
    private readonly keep = 200,
  ) {}

  read(): SpeedSample[] {
    try {
      const raw = JSON.parse(fs.readFileSync(this.file, 'utf8')) as unknown;
      return Array.isArray(raw)
        ? raw.filter(
            (s): s is SpeedSample =>
              !!s &&
              typeof s === 'object' &&
              typeof (s as SpeedSample).units === 'number' &&
              typeof (s as SpeedSample).seconds === 'number' &&
              typeof (s as SpeedSample).id === 'string',
          )
        : [];
    } catch {
      return [];
    }
  }

  add(samples: SpeedSample[]): void {
    if (!samples.length) return;
    const all = new Map(this.read().map((s) => [s.id, s]));
    for (const s of samples) all.set(s.id, s);
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify([...all.values()].slice(-this.keep)));
    fs.renameSync(tmp, this.file);
  }
}
