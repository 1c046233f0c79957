// One playground: its controls, the cache of finished runs by run key, the traced p curves, the warm runner and
// supersession. A change of the controls retrains at once: the run in flight is superseded (the runner stops it
// and reports it cancelled), a cached result is shown without training, and only the current request's messages
// reach the page (`post`). No vscode here: the unit tests and the benchmark drive it over the real runner.
import { EventEmitter } from 'node:events';
import {
  checkControls,
  defaultControls,
  defaultSteps,
  directionWeights,
  eigenvaluesOf,
  teacherOf,
  trainingOf,
  type PlaygroundControls,
} from '../../shared/playground/controls';
import {
  PCurves,
  ResultCache,
  Sequencer,
  playgroundRunKey,
  type PlaygroundResult,
} from '../../shared/playground/model';
import type { ToPlaygroundView } from '../../shared/playground/messages';
import type { FromPlayground } from '../../shared/playground/protocol';
import type { MetricRecord, StaticSpectra } from '../../shared/records';
import type { RunnerInfo, WarmRunner } from './warmRunner';

/** What the session keeps across reloads (workspace state) */
export interface SavedPlayground {
  controls: PlaygroundControls;
  curves: unknown;
}

/** Times of one request, from the change (ms, performance.now()) */
export interface RequestTiming {
  id: number;
  cached: boolean;
  /** change -> first record of the new run on the host */
  firstRecordMs?: number;
  /** change -> final point (the run's outcome) on the host */
  finalMs?: number;
}

export interface PlaygroundSessionEvents {
  /** every message for the page (only the current request's) */
  view: [msg: ToPlaygroundView];
  /** the controls or the curves changed: save them */
  saved: [state: SavedPlayground];
  /** a request ended (done, diverged, failed or superseded) */
  timing: [t: RequestTiming];
  /** a message of a superseded request arrived and was dropped (counted for the tests) */
  dropped: [msg: FromPlayground];
  /** a superseded request's run stopped: `hostMs` from the superseding change to the runner's report of the stop
   *  arriving here (the latency a user sees, both IPC legs included); `runnerMs` from the runner reading the new
   *  request to the training loop's exit */
  stopped: [id: number, hostMs: number, runnerMs: number];
}

interface Current {
  id: number;
  key: string;
  controls: PlaygroundControls;
  changedAt: number;
  records: MetricRecord[];
  spectra?: StaticSpectra;
  timing: RequestTiming;
  result?: PlaygroundResult;
  phase: 'training' | 'done' | 'diverged' | 'failed';
  reason?: string;
}

export class PlaygroundSession extends EventEmitter<PlaygroundSessionEvents> {
  controls: PlaygroundControls;
  readonly cache = new ResultCache();
  curves: PCurves;
  private readonly seq = new Sequencer();
  /** when each superseded request still training was superseded (performance.now()), until its stop arrives */
  private readonly supersededAt = new Map<number, number>();
  private current: Current | undefined;
  info: RunnerInfo | undefined;
  private readonly onMessage = (m: FromPlayground): void => this.handle(m);
  private readonly onExit = (why: string): void => this.runnerDied(why);

  constructor(
    readonly runner: WarmRunner,
    saved?: unknown,
  ) {
    super();
    const s = saved as Partial<SavedPlayground> | undefined;
    const checked = s && checkControls(s.controls);
    this.controls = checked?.ok ? checked.value : defaultControls();
    this.curves = PCurves.fromJSON(s?.curves);
    runner.on('message', this.onMessage);
    runner.on('exit', this.onExit);
  }

  /** Starts the runner; the first call picks the default budget for its backend when nothing was saved. */
  async start(saved: boolean): Promise<RunnerInfo> {
    this.info = await this.runner.ready();
    if (!saved) this.controls = { ...this.controls, steps: defaultSteps(this.info.backend) };
    return this.info;
  }

  get saved(): SavedPlayground {
    return { controls: this.controls, curves: this.curves.toJSON() };
  }

  /** The page (re)loaded: the controls, the curve and the run on screen, from what the host holds. */
  replay(): void {
    this.postState();
    this.postCurve();
    const c = this.current;
    if (!c) return;
    this.emitBegin(c, !!c.result);
    if (c.spectra) this.emit('view', { type: 'spectra', id: c.id, spectra: c.spectra });
    if (c.records.length) this.emit('view', { type: 'records', id: c.id, records: c.records });
    if (c.phase !== 'training') this.emitEnd(c);
  }

  /** New controls from the page (or a command): checked, saved, retrained (or shown from the cache). */
  async change(raw: unknown): Promise<RequestTiming | undefined> {
    const changedAt = performance.now();
    const checked = checkControls(raw);
    if (!checked.ok) {
      this.emit('view', { type: 'problems', problems: checked.problems });
      return undefined;
    }
    this.controls = checked.value;
    this.emit('saved', this.saved);
    return this.retrain(changedAt);
  }

  /** Retrains the current controls; resolves with the request's timing once it ends (or is superseded). */
  async retrain(changedAt = performance.now()): Promise<RequestTiming> {
    this.info ??= await this.runner.ready();
    const controls = this.controls;
    const key = playgroundRunKey(controls, this.info.backend);
    const id = this.seq.next();
    const previous = this.current;
    const ended = new Promise<RequestTiming>((resolve) => {
      const on = (t: RequestTiming): void => {
        if (t.id !== id) return;
        this.off('timing', on);
        resolve(t);
      };
      this.on('timing', on);
    });
    if (previous && previous.phase === 'training') {
      this.supersededAt.set(previous.id, changedAt);
      this.emit('timing', previous.timing);
    }
    const cur: Current = {
      id,
      key,
      controls,
      changedAt,
      records: [],
      timing: { id, cached: false },
      phase: 'training',
    };
    this.current = cur;
    this.postState();
    const hit = this.cache.get(key);
    if (hit) {
      cur.timing.cached = true;
      cur.result = hit;
      cur.records = hit.records;
      cur.spectra = hit.outcome.spectra;
      cur.phase = hit.outcome.status === 'done' ? 'done' : 'diverged';
      cur.reason = hit.outcome.reason;
      this.emitBegin(cur, true);
      if (cur.spectra) this.emit('view', { type: 'spectra', id, spectra: cur.spectra });
      this.emit('view', { type: 'records', id, records: hit.records });
      cur.timing.firstRecordMs = cur.timing.finalMs = performance.now() - changedAt;
      this.emitEnd(cur);
      this.curves.add(controls, hit.outcome);
      this.postCurve();
      this.emit('timing', cur.timing);
      return ended;
    }
    this.emitBegin(cur, false);
    try {
      await this.runner.train(id, trainingOf(controls));
    } catch (e) {
      this.fail(cur, e instanceof Error ? e.message : String(e));
    }
    return ended;
  }

  /** The finished run on screen (what "Keep" stores), if there is one. */
  get finished(): PlaygroundResult | undefined {
    return this.current?.result;
  }

  clearCurve(): void {
    this.curves = new PCurves();
    this.postCurve();
    this.emit('saved', this.saved);
  }

  dispose(): void {
    this.runner.off('message', this.onMessage);
    this.runner.off('exit', this.onExit);
    this.runner.dispose();
  }

  private handle(m: FromPlayground): void {
    if (m.type === 'ready') return;
    const c = this.current;
    if (!c || m.id !== c.id) {
      if (m.type === 'cancelled') {
        const at = this.supersededAt.get(m.id);
        this.supersededAt.delete(m.id);
        if (at !== undefined) this.emit('stopped', m.id, performance.now() - at, m.stopMs);
      } else this.emit('dropped', m);
      return;
    }
    switch (m.type) {
      case 'started':
        c.spectra = m.spectra;
        this.emit('view', { type: 'spectra', id: c.id, spectra: m.spectra });
        break;
      case 'records':
        if (c.timing.firstRecordMs === undefined) c.timing.firstRecordMs = performance.now() - c.changedAt;
        c.records.push(...m.records);
        this.emit('view', { type: 'records', id: c.id, records: m.records });
        break;
      case 'progress':
        this.emit('view', { type: 'progress', id: c.id, step: m.step, steps: m.steps });
        break;
      case 'outcome': {
        c.timing.finalMs = performance.now() - c.changedAt;
        const o = m.outcome;
        c.result = {
          key: c.key,
          controls: c.controls,
          backend: this.info?.backend ?? '',
          kernel: this.info?.kernel ?? '',
          records: c.records,
          outcome: { ...o, spectra: o.spectra ?? c.spectra },
          seconds: m.seconds,
        };
        c.phase = o.status === 'done' ? 'done' : o.status === 'diverged' ? 'diverged' : 'failed';
        c.reason = o.reason;
        if (o.status !== 'cancelled') this.cache.put(c.result);
        this.emitEnd(c);
        if (this.curves.add(c.controls, o)) {
          this.postCurve();
          this.emit('saved', this.saved);
        }
        this.emit('timing', c.timing);
        break;
      }
      case 'cancelled':
        // cancelled while current: only by dispose or an explicit cancel
        c.phase = 'failed';
        c.reason = 'cancelled';
        this.emitEnd(c);
        this.emit('timing', c.timing);
        break;
      case 'failed':
        this.fail(c, m.reason);
        break;
    }
  }

  private fail(c: Current, reason: string): void {
    if (this.current !== c) return;
    c.phase = 'failed';
    c.reason = reason;
    this.emitEnd(c);
    this.emit('timing', c.timing);
  }

  private runnerDied(why: string): void {
    const c = this.current;
    if (c && c.phase === 'training') this.fail(c, `${why}. Change a control to start it again.`);
  }

  private postState(): void {
    this.emit('view', {
      type: 'state',
      controls: this.controls,
      backend: this.info?.backend,
      kernel: this.info?.kernel,
      defaultSteps: defaultSteps(this.info?.backend),
      // every case keeps, a custom spectrum included (the config's case custom)
      keepable: true,
    });
  }

  private postCurve(): void {
    this.emit('view', {
      type: 'curve',
      points: this.curves.points(this.controls),
      best: this.curves.best(this.controls),
    });
  }

  private emitBegin(c: Current, cached: boolean): void {
    this.emit('view', {
      type: 'begin',
      id: c.id,
      controls: c.controls,
      lambda: eigenvaluesOf(c.controls),
      weights: directionWeights(c.controls),
      teacher: teacherOf(c.controls),
      steps: c.controls.steps,
      noiseFloor: 1 / (1 + c.controls.snr * c.controls.snr),
      cached,
    });
  }

  private emitEnd(c: Current): void {
    this.emit('view', {
      type: 'end',
      id: c.id,
      phase: c.phase === 'training' ? 'failed' : c.phase,
      final: c.result?.outcome.final ?? {},
      reason: c.reason,
      seconds: c.result?.seconds,
    });
  }
}
