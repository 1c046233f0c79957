// Table figures (src/shared/charts/spec.ts TableSpec) as HTML tables: sortable headers (a click sorts by the column,
// a second click reverses), highlighted cells, a swatch in the run's colour, tags under the run, and per-row buttons
// (pin for comparison, unpin, tags and note). Built from elements, never from markup strings.
import { fmt } from '../src/shared/format';
import type { TableSpec } from '../src/shared/charts/spec';
import { h } from './dom';

export interface TableActions {
  sort: (key: string, desc: boolean) => void;
  row: (action: 'pin' | 'unpin' | 'tag', runId: string, pinned: boolean) => void;
  /** whether a run is pinned (its pin button reads "Unpin") */
  pinned: (runId: string) => boolean;
}

const ACTION_TEXT = { pin: 'Pin', unpin: 'Unpin', tag: 'Tags…' } as const;
const ACTION_TITLE = {
  pin: 'Pin this run for comparison with runs of other experiments',
  unpin: 'Drop this run from the comparison',
  tag: 'Edit the tags and note of this run',
} as const;

const cellText = (v: string | number | null, numeric: boolean | undefined): string =>
  v === null ? '–' : typeof v === 'number' && numeric ? fmt(v) : String(v);

export function drawTable(box: HTMLElement, spec: TableSpec, actions: TableActions): void {
  box.replaceChildren();
  const head = h('tr');
  spec.columns.forEach((c) => {
    const sorted = spec.sort?.key === c.key;
    const th = h('th', {
      scope: 'col',
      class: c.numeric ? 'num' : undefined,
      'data-key': c.key,
      'aria-sort': sorted ? (spec.sort!.desc ? 'descending' : 'ascending') : undefined,
    });
    if (c.sortable) {
      const b = h('button', {
        type: 'button',
        class: 'sort',
        text: `${c.label}${sorted ? (spec.sort!.desc ? ' ▼' : ' ▲') : ''}`,
        title: `Sort by ${c.label}`,
      });
      // first click: ascending (descending for a column already sorted ascending)
      b.addEventListener('click', () => actions.sort(c.key, sorted ? !spec.sort!.desc : false));
      th.append(b);
    } else th.textContent = c.label;
    head.append(th);
  });
  if (spec.rowActions?.length) head.append(h('th', { scope: 'col', text: '' }));
  const body = h('tbody');
  for (const row of spec.rows) {
    const tr = h('tr', { 'data-run': row.runId });
    row.cells.forEach((v, i) => {
      const c = spec.columns[i];
      const td = h('td', {
        class: [c?.numeric ? 'num' : '', row.highlight?.[i] ? 'differs' : ''].filter(Boolean).join(' ') || undefined,
        'data-key': c?.key,
        ...(typeof v === 'number' ? { 'data-value': String(v) } : {}),
      });
      if (i === 0 && row.color) {
        const sw = h('span', { class: 'swatch' });
        sw.style.background = row.color;
        td.append(sw);
      }
      if (c?.key === 'tags' && row.tags?.length)
        td.append(...row.tags.map((t) => h('span', { class: 'tag', text: `#${t}` })));
      else td.append(cellText(v, c?.numeric));
      if (i === 0 && row.note) td.append(h('div', { class: 'row-note', text: row.note }));
      tr.append(td);
    });
    if (spec.rowActions?.length && row.runId) {
      const td = h('td', { class: 'row-actions' });
      for (const a of spec.rowActions) {
        const pinned = actions.pinned(row.runId);
        const kind = a === 'pin' && pinned ? 'unpin' : a;
        const b = h('button', {
          type: 'button',
          class: 'link',
          'data-action': kind,
          text: ACTION_TEXT[kind],
          title: ACTION_TITLE[kind],
        });
        const id = row.runId;
        b.addEventListener('click', () => actions.row(kind, id, pinned));
        td.append(b);
      }
      tr.append(td);
    }
    body.append(tr);
  }
  box.append(h('div', { class: 'table-wrap' }, h('table', { class: 'runs-table' }, h('thead', {}, head), body)));
  if (spec.empty && !spec.rows.length) box.append(h('p', { class: 'table-empty', text: spec.empty }));
}
