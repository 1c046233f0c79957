// How one run reads in the tree: its state (a run.json left 'running' or 'queued' by a window that closed is
// 'interrupted'), its headline metric, icon and tooltip. Plain data, no vscode, so the tree's text is unit-tested.
import type { RunParams } from '../shared/config';
import type { RunStatus } from '../shared/records';
import type { RunFile } from '../sweep/store';
import { fmtFixed as fmt, fmtPercent } from '../shared/format';
import type { LateWindow } from '../shared/charts/lateWindow';
import type { EngineState } from '../sweep/executors/types';

export type RunState = RunStatus;
export type ParamValue = string | number;
/** A run's parameters by axis name, for code that walks whatever axes a run has (the tree, tooltips, CSV). */
export type Params = Readonly<Record<string, ParamValue>>;

/** The parameters a run has, by axis name (absent axes are left out). */
export function paramsByAxis(p: Partial<RunParams>): Params {
  const entries: [string, unknown][] = Object.entries(p);
  return Object.fromEntries(
    entries.filter((e): e is [string, ParamValue] => typeof e[1] === 'string' || typeof e[1] === 'number'),
  );
}

export interface LiveRun {
  state: 'queued' | 'running';
  /** partial only when a sweep reports a run it was not asked for (see LabRunner's state handler) */
  params: Partial<RunParams>;
  step?: number;
  steps?: number;
  /** where the run stands on a remote engine (slurm, bullmq): pending, running, requeued */
  engine?: EngineState;
  /** the engine's own words on it ('Slurm 1234_0 pending', 'on worker host:123') */
  engineDetail?: string;
}

/** A run as the tree sees it: what the store says, overlaid with what a live sweep in this window says. */
export interface RunView {
  id: string;
  params: Params;
  state: RunState;
  file?: RunFile;
  live?: LiveRun;
  /** the late window of its records, once read (lateBands.ts) */
  late?: LateWindow;
}

export interface Icon {
  /** a codicon id, e.g. 'pass-filled' or 'sync~spin' */
  id: string;
  /** a theme color id */
  color?: string;
}

export const STATE_ICONS: Record<RunState, Icon> = {
  queued: { id: 'clock' },
  running: { id: 'sync~spin', color: 'charts.blue' },
  done: { id: 'pass-filled', color: 'testing.iconPassed' },
  diverged: { id: 'warning', color: 'list.warningForeground' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  cancelled: { id: 'circle-slash', color: 'disabledForeground' },
  interrupted: { id: 'debug-disconnect', color: 'list.warningForeground' },
};

/** What a remote engine says of a live run, where the tree shows it: 'pending' (submitted, not started: the run is
 *  still queued in the store), 'requeued' (its task or worker was lost and the engine runs it again), 'running'. */
export function engineState(r: RunView): EngineState | undefined {
  const e = r.live?.engine;
  if (!e || (r.state !== 'queued' && r.state !== 'running')) return undefined;
  return e === 'pending' && r.state === 'running' ? undefined : e;
}

export const ENGINE_ICONS: Record<EngineState, Icon> = {
  pending: { id: 'watch' },
  running: STATE_ICONS.running,
  requeued: { id: 'debug-restart', color: 'list.warningForeground' },
};

/** The run's icon: its state's, or what its engine says while it is live (pending, requeued). */
export function runIcon(r: RunView): Icon {
  const e = engineState(r);
  return e && e !== 'running' ? ENGINE_ICONS[e] : STATE_ICONS[r.state];
}

export function runView(id: string, file: RunFile | undefined, live: LiveRun | undefined): RunView {
  const params = paramsByAxis(live?.params ?? file?.params ?? {});
  let state: RunState = live?.state ?? file?.status ?? 'queued';
  // Nothing in this window owns it, so the process that did is gone (a reload, a crash): only a re-run finishes it.
  if (!live && (state === 'running' || state === 'queued')) state = 'interrupted';
  return { id, params, state, file, live };
}

/**
 * The number a run is judged by, named for what it is: Task 2 test MSE for transfer runs (Figure 3 is about Task 2;
 * Task 1's is in the tooltip), test MSE for noise runs, the OOD accuracy of both settings for OOD runs.
 */
export function headline(
  final: Readonly<Record<string, number>> | undefined,
): { name: string; value: number; text: string } | undefined {
  if (!final) return undefined;
  const ok = (k: string | undefined): k is string => k !== undefined && Number.isFinite(final[k]);
  if (ok('task2TestMSE')) return { name: 'Task 2 test MSE', value: final.task2TestMSE, text: fmt(final.task2TestMSE) };
  if (ok('testMSE')) return { name: 'test MSE', value: final.testMSE, text: fmt(final.testMSE) };
  if (ok('oodLeftAcc') && ok('oodRightAcc'))
    return {
      name: 'OOD acc',
      value: final.oodLeftAcc,
      text: `left ${fmtPercent(final.oodLeftAcc)} · right ${fmtPercent(final.oodRightAcc)}`,
    };
  const acc = Object.keys(final).find((k) => /^ood.*acc/i.test(k));
  if (ok(acc))
    return {
      name: `OOD ${/right/i.test(acc) ? 'right' : 'left'} acc`,
      value: final[acc],
      text: fmtPercent(final[acc]),
    };
  const test = Object.keys(final).find((k) => /test/i.test(k));
  return ok(test) ? { name: test, value: final[test], text: fmt(final[test]) } : undefined;
}

export function progressOf(r: RunView): number | undefined {
  const { step, steps } = r.live ?? {};
  return r.state === 'running' && step !== undefined && steps ? Math.min(1, step / steps) : undefined;
}

export function runDescription(r: RunView): string {
  const h = headline(r.file?.final);
  const metric = h ? `${h.name} ${h.text}` : '';
  const engine = engineState(r);
  if (engine === 'pending') return 'pending';
  if (engine === 'requeued') return 'requeued: running again';
  switch (r.state) {
    case 'running': {
      // every running run shows a percentage (0% until its first report); once its steps are all done it says it
      // is finishing (final evaluation, writing results) instead of sitting at 100%
      const p = progressOf(r) ?? 0;
      return p >= 1 ? 'finishing: final metrics' : `running ${Math.floor(p * 100)}%`;
    }
    case 'done':
      return [metric || 'done', r.late?.unstable ? 'unstable' : ''].filter(Boolean).join(' · ');
    case 'diverged':
      return (r.file?.reason ?? 'diverged').split(':')[0];
    case 'cancelled':
      return metric ? `cancelled · ${metric}` : 'cancelled';
    case 'interrupted':
      return 'interrupted: re-run to finish';
    default:
      return r.state;
  }
}

const AXIS_LABELS: Record<string, (v: ParamValue) => string> = {
  case: (v) => (v === 'custom' ? 'custom spectrum' : `Case ${v}`),
  p: (v) => `p = ${v}`,
  snr: (v) => `SNR ${v}`,
  seed: (v) => `seed ${v}`,
  optimizer: (v) => String(v),
};

/** Label of one parameter value; axes the engine adds later read as "name value". */
export function paramLabel(axis: string, value: ParamValue): string {
  return (AXIS_LABELS[axis] ?? ((v: ParamValue) => `${axis} ${v}`))(value);
}

/** Escapes text for a Markdown tooltip (reasons and ids may hold `_`, `*` or `|`). */
export function md(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>]/g, (c) => `\\${c}`);
}

export function runTooltip(r: RunView, experiment: string): string {
  const f = r.file;
  const lines = [`**${md(experiment)} / ${md(r.id)}**: ${r.state}`, ''];
  if (r.state === 'interrupted')
    lines.push('Its process ended without finishing it (the window was closed or reloaded). Re-run it to finish.', '');
  const engine = engineState(r);
  if (engine)
    lines.push(
      `On its engine: **${engine}**${r.live?.engineDetail ? ` (${md(r.live.engineDetail)})` : ''}` +
        (engine === 'pending' ? ': submitted, waiting for a worker or node' : '') +
        (engine === 'requeued' ? ': its worker or node was lost; the engine runs it again from the start' : ''),
      '',
    );
  if (f?.reason) lines.push(`_${md(f.reason)}_`, '');
  lines.push('| parameter | value |', '|---|---|');
  for (const [k, v] of Object.entries(r.params)) lines.push(`| ${md(k)} | ${md(String(v))} |`);
  const final = Object.entries(f?.final ?? {});
  if (final.length) {
    lines.push('', '| final metric | value |', '|---|---|');
    for (const [k, v] of final) lines.push(`| ${md(k)} | ${Number.isInteger(v) ? v : fmt(v)} |`);
  }
  if (r.late)
    lines.push(
      '',
      `Late window (last ${r.late.n} evaluations): ${fmt(r.late.min)} to ${fmt(r.late.max)}, mean ${fmt(r.late.mean)}` +
        (r.late.unstable ? ' — **unstable**: the band is wider than 20% of its mean' : ''),
    );
  const facts = [
    f?.settings &&
      `${f.settings.steps} steps, lr ` +
        `${f.settings.lr}${'width' in f.settings ? `, width ${f.settings.width}, ${f.settings.preconditioner}` : ''}`,
    f?.backend && `backend ${f.backend}${f.kernel ? ` (kernel ${f.kernel})` : ''}`,
    f?.seconds !== undefined && `${f.seconds.toFixed(1)} s`,
    f?.finishedAt && `finished ${f.finishedAt}`,
  ].filter(Boolean);
  if (facts.length) lines.push('', md(facts.join(' · ')));
  return lines.join('\n');
}
