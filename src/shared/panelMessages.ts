// The contract between the extension host and the results panels (webview). One union per direction; the webview
// sends `ready` once its script runs (again after every hide/show or reload, since its page is rebuilt), the host
// answers with a full `snapshot`, then sends batched `update`s (at most ~10 a second) while runs train. Requests
// that need an answer carry a `requestId`. Everything the webview sends goes through `parsePanelMessage` before the
// host acts on it. No vscode and no DOM here: the host, the webview bundle and the unit tests import it.
import type { RunParams } from './config';
import { isObject } from './guards';
import type { FinalMetrics, RunStatus, StaticSpectra } from './records';
import type { LateWindow } from './charts/lateWindow';

export const PANEL_VIEW_TYPE = 'precondLab.results';
export const PANEL_STATE_VERSION = 1;

export const TABS = ['summary', 'curves', 'spectra', 'accuracy', 'features', 'hparams', 'compare'] as const;
export type Tab = (typeof TABS)[number];
const EXPORT_FORMATS = ['png', 'csv', 'svg'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type ExperimentKind = 'noise' | 'transfer' | 'ood';

export interface ExperimentInfo {
  name: string;
  dir: string;
  kind: ExperimentKind;
  figure?: string;
  description?: string;
  /** regression: exact-cov or adahessian */
  preconditioner?: string;
  /** the paper/corrected setting its runs belong to (src/shared/runSetting.ts) */
  setting?: string;
  steps?: number;
  /** what the config sweeps, for the pickers */
  grid: { case?: string[]; p?: number[]; snr?: number[]; seed?: number[]; optimizer?: string[] };
  /** the experiment's tags and note (annotations.json) */
  tags?: string[];
  note?: string;
}

export interface RunInfo {
  id: string;
  /** partial: a run listed by a live sweep before its run.json exists, or whose run.json cannot be read, has none */
  params: Partial<RunParams>;
  state: RunStatus;
  /** the run's colour, the same as its icon in the Experiments tree (src/shared/colors.ts) */
  color: string;
  final: FinalMetrics;
  reason?: string;
  /** 0..1 while running */
  progress?: number;
  spectra?: StaticSpectra;
  /** the late window of the headline metric (src/shared/charts/lateWindow.ts): min-max band, unstable flag */
  late?: LateWindow;
  /** a transfer run whose Task 1 was reused: the run its curves are read from; `missing` when that run is gone */
  reused?: { from: string; missing?: boolean };
  /** the run's tags and note (the experiment's annotations.json) */
  tags?: string[];
  note?: string;
  /** pinned for comparison (the workspace's pins) */
  pinned?: boolean;
  /** comparison panels: the experiment the run belongs to, and its id there (`id` is "<experiment>/<run id>") */
  experiment?: string;
  runId?: string;
  kind?: ExperimentKind;
  /** comparison panels: the run's settings (the table lists those that differ) */
  settings?: Record<string, unknown>;
}

/**
 * A run's records as columns (decimated by the host to a point budget). `cols` holds the metrics the kind records
 * (trainMSE, testMSE, alignment; OOD: trainLoss, trainAcc, valAcc, oodLeftAcc, oodRightAcc and the feature view);
 * `null` where a record lacks a metric. Energy per eigen-direction is on its own, thinner schedule.
 */
export interface CurveData {
  step: number[];
  cols: Record<string, (number | null)[]>;
  energyStep: number[];
  energy: number[][];
}

export interface PanelSnapshot {
  /** absent when the folder holds no experiment (deleted, never run) */
  experiment?: ExperimentInfo;
  dir: string;
  runs: RunInfo[];
  curves: Record<string, CurveData>;
  /** most points per run the webview keeps before decimating live appends */
  pointBudget: number;
  /** quick presets the empty state offers to run */
  presets: { name: string; title: string }[];
  /** what could not be read (shown under the header) */
  warnings: string[];
  /** a comparison panel: runs pinned from several experiments (ids "<experiment>/<run id>") */
  compare?: boolean;
}

export interface Focus {
  tab?: Tab;
  /** runs to show in the curves (and to pick the spectra for) */
  runIds?: string[];
}

export type HostToPanel =
  | { type: 'snapshot'; snapshot: PanelSnapshot; focus?: Focus }
  | {
      type: 'update';
      runs: RunInfo[];
      append: { runId: string; curve: CurveData }[];
      replace: { runId: string; curve: CurveData }[];
      removed: string[];
    }
  | { type: 'focus'; focus: Focus }
  | { type: 'collect'; requestId: number; format: ExportFormat; tab?: Tab };

/** Commands the empty state may ask the host to run. */
export type PanelCommand =
  | { command: 'runPreset'; preset: string }
  | { command: 'rerun' }
  /** open the Playground at a run's settings (the focused run, else the first done one) */
  | { command: 'openPlayground'; runId?: string };

export type PanelToHost =
  | { type: 'ready'; tab?: Tab }
  | { type: 'tab'; tab: Tab }
  | { type: 'export'; format: ExportFormat }
  /** pin (or unpin) runs for comparison; in a comparison panel the ids are "<experiment>/<run id>" */
  | { type: 'pin'; runIds: string[]; pin: boolean }
  /** edit the tags and note of a run (or, without runId, of the experiment) */
  | { type: 'annotate'; runId?: string }
  /** open the comparison panel */
  | { type: 'openCompare' }
  | { type: 'collected'; requestId: number; ok: true; format: ExportFormat; data: string; rows?: number }
  | { type: 'collected'; requestId: number; ok: false; error: string }
  | ({ type: 'command' } & PanelCommand)
  /** after each draw: what the tab shows (tests and the host's log read it) */
  | { type: 'rendered'; tab: Tab; figures: number; points: number; empty: boolean }
  | { type: 'error'; message: string };

/** What the webview keeps with getState/setState; the serializer hands it back after a window reload. */
export interface PanelState {
  v: number;
  dir: string;
  tab?: Tab;
  options?: ViewOptions;
}

export interface ViewOptions {
  /** log scale per tab (each tab has its own toggle) */
  log?: Partial<Record<Tab, boolean>>;
  /** exponential smoothing weight for curves, 0 (none) .. 0.95 */
  smoothing?: number;
  /** runs shown in the curves; absent = the default pick */
  selected?: string[];
  /** which runs the spectra compare: every p at this case, SNR and seed */
  spectra?: { case?: string; snr?: number; seed?: number };
  /** the table's sort (hyperparameter view): a column key and the direction */
  sort?: { key: string; desc: boolean };
  /** the metric a comparison overlays */
  metric?: string;
}

/** Upper bounds on what the webview may send (a PNG data URL of a large window is a few MB). */
export const LIMITS = { data: 64 * 1024 * 1024, text: 4000, selected: 5000 };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const isTab = (v: unknown): v is Tab => typeof v === 'string' && (TABS as readonly string[]).includes(v);
const isFormat = (v: unknown): v is ExportFormat =>
  typeof v === 'string' && (EXPORT_FORMATS as readonly string[]).includes(v);
const isShortString = (v: unknown, max = LIMITS.text): v is string => typeof v === 'string' && v.length <= max;
const isRequestId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
/** a run id, or in a comparison panel "<experiment>/<run id>"; never "." or ".." as a part */
const RUN_ID_SHAPE = /^[A-Za-z0-9._-]{1,200}(\/[A-Za-z0-9._-]{1,200})?$/;
const RUN_ID = {
  test: (s: string): boolean => RUN_ID_SHAPE.test(s) && !s.split('/').some((p) => p === '.' || p === '..'),
};

const fail = (error: string): Parsed<never> => ({ ok: false, error });

/** What a PNG export must look like: a base64 data URL of an image/png. */
const PNG_DATA_URL = /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/;
/** What an SVG export must start with. */
const SVG_START = /^<\?xml [^>]*\?>\s*<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/;

/**
 * Validates a message from the webview. Unknown types, missing or mistyped fields, oversized payloads, non-PNG
 * images and run ids that could escape a path are refused with a reason (the host logs it and does nothing).
 */
export function parsePanelMessage(raw: unknown): Parsed<PanelToHost> {
  if (!isObject(raw)) return fail('a message must be an object');
  const t = raw.type;
  switch (t) {
    case 'ready':
      if (raw.tab !== undefined && !isTab(raw.tab)) return fail(`ready.tab must be one of ${TABS.join(', ')}`);
      return { ok: true, value: { type: 'ready', ...(raw.tab ? { tab: raw.tab as Tab } : {}) } };
    case 'tab':
      return isTab(raw.tab)
        ? { ok: true, value: { type: 'tab', tab: raw.tab } }
        : fail(`tab.tab must be one of ${TABS.join(', ')}`);
    case 'export':
      return isFormat(raw.format)
        ? { ok: true, value: { type: 'export', format: raw.format } }
        : fail(`export.format must be one of ${EXPORT_FORMATS.join(', ')}`);
    case 'collected': {
      if (!isRequestId(raw.requestId)) return fail('collected.requestId must be a positive integer');
      if (raw.ok === false) {
        return isShortString(raw.error)
          ? { ok: true, value: { type: 'collected', requestId: raw.requestId, ok: false, error: raw.error } }
          : fail('collected.error must be a short string');
      }
      if (raw.ok !== true) return fail('collected.ok must be true or false');
      if (!isFormat(raw.format)) return fail(`collected.format must be one of ${EXPORT_FORMATS.join(', ')}`);
      if (typeof raw.data !== 'string' || raw.data.length > LIMITS.data)
        return fail('collected.data must be a string under the size limit');
      if (raw.format === 'png' && !PNG_DATA_URL.test(raw.data))
        return fail('collected.data must be a data:image/png;base64 URL');
      if (raw.format === 'svg' && !SVG_START.test(raw.data.slice(0, 400)))
        return fail('collected.data must be an SVG document');
      if (raw.rows !== undefined && !(typeof raw.rows === 'number' && Number.isSafeInteger(raw.rows) && raw.rows >= 0))
        return fail('collected.rows must be a count');
      return {
        ok: true,
        value: {
          type: 'collected',
          requestId: raw.requestId,
          ok: true,
          format: raw.format,
          data: raw.data,
          ...(raw.rows !== undefined ? { rows: raw.rows as number } : {}),
        },
      };
    }
    case 'pin': {
      const ids = raw.runIds;
      if (
        !Array.isArray(ids) ||
        !ids.length ||
        ids.length > LIMITS.selected ||
        !ids.every((s) => typeof s === 'string' && RUN_ID.test(s))
      )
        return fail('pin.runIds must be a list of run ids');
      if (typeof raw.pin !== 'boolean') return fail('pin.pin must be true or false');
      return { ok: true, value: { type: 'pin', runIds: ids as string[], pin: raw.pin } };
    }
    case 'annotate':
      if (raw.runId !== undefined && !(typeof raw.runId === 'string' && RUN_ID.test(raw.runId)))
        return fail('annotate.runId must be a run id');
      return { ok: true, value: { type: 'annotate', ...(raw.runId ? { runId: raw.runId as string } : {}) } };
    case 'openCompare':
      return { ok: true, value: { type: 'openCompare' } };
    case 'command':
      if (raw.command === 'runPreset') {
        return typeof raw.preset === 'string' && /^[a-z0-9-]{1,80}$/.test(raw.preset)
          ? { ok: true, value: { type: 'command', command: 'runPreset', preset: raw.preset } }
          : fail('command.preset must be a preset name');
      }
      if (raw.command === 'rerun') return { ok: true, value: { type: 'command', command: 'rerun' } };
      return fail('command.command must be runPreset or rerun');
    case 'rendered': {
      const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
      if (!isTab(raw.tab) || !count(raw.figures) || !count(raw.points) || typeof raw.empty !== 'boolean')
        return fail('rendered needs a tab, figure and point counts and empty');
      return {
        ok: true,
        value: { type: 'rendered', tab: raw.tab, figures: raw.figures, points: raw.points, empty: raw.empty },
      };
    }
    case 'error':
      return isShortString(raw.message, LIMITS.text)
        ? { ok: true, value: { type: 'error', message: raw.message } }
        : fail('error.message must be a short string');
    default:
      return fail(`unknown message type ${JSON.stringify(typeof t === 'string' ? t.slice(0, 40) : t)}`);
  }
}

/** Validates the state the serializer hands back (it was written by a webview, so it is input like any message). */
export function parsePanelState(raw: unknown): Parsed<PanelState> {
  if (!isObject(raw)) return fail('state must be an object');
  if (raw.v !== PANEL_STATE_VERSION) return fail(`state.v must be ${PANEL_STATE_VERSION}`);
  if (!isShortString(raw.dir) || !raw.dir || raw.dir.includes('\0')) return fail('state.dir must be a folder path');
  if (raw.tab !== undefined && !isTab(raw.tab)) return fail('state.tab is not a tab');
  const options = parseViewOptions(raw.options);
  return {
    ok: true,
    value: {
      v: PANEL_STATE_VERSION,
      dir: raw.dir,
      ...(raw.tab ? { tab: raw.tab as Tab } : {}),
      ...(options ? { options } : {}),
    },
  };
}

/** Keeps the well-formed view options and drops the rest (an old or tampered state never breaks a panel). */
export function parseViewOptions(raw: unknown): ViewOptions | undefined {
  if (!isObject(raw)) return undefined;
  const out: ViewOptions = {};
  if (isObject(raw.log)) {
    const log = Object.fromEntries(
      Object.entries(raw.log).filter(([k, v]) => isTab(k) && typeof v === 'boolean'),
    ) as Partial<Record<Tab, boolean>>;
    if (Object.keys(log).length) out.log = log;
  }
  if (typeof raw.smoothing === 'number' && raw.smoothing >= 0 && raw.smoothing <= 0.95) out.smoothing = raw.smoothing;
  if (
    Array.isArray(raw.selected) &&
    raw.selected.length <= LIMITS.selected &&
    raw.selected.every((s) => typeof s === 'string' && RUN_ID.test(s))
  )
    out.selected = raw.selected as string[];
  if (isObject(raw.sort) && isShortString(raw.sort.key, 80) && typeof raw.sort.desc === 'boolean')
    out.sort = { key: raw.sort.key, desc: raw.sort.desc };
  if (isShortString(raw.metric, 80)) out.metric = raw.metric;
  if (isObject(raw.spectra)) {
    const s = raw.spectra;
    out.spectra = {
      ...(isShortString(s.case, 40) ? { case: s.case } : {}),
      ...(typeof s.snr === 'number' && Number.isFinite(s.snr) ? { snr: s.snr } : {}),
      ...(typeof s.seed === 'number' && Number.isFinite(s.seed) ? { seed: s.seed } : {}),
    };
  }
  return out;
}

/** Tabs a kind of experiment shows, the first being where "Open Results" lands. */
export function tabsFor(kind: ExperimentKind | undefined): Tab[] {
  if (kind === 'ood') return ['accuracy', 'features', 'curves', 'hparams'];
  return ['summary', 'curves', 'spectra', 'hparams'];
}

/** The tabs of a panel: a comparison panel has only its own. */
export function panelTabs(snap: { compare?: boolean; experiment?: { kind: ExperimentKind } } | undefined): Tab[] {
  return snap?.compare ? ['compare'] : tabsFor(snap?.experiment?.kind);
}

export const TAB_TITLES: Record<Tab, string> = {
  summary: 'Summary',
  curves: 'Curves',
  spectra: 'Spectra',
  accuracy: 'Accuracy',
  features: 'Features',
  hparams: 'Parameters',
  compare: 'Compare',
};
