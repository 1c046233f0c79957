// The controls above a tab's figures: log scale, smoothing, the run picker (curves), the case/SNR/seed picker
// (spectra). Each change goes through `set`, which stores the options and redraws the figures.
import { defaultSelection } from '../src/shared/charts/curves';
import { caseName, runLabel, varyingAxes } from '../src/shared/charts/labels';
import { spectraChoices } from '../src/shared/charts/spectra';
import { logByDefault } from '../src/shared/charts/tabs';
import { compareLogDefault, compareMetric, sharedMetrics } from '../src/shared/charts/compare';
import { metricLabel } from '../src/shared/charts/runTable';
import type { PanelSnapshot, PanelToHost, RunInfo, Tab, ViewOptions } from '../src/shared/panelMessages';
import { h } from './dom';

export interface ControlsContext {
  snap: PanelSnapshot;
  tab: Tab;
  options: ViewOptions;
  focusRun?: string;
  set: (change: Partial<ViewOptions>) => void;
  post: (m: PanelToHost) => void;
}

function checkbox(label: string, checked: boolean, onChange: (v: boolean) => void, name: string): HTMLElement {
  const input = h('input', { type: 'checkbox', name, 'aria-label': label });
  input.checked = checked;
  input.addEventListener('change', () => onChange(input.checked));
  return h('label', { class: 'control' }, input, label);
}

function select<T extends string | number>(
  label: string,
  values: T[],
  current: T,
  onChange: (v: T) => void,
  name: string,
  show: (v: T) => string = String,
): HTMLElement {
  const s = h('select', { name, 'aria-label': label });
  values.forEach((v, i) => {
    const o = h('option', { value: String(i), text: show(v) });
    o.selected = v === current;
    s.append(o);
  });
  s.addEventListener('change', () => onChange(values[Number(s.value)]));
  return h('label', { class: 'control' }, `${label} `, s);
}

function smoothing(value: number, onChange: (v: number) => void): HTMLElement {
  const input = h('input', {
    type: 'range',
    min: 0,
    max: 0.95,
    step: 0.05,
    name: 'smoothing',
    'aria-label': 'Smoothing',
  });
  input.value = String(value);
  const out = h('output', { text: value ? value.toFixed(2) : 'off' });
  input.addEventListener('input', () => {
    const v = Number(input.value);
    out.textContent = v ? v.toFixed(2) : 'off';
    onChange(v);
  });
  return h('label', { class: 'control' }, 'Smoothing ', input, ' ', out);
}

const STATE_TEXT: Partial<Record<RunInfo['state'], string>> = {
  running: 'running',
  queued: 'queued',
  diverged: 'diverged',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

/** Pins the ticked runs for the cross-experiment comparison. */
function pinShown(c: ControlsContext, boxes: HTMLInputElement[]): HTMLElement {
  const b = h('button', {
    class: 'link',
    type: 'button',
    'data-action': 'pin-shown',
    text: 'Pin shown for comparison',
    title: 'Pin the ticked runs, to compare them with runs of other experiments (Compare button above)',
  });
  b.addEventListener('click', () => {
    const ids = boxes.filter((x) => x.checked).map((x) => x.value);
    if (ids.length) c.post({ type: 'pin', runIds: ids, pin: true });
  });
  return b;
}

function runPicker(c: ControlsContext): HTMLElement {
  const { snap } = c;
  const selected = new Set(c.options.selected ?? defaultSelection(snap.runs));
  const axes = varyingAxes(snap.runs);
  const count = h('span', { class: 'count', text: `${selected.size} of ${snap.runs.length} shown` });
  const boxes: HTMLInputElement[] = [];
  const apply = (): void => {
    const ids = boxes.filter((b) => b.checked).map((b) => b.value);
    count.textContent = `${ids.length} of ${snap.runs.length} shown`;
    c.set({ selected: ids });
  };
  const list = h('div', { class: 'run-list', role: 'group', 'aria-label': 'Runs to show' });
  for (const r of snap.runs) {
    const box = h('input', { type: 'checkbox', value: r.id, 'aria-label': r.id });
    box.checked = selected.has(r.id);
    box.addEventListener('change', apply);
    boxes.push(box);
    const swatch = h('span', { class: 'swatch' });
    swatch.style.background = r.color;
    const state = STATE_TEXT[r.state];
    const progress = r.state === 'running' && r.progress !== undefined ? ` ${Math.round(100 * r.progress)}%` : '';
    list.append(
      h(
        'label',
        { class: 'run', title: r.id },
        box,
        swatch,
        runLabel(r, axes),
        r.pinned ? h('span', { class: 'badge pinned', title: 'pinned for comparison', text: 'pinned' }) : null,
        ...(r.tags ?? []).map((t) => h('span', { class: 'tag', text: `#${t}` })),
        state ? h('span', { class: `badge ${r.state}`, 'data-run': r.id, text: `${state}${progress}` }) : null,
      ),
    );
  }
  const button = (text: string, ids: () => string[]): HTMLElement => {
    const b = h('button', { class: 'link', type: 'button', text });
    b.addEventListener('click', () => {
      const want = new Set(ids());
      for (const x of boxes) x.checked = want.has(x.value);
      apply();
    });
    return b;
  };
  const details = h(
    'details',
    { class: 'runs' },
    h('summary', {}, 'Runs ', count),
    h(
      'div',
      { class: 'run-actions' },
      button('All', () => snap.runs.map((r) => r.id)),
      button('None', () => []),
      button('Default', () => defaultSelection(snap.runs)),
      pinShown(c, boxes),
    ),
    list,
  );
  details.open = snap.runs.length <= 24;
  return details;
}

export function controls(c: ControlsContext): HTMLElement {
  const bar = h('div', { class: 'controls' });
  const log = (): HTMLElement =>
    checkbox(
      'Log scale',
      c.options.log?.[c.tab] ?? logByDefault(c.tab, c.snap.experiment?.kind),
      (v) => c.set({ log: { ...c.options.log, [c.tab]: v } }),
      'logY',
    );
  switch (c.tab) {
    case 'summary':
    case 'features':
      bar.append(log());
      break;
    case 'curves':
      bar.append(
        log(),
        smoothing(c.options.smoothing ?? 0, (v) => c.set({ smoothing: v })),
        runPicker(c),
      );
      break;
    case 'spectra': {
      const ch = spectraChoices(c.snap, c.options, c.focusRun);
      if (!ch.pick) break;
      const pick = ch.pick;
      if (ch.cases.length > 1)
        bar.append(
          select(
            'Case',
            ch.cases,
            pick.case,
            (v) => c.set({ spectra: { ...pick, case: v } }),
            'case',
            (v) => caseName(v).replace('Case ', ''),
          ),
        );
      if (ch.snrs.length > 1)
        bar.append(select('SNR', ch.snrs, pick.snr, (v) => c.set({ spectra: { ...pick, snr: v } }), 'snr'));
      if (ch.seeds.length > 1)
        bar.append(select('Seed', ch.seeds, pick.seed, (v) => c.set({ spectra: { ...pick, seed: v } }), 'seed'));
      break;
    }
    case 'accuracy':
    case 'hparams':
      break;
    case 'compare': {
      const metrics = sharedMetrics(c.snap.runs, c.snap.curves);
      const metric = compareMetric(c.snap, c.options);
      if (metric && metrics.length > 1)
        bar.append(select('Metric', metrics, metric, (v) => c.set({ metric: v }), 'metric', metricLabel));
      const logDefault = compareLogDefault(c.snap, metric);
      bar.append(
        checkbox(
          'Log scale',
          c.options.log?.compare ?? logDefault,
          (v) => c.set({ log: { ...c.options.log, compare: v } }),
          'logY',
        ),
        smoothing(c.options.smoothing ?? 0, (v) => c.set({ smoothing: v })),
      );
      if (c.snap.runs.length) {
        const b = h('button', { class: 'link', type: 'button', 'data-action': 'unpin-all', text: 'Unpin all' });
        b.addEventListener('click', () => c.post({ type: 'pin', runIds: c.snap.runs.map((r) => r.id), pin: false }));
        bar.append(b);
      }
      break;
    }
  }
  return bar;
}
