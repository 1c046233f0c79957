// What surrounds the figures: the header (name, what ran, live badge, export buttons), the tabs, the tab's controls,
// and the empty state with the buttons that run what is missing. Rebuilt when the tab or the runs' states change.
import {
  panelTabs,
  TAB_TITLES,
  type PanelSnapshot,
  type PanelToHost,
  type Tab,
  type ViewOptions,
} from '../src/shared/panelMessages';
import { controls } from './controls';
import { clear, h } from './dom';

export interface ShellContext {
  snap: PanelSnapshot;
  tab: Tab;
  options: ViewOptions;
  focusRun?: string;
  post: (m: PanelToHost) => void;
  onTab: (tab: Tab) => void;
  setOptions: (change: Partial<ViewOptions>) => void;
}

export interface ShellParts {
  text: HTMLElement;
  figures: HTMLElement;
  chartGrid: HTMLElement;
  smallGrid: HTMLElement;
}

const KIND_TITLES = { noise: 'noise robustness', transfer: 'forward transfer', ood: 'OOD (noisy MNIST)' } as const;

export function renderShell(app: HTMLElement, c: ShellContext): ShellParts {
  const { snap: s, tab: t } = c;
  clear(app);
  const exp = s.experiment;
  const running = s.runs.filter((r) => r.state === 'running').length;
  const done = s.runs.filter((r) => r.state === 'done').length;
  const exportButton = (format: 'png' | 'svg' | 'csv'): HTMLElement => {
    const what = { png: 'an image', svg: 'a vector image (SVG)', csv: 'a CSV of its data' }[format];
    const b = h('button', {
      type: 'button',
      class: 'export',
      'data-export': format,
      text: `Export ${format.toUpperCase()}`,
      title: `Save this tab as ${what}`,
    });
    b.addEventListener('click', () => c.post({ type: 'export', format }));
    return b;
  };
  const actionButton = (text: string, title: string, action: string, onClick: () => void): HTMLElement => {
    const b = h('button', { type: 'button', class: 'export', 'data-action': action, text, title });
    b.addEventListener('click', onClick);
    return b;
  };
  const meta = exp
    ? [
        KIND_TITLES[exp.kind],
        exp.figure,
        exp.preconditioner && `preconditioner ${exp.preconditioner}`,
        exp.setting,
        `${s.runs.length} runs`,
        `${done} done`,
        running ? `${running} running` : '',
      ]
        .filter(Boolean)
        .join(' · ')
    : '';
  app.append(
    h(
      'header',
      { class: 'top' },
      h(
        'div',
        { class: 'title' },
        h('h1', { text: exp?.name ?? 'Results' }),
        h('p', { class: 'meta' }, running ? h('span', { class: 'live', text: '● live' }) : null, meta),
      ),
      exp
        ? h(
            'div',
            { class: 'actions' },
            s.compare
              ? null
              : actionButton('Tags…', 'Edit the tags and note of this experiment', 'annotate', () =>
                  c.post({ type: 'annotate' }),
                ),
            s.compare
              ? null
              : actionButton(
                  'Compare',
                  'Open the comparison of the runs pinned from any experiment',
                  'openCompare',
                  () => c.post({ type: 'openCompare' }),
                ),
            s.compare || exp.kind === 'ood'
              ? null
              : actionButton('Playground', "Open in playground at this run's settings", 'openPlayground', () =>
                  c.post({ type: 'command', command: 'openPlayground', runId: c.focusRun }),
                ),
            exportButton('png'),
            exportButton('svg'),
            exportButton('csv'),
          )
        : null,
    ),
  );
  if (exp?.description) app.append(h('p', { class: 'description', text: exp.description }));
  if (exp?.tags?.length || exp?.note)
    app.append(
      h(
        'p',
        { class: 'annotation', 'data-annotation': 'experiment' },
        ...(exp.tags ?? []).map((t) => h('span', { class: 'tag', text: `#${t}` })),
        exp.note ? h('span', { class: 'row-note', text: exp.note }) : null,
      ),
    );
  if (s.warnings.length)
    app.append(
      h(
        'ul',
        { class: 'warnings' },
        s.warnings.map((w) => h('li', { text: w })),
      ),
    );
  if (exp) {
    const nav = h('nav', { class: 'tabs', role: 'tablist' });
    for (const x of panelTabs(s)) {
      const b = h('button', {
        type: 'button',
        role: 'tab',
        id: `tab-${x}`,
        'data-tab': x,
        'aria-selected': x === t ? 'true' : 'false',
        class: x === t ? 'tab active' : 'tab',
        text: TAB_TITLES[x],
      });
      b.addEventListener('click', () => c.onTab(x));
      nav.append(b);
    }
    app.append(
      nav,
      controls({ snap: s, tab: t, options: c.options, focusRun: c.focusRun, set: c.setOptions, post: c.post }),
    );
  }
  const text = h('div', { class: 'text' });
  const chartGrid = h('div', { class: 'grid' });
  const smallGrid = h('div', { class: 'grid small' });
  const figures = h(
    'section',
    { class: 'figures', role: 'tabpanel', 'aria-labelledby': `tab-${t}` },
    chartGrid,
    smallGrid,
  );
  app.append(text, figures);
  return { text, figures, chartGrid, smallGrid };
}

/** The tab's message when it has nothing to draw, with a button that runs what is missing. */
export function emptyState(s: PanelSnapshot, text: string, post: (m: PanelToHost) => void): HTMLElement {
  const box = h('div', { class: 'empty', role: 'status' }, h('p', { text }));
  const actions = h('div', { class: 'empty-actions' });
  const live = s.runs.some((r) => r.state === 'running' || r.state === 'queued');
  if (!s.experiment) {
    for (const p of s.presets) {
      const b = h('button', { type: 'button', text: p.title });
      b.addEventListener('click', () => post({ type: 'command', command: 'runPreset', preset: p.name }));
      actions.append(b);
    }
  } else if (!live && !s.runs.some((r) => r.state === 'done')) {
    const b = h('button', { type: 'button', text: 'Run this experiment' });
    b.addEventListener('click', () => post({ type: 'command', command: 'rerun' }));
    actions.append(b);
  }
  if (actions.childElementCount) box.append(actions);
  return box;
}
