// How far a sweep is, in steps: the steps its runs have done against the steps they will do (runs the store already
// holds, skipped, count for neither), and the time left from the rate seen so far (steps done / the time since the
// first progress report; runs that end early count their steps whole). Shared by the notification, the status bar and the tree, so all three say
// the same. Plain data over LabRunner's events (no vscode); the clock is passed in, so it is unit-tested.
import type { LabRunner, SweepHandle } from './labRunner';

export interface SweepProgressView {
  experiment: string;
  /** the sweep has started (not queued behind another) */
  started: boolean;
  stepsDone: number;
  stepsTotal: number;
  /** 0..1 */
  fraction: number;
  runsEnded: number;
  runsRunning: number;
  runsTotal: number;
  /** seconds left, once there is enough to estimate from */
  secondsLeft?: number;
}

/** The estimate waits for this much observed progress, so the first noisy report does not set it. */
export const MIN_ESTIMATE_MS = 2000;

interface RunSteps {
  step: number;
  steps: number;
  ended: boolean;
}

export class SweepProgress {
  private readonly runs = new Map<string, RunSteps>();
  private readonly skipped = new Set<string>();
  private firstAt: number | undefined;
  private lastAt: number | undefined;
  started = false;

  /** `runIds`: the sweep's runs; `stepsPerRun`: the config's steps, used until a run reports its own. */
  constructor(
    readonly experiment: string,
    runIds: readonly string[],
    private readonly stepsPerRun: number,
  ) {
    for (const id of runIds) this.runs.set(id, { step: 0, steps: stepsPerRun, ended: false });
  }

  progress(runId: string, step: number, steps: number, now: number): void {
    const r = this.runs.get(runId) ?? { step: 0, steps, ended: false };
    this.runs.set(runId, r);
    if (steps > 0) r.steps = steps;
    r.step = Math.max(r.step, Math.min(step, r.steps));
    this.firstAt ??= now;
    this.lastAt = now;
  }

  /** A run's state changed: skipped runs leave the count, ended ones count all their steps. */
  state(runId: string, state: string): void {
    if (state === 'skipped') {
      this.skipped.add(runId);
      return;
    }
    if (state === 'queued' || state === 'running') return;
    const r = this.runs.get(runId) ?? { step: 0, steps: this.stepsPerRun, ended: false };
    this.runs.set(runId, r);
    r.ended = true;
  }

  private counted(): [string, RunSteps][] {
    return [...this.runs].filter(([id]) => !this.skipped.has(id));
  }

  stepsDone(): number {
    return this.counted().reduce((s, [, r]) => s + (r.ended ? r.steps : r.step), 0);
  }

  view(now: number, runsRunning = 0): SweepProgressView {
    const runs = this.counted();
    const stepsTotal = runs.reduce((s, [, r]) => s + r.steps, 0);
    const stepsDone = this.stepsDone();
    const elapsed = this.firstAt === undefined ? 0 : Math.max(now, this.lastAt ?? now) - this.firstAt;
    const rate = elapsed > 0 ? stepsDone / elapsed : 0;
    const secondsLeft =
      elapsed >= MIN_ESTIMATE_MS && rate > 0 ? Math.max(0, (stepsTotal - stepsDone) / rate / 1000) : undefined;
    return {
      experiment: this.experiment,
      started: this.started,
      stepsDone,
      stepsTotal,
      fraction: stepsTotal > 0 ? Math.min(1, stepsDone / stepsTotal) : 0,
      runsEnded: runs.filter(([, r]) => r.ended).length,
      runsRunning,
      runsTotal: runs.length,
      ...(secondsLeft !== undefined ? { secondsLeft } : {}),
    };
  }
}

/** "45 s", "3 min", "1 h 20 min" */
export function fmtLeft(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const min = Math.round(seconds / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** One line: "1,200/6,000 steps (20%) · 2 runs running · about 3 min left" (or "estimating time left"). */
export function progressText(v: SweepProgressView): string {
  if (!v.started) return 'queued behind the running sweep';
  if (!v.stepsTotal) return 'nothing to train: every run is already in the store';
  const pct = Math.floor(100 * v.fraction);
  const left = v.secondsLeft !== undefined ? `about ${fmtLeft(v.secondsLeft)} left` : 'estimating time left';
  const running = v.runsRunning ? ` · ${v.runsRunning} run${v.runsRunning === 1 ? '' : 's'} running` : '';
  return (
    `${v.stepsDone.toLocaleString('en-US')}/${v.stepsTotal.toLocaleString('en-US')} steps (${pct}%)` +
    `${running} · ${left}`
  );
}

/** Short form for the status bar: "42% · 3 min left". */
export function progressShort(v: SweepProgressView): string {
  if (!v.started) return 'queued';
  const pct = `${Math.floor(100 * v.fraction)}%`;
  return v.secondsLeft !== undefined ? `${pct} · ${fmtLeft(v.secondsLeft)} left` : `${pct} · estimating`;
}

/** The trackers of one LabRunner's sweeps, by handle id, fed by its events; made once per runner. */
export class SweepProgressBook {
  private readonly byId = new Map<number, SweepProgress>();
  private current: number | undefined;

  constructor(
    private readonly lab: LabRunner,
    private readonly clock: () => number = Date.now,
  ) {
    lab.on('sweep', (h, phase) => this.onSweep(h, phase));
    lab.on('progress', (exp, id, step, steps) => this.live(exp)?.progress(id, step, steps, this.clock()));
    lab.on('state', (exp, id, state) => this.live(exp)?.state(id, state));
  }

  private onSweep(h: SweepHandle, phase: 'queued' | 'started' | 'finished'): void {
    if (phase === 'finished') {
      this.byId.delete(h.id);
      if (this.current === h.id) this.current = undefined;
      return;
    }
    const t = this.byId.get(h.id) ?? this.make(h);
    if (phase === 'started') {
      t.started = true;
      this.current = h.id;
    }
  }

  private make(h: SweepHandle): SweepProgress {
    const sweep = this.lab.sweepConfig(h.id);
    const ids = sweep ? sweep.runIds : [];
    const t = new SweepProgress(h.experiment, ids, sweep?.steps ?? 0);
    this.byId.set(h.id, t);
    return t;
  }

  /** The started sweep of this experiment (events come only from the started sweep). */
  private live(exp: string): SweepProgress | undefined {
    const t = this.current === undefined ? undefined : this.byId.get(this.current);
    return t?.experiment === exp ? t : undefined;
  }

  view(id: number): SweepProgressView | undefined {
    const t = this.byId.get(id);
    return t?.view(this.clock(), t.started ? this.lab.runningCount() : 0);
  }

  /** The started sweep's view, if any. */
  currentView(): SweepProgressView | undefined {
    return this.current === undefined ? undefined : this.view(this.current);
  }
}

const books = new WeakMap<LabRunner, SweepProgressBook>();

/** The one book of a runner's sweeps; the first call must come before the sweeps it should see are enqueued. */
export function sweepProgress(lab: LabRunner): SweepProgressBook {
  let b = books.get(lab);
  if (!b) books.set(lab, (b = new SweepProgressBook(lab)));
  return b;
}
