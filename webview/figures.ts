// The figures of a tab as cards (title, canvas, caption) in two grids: charts, and the smaller heatmaps. Cards and
// charts are kept by figure id and redrawn in place, so a live update repaints without rebuilding the page.
import type { Chart } from 'chart.js';
import type { Figure } from '../src/shared/charts/spec';
import { drawChart, firstHit, pointCount } from './charts';
import { h } from './dom';
import { drawHeatmap } from './heatmap';
import type { Theme } from './theme';
import { drawTable, type TableActions } from './tables';

export class FigureGrid {
  private readonly charts = new Map<string, Chart>();
  private readonly cards = new Map<string, HTMLElement>();
  private figures: Figure[] = [];

  constructor(
    private readonly chartGrid: HTMLElement,
    private readonly smallGrid: HTMLElement,
    private readonly tableActions?: TableActions,
  ) {}

  /** Draws the figures (new cards for new ids, old cards dropped); returns how many points were drawn. */
  draw(figures: Figure[], theme: Theme, pick: (runIds: string[]) => void): number {
    this.figures = figures;
    const keep = new Set(figures.map((f) => f.id));
    for (const id of [...this.cards.keys()]) if (!keep.has(id)) this.drop(id);
    let points = 0;
    for (const f of figures) {
      const el = this.card(f);
      (f.kind === 'heatmap' ? this.smallGrid : this.chartGrid).append(el);
      el.querySelector('h3')!.textContent = f.title;
      el.querySelector('.caption')!.textContent = f.caption;
      if (f.kind === 'table') {
        const noop: TableActions = { sort: () => undefined, row: () => undefined, pinned: () => false };
        drawTable(el.querySelector<HTMLElement>('.table-box')!, f, this.tableActions ?? noop);
        el.dataset.rows = String(f.rows.length);
        continue;
      }
      const canvas = el.querySelector('canvas')!;
      const n = f.kind === 'heatmap' ? f.rows.length * f.cols.length : pointCount(f);
      const empty = f.empty && !n ? f.empty : undefined;
      el.querySelector('.box-empty')!.textContent = empty ?? '';
      el.classList.toggle('is-empty', !!empty);
      delete el.dataset.hit;
      if (empty) {
        // nothing to draw: no chart behind the note (and none left over from before)
        this.charts.get(f.id)?.destroy();
        this.charts.delete(f.id);
      } else if (f.kind === 'heatmap') drawHeatmap(canvas, f, theme);
      else {
        const chart = drawChart(canvas, this.charts.get(f.id), f, theme, pick);
        this.charts.set(f.id, chart);
        // what a test counts: the lines drawn (guides aside) and the legend's entries
        el.dataset.series = String(f.series.filter((s) => !s.guide).length);
        el.dataset.legend = String(chart.legend?.legendItems?.length ?? 0);
        // where the first clickable point is, for tests (and nothing else)
        const hit = firstHit(chart, f);
        if (hit) el.dataset.hit = `${hit.x},${hit.y},${hit.runIds.join(' ')}`;
      }
      el.dataset.points = String(n);
      points += n;
    }
    return points;
  }

  /** Heatmaps draw at the card's size; chart.js charts resize themselves. */
  redrawHeatmaps(theme: Theme): void {
    for (const f of this.figures) {
      const c = f.kind === 'heatmap' && !f.empty ? this.cards.get(f.id)?.querySelector('canvas') : undefined;
      if (c) drawHeatmap(c, f as Extract<Figure, { kind: 'heatmap' }>, theme);
    }
  }

  destroy(): void {
    for (const id of [...this.cards.keys()]) this.drop(id);
  }

  /** The figures as last drawn (the SVG export redraws them). */
  get drawn(): readonly Figure[] {
    return this.figures;
  }

  private card(f: Figure): HTMLElement {
    const existing = this.cards.get(f.id);
    if (existing) return existing;
    if (f.kind === 'table') {
      const el = h(
        'figure',
        { class: 'card table', 'data-figure': f.id },
        h('h3', { text: f.title }),
        h('div', { class: 'table-box' }),
        h('p', { class: 'caption', text: f.caption }),
      );
      this.cards.set(f.id, el);
      return el;
    }
    const canvas = h('canvas', { role: 'img', 'aria-label': f.title });
    const el = h(
      'figure',
      { class: f.kind === 'heatmap' ? 'card heatmap' : 'card', 'data-figure': f.id },
      h('h3', { text: f.title }),
      h('div', { class: 'box' }, canvas, h('p', { class: 'box-empty' })),
      h('p', { class: 'caption', text: f.caption }),
    );
    this.cards.set(f.id, el);
    return el;
  }

  private drop(id: string): void {
    this.charts.get(id)?.destroy();
    this.charts.delete(id);
    this.cards.get(id)?.remove();
    this.cards.delete(id);
  }
}
