// What a results panel shows, read from the results store: the experiment, its runs (state, colour, final metrics,
// spectra) and their metric records as decimated columns. metrics.jsonl is read incrementally (from the last byte
// read), so a live run's new records cost only their own lines, and the same path serves records written by this
// window's sweeps and by another process (the CLI). No vscode: unit-tested on a real store.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord } from '../../shared/records';
import { expandRuns, type ExperimentConfig } from '../../shared/config';
import { RUN_SETTING_TEXT, runSetting, settingsShown } from '../../shared/runSetting';
import { appendCurve, decimateCurve, emptyCurve, round6 } from '../../shared/charts/series';
import { assignRunColors, compareRunIds } from '../../shared/colors';
import type { CurveData, ExperimentInfo, ExperimentKind, PanelSnapshot, RunInfo } from '../../shared/panelMessages';
import { ExperimentStore, type RunFile } from '../../sweep/store';
import { runView, type LiveRun } from '../runView';
import { isExperimentDir } from '../storeReader';
import { lateMetric, lateWindow } from '../../shared/charts/lateWindow';
import { ANNOTATIONS_FILE, type Annotations } from '../../shared/annotations';
import { readAnnotations } from '../../sweep/annotations';

/**
 * Most bytes one sync reads from one metrics file (and from all files together): the host thread never reads or
 * parses more than this at once while sweeps run; the rest is read by the next sync (`pending` says one is due).
 */
export const READ_CHUNK = 256 * 1024;

/** Points per run across all runs of a panel; each run keeps between the bounds below. */
const TOTAL_POINTS = 120_000;
const MIN_POINTS = 200;
export const MAX_POINTS = 2000;

export const pointBudget = (runs: number): number =>
  Math.max(MIN_POINTS, Math.min(MAX_POINTS, Math.floor(TOTAL_POINTS / Math.max(1, runs))));

/** The record fields a curve column holds: the scalar metrics of a MetricRecord. */
type ScalarMetric =
  | 'trainMSE'
  | 'testMSE'
  | 'alignment'
  | 'trainLoss'
  | 'trainAcc'
  | 'valAcc'
  | 'oodLeftAcc'
  | 'oodRightAcc';
const REGRESSION_COLS: readonly ScalarMetric[] = ['trainMSE', 'testMSE', 'alignment'];
const OOD_COLS: readonly ScalarMetric[] = ['trainLoss', 'trainAcc', 'valAcc', 'oodLeftAcc', 'oodRightAcc'];
/** the feature view, recorded in each OOD record's diag */
const OOD_DIAG = ['templateEnergyDelta', 'digitEnergyDelta', 'templateEnergy', 'digitEnergy'] as const;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? round6(v) : null);

/** Records as columns: every record is a step; energy rows only where a record carries them. */
export function recordsToCurve(records: readonly MetricRecord[], kind: ExperimentKind): CurveData {
  const c = emptyCurve();
  const top = kind === 'ood' ? OOD_COLS : REGRESSION_COLS;
  const diag: readonly string[] = kind === 'ood' ? OOD_DIAG : [];
  for (const n of [...top, ...diag]) c.cols[n] = [];
  for (const r of records) {
    if (typeof r.step !== 'number') continue;
    c.step.push(r.step);
    for (const n of top) c.cols[n].push(num(r[n]));
    for (const n of diag) c.cols[n].push(num(r.diag?.[n]));
    if (Array.isArray(r.energy) && r.energy.length) {
      c.energyStep.push(r.step);
      c.energy.push(r.energy.map((v) => (Number.isFinite(v) ? round6(v) : 0)));
    }
  }
  return c;
}

export interface ModelChanges {
  runs: RunInfo[];
  append: { runId: string; curve: CurveData }[];
  replace: { runId: string; curve: CurveData }[];
  removed: string[];
}

interface RunCache {
  file?: RunFile;
  runMtime: number;
  info: RunInfo;
  /** what the last sync reported, to send only changed runs */
  sig: string;
  /** bytes of metrics.jsonl consumed (up to the last complete line) */
  offset: number;
  /** the metrics file read: the run's own, or the one of the run it reused (read through, never copied) */
  source?: string;
  curve: CurveData;
  /** bytes the last readMetrics read */
  lastRead?: number;
  /** every evaluation of the late-window metric, in step order (not thinned: the band needs each one) */
  evals: number[];
}

const mtimeOf = (file: string): number => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
};

export class PanelModel {
  private cache = new Map<string, RunCache>();
  private info: ExperimentInfo | undefined;
  private warnings: string[] = [];
  /** bytes the last sync left unread (READ_CHUNK reached); the owner syncs again soon */
  pending = false;
  /** annotations.json as last read (re-read when its mtime changes) */
  private notes: { mtime: number; value?: Annotations; error?: string } = { mtime: -1 };
  /** bytes read per call, for the responsiveness test (the largest single read the model made) */
  static largestRead = 0;

  constructor(
    readonly dir: string,
    /** this window's live runs of the experiment (queued or running), if any */
    private readonly live: () => ReadonlyMap<string, LiveRun> | undefined = () => undefined,
    /** the run ids pinned for comparison in this experiment */
    private readonly pins: () => ReadonlySet<string> = () => new Set(),
    /** only these runs (a comparison panel reads the pinned runs of an experiment, not all of them) */
    private readonly only?: () => ReadonlySet<string>,
  ) {}

  /** annotations.json, read again only when it changed; a damaged file is a warning and shows no tags. */
  private annotations(): Annotations | undefined {
    const mtime = mtimeOf(path.join(this.dir, ANNOTATIONS_FILE));
    if (mtime !== this.notes.mtime) {
      const r = readAnnotations(this.dir);
      this.notes = r.ok ? { mtime, value: r.value } : { mtime, error: `tags and notes: ${r.error}` };
    }
    return this.notes.value;
  }

  get experiment(): ExperimentInfo | undefined {
    return this.info;
  }

  /** The settings a run trained with (its run.json), for the comparison's table. */
  settingsOf(id: string): Record<string, unknown> | undefined {
    return this.cache.get(id)?.file?.settings as Record<string, unknown> | undefined;
  }

  get budget(): number {
    return pointBudget(this.cache.size);
  }

  /** Everything, read fresh where the files changed. */
  snapshot(presets: { name: string; title: string }[] = []): PanelSnapshot {
    this.sync();
    const curves: Record<string, CurveData> = {};
    for (const [id, c] of this.cache) curves[id] = c.curve;
    return {
      experiment: this.info,
      dir: this.dir,
      runs: [...this.cache.values()].map((c) => c.info),
      curves,
      pointBudget: this.budget,
      presets,
      warnings: [...this.warnings],
    };
  }

  /**
   * Brings the cache up to date with the store and the live runs, and says what changed since the last call:
   * runs whose state, progress, colour or final metrics moved; records appended; curves replaced (a re-run reset
   * its file, or a curve outgrew its budget and was thinned); runs gone.
   */
  sync(): ModelChanges {
    const changes: ModelChanges = { runs: [], append: [], replace: [], removed: [] };
    const exists = isExperimentDir(this.dir);
    const store = new ExperimentStore(path.dirname(this.dir), path.basename(this.dir));
    const config = exists ? store.readConfig() : undefined;
    const live = this.live() ?? new Map<string, LiveRun>();
    const all = [...new Set([...(exists ? store.listRunIds() : []), ...live.keys()])].sort(compareRunIds);
    // colours come from the whole experiment, so a run keeps the tree's colour in a comparison too
    const colors = assignRunColors(all);
    const only = this.only?.();
    const ids = only ? all.filter((id) => only.has(id)) : all;
    const notes = exists ? this.annotations() : undefined;
    const pins = this.pins();
    const budget = pointBudget(ids.length);
    const warnings: string[] = [];
    let kind: ExperimentKind | undefined = config?.kind;

    const next = new Map<string, RunCache>();
    let left = READ_CHUNK;
    this.pending = false;
    for (const id of ids) {
      const runJson = path.join(store.runDir(id), 'run.json');
      const mtime = mtimeOf(runJson);
      const c: RunCache = this.cache.get(id) ?? {
        runMtime: -1,
        info: { id, params: {}, state: 'queued', color: colors.get(id)!, final: {} },
        sig: '',
        offset: 0,
        curve: emptyCurve(),
        evals: [],
      };
      if (c.runMtime !== mtime) {
        c.runMtime = mtime;
        const file = mtime ? store.readRun(id) : undefined;
        if (mtime && !file) warnings.push(`runs/${id}/run.json cannot be read`);
        c.file = file ?? c.file;
      }
      kind ??= c.file?.kind;
      const l = live.get(id);
      const view = runView(id, c.file, l);
      const reused = this.reusedSource(store, id, c.file);
      c.info = {
        id,
        params: { ...(c.file?.params ?? l?.params ?? {}) },
        state: view.state,
        color: colors.get(id)!,
        final: c.file?.final ?? {},
        ...(c.file?.reason ? { reason: c.file.reason } : {}),
        ...(l?.state === 'running' && l.step !== undefined && l.steps
          ? { progress: Math.min(1, l.step / l.steps) }
          : {}),
        ...(c.file?.spectra ? { spectra: c.file.spectra } : {}),
        ...(reused ? { reused: { from: reused.from, ...(reused.file ? {} : { missing: true }) } } : {}),
        ...(notes?.runs[id]?.tags.length ? { tags: notes.runs[id].tags } : {}),
        ...(notes?.runs[id]?.note ? { note: notes.runs[id].note } : {}),
        ...(pins.has(id) ? { pinned: true } : {}),
      };
      const grown = this.readMetrics(
        reused?.file ?? path.join(store.runDir(id), 'metrics.jsonl'),
        c,
        kind ?? 'noise',
        budget,
        left,
      );
      left = Math.max(0, left - (c.lastRead ?? 0));
      const late = lateWindow(c.evals);
      if (late) c.info.late = late;
      if (grown === 'reset') changes.replace.push({ runId: id, curve: c.curve });
      else if (grown) {
        if (c.curve.step.length > 2 * budget) {
          c.curve = decimateCurve(c.curve, budget);
          changes.replace.push({ runId: id, curve: c.curve });
        } else changes.append.push({ runId: id, curve: grown });
      }
      const sig = JSON.stringify([
        c.info.state,
        c.info.progress,
        c.runMtime,
        c.info.color,
        c.info.params,
        c.info.late,
        c.info.reused,
        c.info.tags,
        c.info.note,
        c.info.pinned,
      ]);
      if (sig !== c.sig) {
        c.sig = sig;
        changes.runs.push(c.info);
      }
      next.set(id, c);
    }
    for (const id of this.cache.keys()) if (!next.has(id)) changes.removed.push(id);
    this.cache = next;
    this.warnings = warnings;
    if (exists && !config) warnings.push('experiment.json is missing or unreadable; showing the runs found');
    if (exists && this.notes.error) warnings.push(this.notes.error);
    this.info = exists ? experimentInfo(this.dir, config, kind) : undefined;
    const mine = notes?.experiment;
    if (this.info && mine?.tags.length) this.info.tags = mine.tags;
    if (this.info && mine?.note) this.info.note = mine.note;
    return changes;
  }

  /**
   * A transfer run whose Task 1 was reused from an earlier run has an empty metrics.jsonl of its own: its curves and
   * energy records are those of the run it reused (`reusedTask1` = "<experiment>/<run id>" in the same store root).
   * `file` is undefined when that run has been deleted.
   */
  private reusedSource(
    store: ExperimentStore,
    id: string,
    file: RunFile | undefined,
  ): { from: string; file?: string } | undefined {
    const from = file?.reusedTask1;
    if (!from) return undefined;
    const own = path.join(store.runDir(id), 'metrics.jsonl');
    let ownSize = 0;
    try {
      ownSize = fs.statSync(own).size;
    } catch {
      ownSize = 0;
    }
    if (ownSize > 0) return undefined;
    const [exp, run] = from.split('/');
    const root = path.dirname(this.dir);
    const src = exp && run ? path.join(root, exp, 'runs', run, 'metrics.jsonl') : '';
    // only a path inside the store root, never one a crafted run.json points elsewhere with
    const inside =
      src && path.relative(root, src).split(path.sep)[0] !== '..' && !path.isAbsolute(path.relative(root, src));
    return inside && fs.existsSync(src) ? { from, file: src } : { from };
  }

  /**
   * Reads the new complete lines of a metrics file, at most `limit` bytes; 'reset' when the curve starts over (first
   * read, re-run, another source).
   */
  private readMetrics(
    file: string,
    c: RunCache,
    kind: ExperimentKind,
    budget: number,
    limit: number,
  ): CurveData | 'reset' | undefined {
    c.lastRead = 0;
    let size = 0;
    try {
      size = fs.statSync(file).size;
    } catch {
      size = 0;
    }
    let reset = false;
    if (size < c.offset || c.source !== file) {
      // the file was truncated (a re-run started over) or the run now reads another file
      c.offset = 0;
      c.curve = emptyCurve();
      c.evals = [];
      c.source = file;
      reset = true;
    }
    if (size === c.offset) return reset ? 'reset' : undefined;
    const want = Math.min(size - c.offset, limit);
    if (want <= 0) {
      this.pending = true;
      return reset ? 'reset' : undefined;
    }
    const buf = Buffer.alloc(want);
    const fd = fs.openSync(file, 'r');
    let got = 0;
    try {
      got = fs.readSync(fd, buf, 0, want, c.offset);
    } finally {
      fs.closeSync(fd);
    }
    PanelModel.largestRead = Math.max(PanelModel.largestRead, got);
    c.lastRead = got;
    if (c.offset + got < size) this.pending = true;
    const end = buf.subarray(0, got).lastIndexOf(0x0a);
    if (end < 0) {
      // one line longer than the whole budget cannot be a metrics record: skip it rather than stall on it
      if (got === limit && limit === READ_CHUNK) c.offset += got;
      return reset ? 'reset' : undefined;
    }
    c.offset += end + 1;
    const records: MetricRecord[] = [];
    for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        records.push(JSON.parse(line) as MetricRecord);
      } catch {
        /* a torn line is skipped, as the store does */
      }
    }
    const metric = lateMetric(kind);
    for (const r of records) {
      const v = r[metric];
      if (typeof v === 'number' && Number.isFinite(v)) c.evals.push(v);
    }
    const chunk = recordsToCurve(records, kind);
    const first = c.curve.step.length === 0;
    appendCurve(c.curve, chunk);
    if (first) {
      if (c.curve.step.length > budget) c.curve = decimateCurve(c.curve, budget);
      return 'reset';
    }
    return reset ? 'reset' : chunk.step.length ? chunk : undefined;
  }
}

/** The setting the experiment's runs belong to, as the panel's header names it. */
function settingOf(config: ExperimentConfig): { setting?: string } {
  const shown = settingsShown(expandRuns(config).map((r) => runSetting(config.kind, config.settings, r.params)));
  if (!shown) return {};
  return { setting: shown === 'mixed' ? 'mixed settings' : RUN_SETTING_TEXT[shown] };
}

function experimentInfo(
  dir: string,
  config: ExperimentConfig | undefined,
  kind: ExperimentKind | undefined,
): ExperimentInfo {
  const name = path.basename(dir);
  if (!config) return { name, dir, kind: kind ?? 'noise', grid: {} };
  const g = config.grid;
  return {
    name: config.name ?? name,
    dir,
    kind: config.kind,
    ...(config.figure ? { figure: config.figure } : {}),
    ...(config.description ? { description: config.description } : {}),
    ...(config.kind !== 'ood' ? { preconditioner: config.settings.preconditioner } : {}),
    ...settingOf(config),
    steps: config.settings.steps,
    grid: { case: g.case, p: g.p, snr: g.snr, seed: g.seed, optimizer: g.optimizer },
  };
}
