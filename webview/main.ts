// The results panel's page. It says `ready`, draws the snapshot the host answers with, merges live updates (drawn
// at most once a frame), and keeps its tab and options with setState so a hidden-and-shown or reloaded panel comes
// back as it was. It computes nothing about the science: the shared chart builders say what to draw.
import { appendCurve } from '../src/shared/charts/series';
import type { TabView } from '../src/shared/charts/spec';
import { buildTab, tableToCsv } from '../src/shared/charts/tabs';
import { compareRunIds } from '../src/shared/colors';
import {
  PANEL_STATE_VERSION,
  parseViewOptions,
  panelTabs,
  TAB_TITLES,
  type Focus,
  type HostToPanel,
  type PanelSnapshot,
  type PanelState,
  type PanelToHost,
  type Tab,
  type ViewOptions,
} from '../src/shared/panelMessages';
import { clear, h } from './dom';
import { composePng } from './exporter';
import { figuresToSvg } from '../src/shared/charts/svg';
import { resolveColor } from './theme';
import { FigureGrid } from './figures';
import { emptyState, renderShell, type ShellParts } from './shell';
import { onThemeChange, readTheme, type Theme } from './theme';

const vscode = acquireVsCodeApi<PanelState>();
const app = document.getElementById('app')!;
const saved = vscode.getState();

let snap: PanelSnapshot | undefined;
let tab: Tab | undefined = saved?.tab;
let options: ViewOptions = parseViewOptions(saved?.options) ?? {};
let focusRun: string | undefined;
let theme: Theme = readTheme();
let view: TabView | undefined;
let frame = 0;
let shellKey = '';
let shell: ShellParts | undefined;
let grid: FigureGrid | undefined;

const post = (m: PanelToHost): void => vscode.postMessage(m);

function save(): void {
  if (snap) vscode.setState({ v: PANEL_STATE_VERSION, dir: snap.dir, ...(tab ? { tab } : {}), options });
}

function currentTab(): Tab {
  const tabs = panelTabs(snap);
  return tab && tabs.includes(tab) ? tab : tabs[0];
}

function applyFocus(f: Focus | undefined): void {
  if (!f || !snap) return;
  if (f.tab && panelTabs(snap).includes(f.tab)) tab = f.tab;
  const known = (f.runIds ?? []).filter((id) => snap!.runs.some((r) => r.id === id));
  if (!known.length) return;
  options = { ...options, selected: known };
  focusRun = known[0];
  const r = snap.runs.find((x) => x.id === focusRun)!;
  if (r.spectra) options.spectra = { case: r.params.case, snr: r.params.snr, seed: r.params.seed };
}

function schedule(rebuildShell: boolean): void {
  if (rebuildShell) shellKey = '';
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    render();
  });
}

/** Opens the curves of the runs behind a clicked point. */
function pick(runIds: string[]): void {
  if (snap?.compare) return;
  applyFocus({ tab: 'curves', runIds });
  save();
  schedule(true);
}

function setOptions(change: Partial<ViewOptions>): void {
  options = { ...options, ...change };
  save();
  schedule(false);
}

function onTab(t: Tab): void {
  if (tab === t) return;
  tab = t;
  post({ type: 'tab', tab: t });
  save();
  schedule(true);
}

/** Progress badges change on every update: their text is set in place rather than the controls rebuilt. */
function updateBadges(): void {
  for (const b of Array.from(app.querySelectorAll<HTMLElement>('.badge[data-run]'))) {
    const r = snap?.runs.find((x) => x.id === b.dataset.run);
    if (r?.state === 'running')
      b.textContent = `running${r.progress === undefined ? '' : ` ${Math.round(100 * r.progress)}%`}`;
  }
}

function render(): void {
  if (!snap) return;
  try {
    const t = currentTab();
    // the shell (header, tabs, controls) changes with the tab and the runs' states, not with every record
    const key = `${t}|${snap.runs.map((r) => `${r.id}:${r.state}`).join(',')}|${snap.warnings.length}|${!!snap.experiment}`;
    if (key !== shellKey || !shell || !grid) {
      grid?.destroy();
      shell = renderShell(app, { snap, tab: t, options, focusRun, post, onTab, setOptions });
      grid = new FigureGrid(shell.chartGrid, shell.smallGrid, {
        sort: (key, desc) => setOptions({ sort: { key, desc } }),
        row: (action, runId, pinned) => {
          if (action === 'tag') post({ type: 'annotate', runId });
          else post({ type: 'pin', runIds: [runId], pin: action === 'pin' && !pinned });
        },
        pinned: (runId) => !!snap?.runs.find((r) => r.id === runId)?.pinned,
      });
      shellKey = key;
    }
    updateBadges();
    view = buildTab(t, snap, options, focusRun);
    clear(shell.text);
    if (view.intro) shell.text.append(h('p', { class: 'intro', text: view.intro }));
    if (view.notes.length)
      shell.text.append(
        h(
          'ul',
          { class: 'notes' },
          view.notes.map((n) => h('li', { text: n })),
        ),
      );
    if (view.empty) shell.text.append(emptyState(snap, view.empty, post));
    const points = grid.draw(view.figures, theme, pick);
    const empty = !!view.empty && !view.figures.length;
    app.dataset.state = empty ? 'empty' : 'ready';
    app.dataset.tab = t;
    post({ type: 'rendered', tab: t, figures: view.figures.length, points, empty });
  } catch (e) {
    const message = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
    post({ type: 'error', message: message.slice(0, 3000) });
    app.append(
      h('p', { class: 'error', text: `Could not draw this tab: ${e instanceof Error ? e.message : String(e)}` }),
    );
  }
}

function collect(requestId: number, format: 'png' | 'csv' | 'svg', wanted: Tab | undefined): void {
  try {
    if (wanted && wanted !== currentTab() && panelTabs(snap).includes(wanted)) {
      tab = wanted;
      save();
      shellKey = '';
    }
    // draw now (not at the next frame), so the image and the table are of what the tab holds at this moment
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    render();
    if (format === 'csv') {
      const table = view?.table ?? { columns: [], rows: [] };
      post({ type: 'collected', requestId, ok: true, format, data: tableToCsv(table), rows: table.rows.length });
    } else if (format === 'svg') {
      if (!grid || !view?.figures.length) throw new Error('this tab has no chart to export');
      const title = `${snap?.experiment?.name ?? 'results'} · ${TAB_TITLES[currentTab()]}`;
      const svg = figuresToSvg(view.figures, title, { ...theme, resolve: (c) => resolveColor(c, theme) });
      post({ type: 'collected', requestId, ok: true, format, data: svg });
    } else {
      if (!shell) throw new Error('nothing is drawn yet');
      const title = `${snap?.experiment?.name ?? 'results'} · ${TAB_TITLES[currentTab()]}`;
      post({ type: 'collected', requestId, ok: true, format, data: composePng(shell.figures, title, theme) });
    }
  } catch (e) {
    post({
      type: 'collected',
      requestId,
      ok: false,
      error: (e instanceof Error ? e.message : String(e)).slice(0, 500),
    });
  }
}

function merge(m: Extract<HostToPanel, { type: 'update' }>): void {
  if (!snap) return;
  const byId = new Map(snap.runs.map((r) => [r.id, r]));
  for (const r of m.runs) byId.set(r.id, r);
  for (const id of m.removed) {
    byId.delete(id);
    delete snap.curves[id];
  }
  snap.runs = [...byId.values()].sort((a, b) => compareRunIds(a.id, b.id));
  for (const { runId, curve } of m.replace) snap.curves[runId] = curve;
  for (const { runId, curve } of m.append) {
    const c = snap.curves[runId];
    if (c) appendCurve(c, curve);
    else snap.curves[runId] = curve;
  }
}

window.addEventListener('message', (e: MessageEvent<HostToPanel>) => {
  const m = e.data;
  switch (m?.type) {
    case 'snapshot':
      snap = m.snapshot;
      applyFocus(m.focus);
      save();
      schedule(true);
      return;
    case 'update':
      merge(m);
      schedule(false);
      return;
    case 'focus':
      applyFocus(m.focus);
      save();
      schedule(true);
      return;
    case 'collect':
      collect(m.requestId, m.format, m.tab);
      return;
  }
});

onThemeChange(() => {
  theme = readTheme();
  schedule(true);
});

let resizeFrame = 0;
new ResizeObserver(() => {
  if (resizeFrame) return;
  resizeFrame = requestAnimationFrame(() => {
    resizeFrame = 0;
    grid?.redrawHeatmaps(theme);
  });
}).observe(document.body);

window.addEventListener('error', (e) => post({ type: 'error', message: String(e.message).slice(0, 3000) }));
post({ type: 'ready', ...(tab ? { tab } : {}) });
