// Chart specs (src/shared/charts/spec.ts) as chart.js charts, in the editor's theme colours. Three small plugins:
// the background (so an exported PNG looks like the panel), error bars, and vertical markers (the teacher's
// direction). Animation is off: live updates redraw at once, and hundreds of series stay responsive.
import type { ChartConfiguration, Plugin, Scale } from 'chart.js';
import { Chart } from './chartRegistry';
import { fmt } from '../src/shared/format';
import type { Axis, ChartSpec, Point } from '../src/shared/charts/spec';
import { placeLabels } from '../src/shared/charts/labelPlacement';
import { resolveColor, withAlpha, type Theme } from './theme';

interface Bound {
  spec: ChartSpec;
  theme: Theme;
}
const bound = new WeakMap<Chart, Bound>();

const hasBars = (spec: ChartSpec): boolean => spec.series.some((s) => s.kind === 'bar');
const categories = (spec: ChartSpec): string[] => spec.x.categories ?? [];

/** The spec's point behind element `index` of dataset `ds` (bars are indexed by category). */
function pointAt(spec: ChartSpec, ds: number, index: number): Point | undefined {
  const s = spec.series[ds];
  if (!s) return undefined;
  return s.kind === 'bar' ? s.points.find((p) => p.x === categories(spec)[index]) : s.points[index];
}

const background: Plugin = {
  id: 'labBackground',
  beforeDraw(chart) {
    const b = bound.get(chart);
    if (!b) return;
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = b.theme.bg;
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

const errorBars: Plugin = {
  id: 'labErrorBars',
  afterDatasetsDraw(chart) {
    const b = bound.get(chart);
    if (!b) return;
    const y = chart.scales.y as Scale;
    const { ctx } = chart;
    b.spec.series.forEach((s, i) => {
      const meta = chart.getDatasetMeta(i);
      if (meta.hidden || !s.points.some((p) => p.lo !== undefined)) return;
      ctx.save();
      ctx.strokeStyle = s.kind === 'bar' ? b.theme.fg : resolveColor(s.color, b.theme);
      ctx.lineWidth = 1.5;
      meta.data.forEach((el, j) => {
        const p = pointAt(b.spec, i, j);
        if (!p || p.lo === undefined || p.hi === undefined) return;
        const x = el.x;
        const lo = y.getPixelForValue(p.lo);
        const hi = y.getPixelForValue(p.hi);
        if (!Number.isFinite(lo) || !Number.isFinite(hi)) return;
        ctx.beginPath();
        ctx.moveTo(x, lo);
        ctx.lineTo(x, hi);
        ctx.moveTo(x - 4, lo);
        ctx.lineTo(x + 4, lo);
        ctx.moveTo(x - 4, hi);
        ctx.lineTo(x + 4, hi);
        ctx.stroke();
      });
      ctx.restore();
    });
  },
};

/** Labels beside scatter points (Point.label), moved apart where they would overlap (labelPlacement.ts). */
const pointLabels: Plugin = {
  id: 'labPointLabels',
  afterDatasetsDraw(chart) {
    const b = bound.get(chart);
    if (!b?.spec.series.some((s) => s.points.some((p) => p.label))) return;
    const { ctx } = chart;
    ctx.save();
    ctx.font = `${b.theme.fontSize - 2}px ${b.theme.font}`;
    const h = b.theme.fontSize;
    const items: { x: number; y: number; text: string; color: string }[] = [];
    b.spec.series.forEach((s, i) => {
      const meta = chart.getDatasetMeta(i);
      if (meta.hidden) return;
      meta.data.forEach((el, j) => {
        const text = pointAt(b.spec, i, j)?.label;
        if (text && Number.isFinite(el.x) && Number.isFinite(el.y))
          items.push({ x: el.x, y: el.y, text, color: resolveColor(s.color, b.theme) });
      });
    });
    const boxes = placeLabels(
      items.map((it) => ({ x: it.x, y: it.y, width: ctx.measureText(it.text).width, height: h })),
    );
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    items.forEach((it, k) => {
      const box = boxes[k];
      if (box.moved) {
        ctx.strokeStyle = withAlpha(it.color, 0.6);
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(it.x, it.y);
        ctx.lineTo(box.left, box.top + box.height / 2);
        ctx.stroke();
      }
      ctx.fillStyle = b.theme.fg;
      ctx.fillText(it.text, box.left, box.top);
    });
    ctx.restore();
  },
};

const markers: Plugin = {
  id: 'labMarkers',
  afterDatasetsDraw(chart) {
    const b = bound.get(chart);
    if (!b?.spec.markers?.length) return;
    const x = chart.scales.x as Scale;
    const { ctx, chartArea } = chart;
    for (const m of b.spec.markers) {
      const value = typeof m.x === 'string' ? categories(b.spec).indexOf(m.x) : m.x;
      const px = x.getPixelForValue(value);
      if (!Number.isFinite(px)) continue;
      ctx.save();
      ctx.strokeStyle = b.theme.fg;
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.25;
      ctx.beginPath();
      ctx.moveTo(px, chartArea.top);
      ctx.lineTo(px, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = b.theme.fg;
      ctx.font = `600 ${b.theme.fontSize - 1}px ${b.theme.font}`;
      ctx.textAlign = px > chartArea.right - 60 ? 'right' : 'left';
      ctx.textBaseline = 'bottom';
      ctx.fillText(`▼ ${m.label}`, ctx.textAlign === 'right' ? px + 6 : px - 6, chartArea.top - 2);
      ctx.restore();
    }
  },
};

function tickLabel(a: Axis): ((v: number | string, i: number, ticks: { value: number }[]) => string) | undefined {
  if (a.type === 'category') return undefined;
  const text = (n: number): string => (a.percent ? `${fmt(Math.round(n * 1e7) / 1e5)}%` : fmt(n));
  if (a.type === 'log') {
    return (v, _i, ticks) => {
      const n = Number(v);
      // within a decade or so the round ticks are named (0.5, 0.6, 0.8, 1, 1.5); over decades only 1, 2 and 5
      const lo = ticks[0]?.value;
      const hi = ticks[ticks.length - 1]?.value;
      const mant = n / Math.pow(10, Math.floor(Math.log10(n)));
      const round =
        lo > 0 && hi / lo < 5
          ? Math.abs(mant * 2 - Math.round(mant * 2)) < 1e-6
          : [1, 2, 5].some((k) => Math.abs(mant - k) < 1e-6);
      return round ? text(n) : '';
    };
  }
  return (v) => text(Number(v));
}

function scale(a: Axis, t: Theme, extent?: { lo: number; hi: number }): Record<string, unknown> {
  const font = { family: t.font, size: t.fontSize - 1 };
  const cb = tickLabel(a);
  return {
    type: a.type === 'log' ? 'logarithmic' : a.type === 'category' ? 'category' : 'linear',
    ...(a.type === 'category' ? { labels: a.categories, offset: true } : {}),
    ...(a.min !== undefined ? { min: a.min } : {}),
    ...(a.max !== undefined ? { max: a.max } : {}),
    // error bars stay inside the plot
    ...(extent && a.min === undefined ? { suggestedMin: extent.lo } : {}),
    ...(extent && a.max === undefined ? { suggestedMax: extent.hi } : {}),
    title: { display: true, text: a.label, color: t.muted, font },
    grid: { color: t.grid },
    border: { color: t.border },
    // every category is named (optimizers, directions); numeric axes thin their ticks
    ticks: {
      color: t.muted,
      font,
      autoSkipPadding: 8,
      ...(a.type === 'category' ? { autoSkip: false, maxRotation: 40 } : { maxRotation: 0 }),
      ...(cb ? { callback: cb } : {}),
    },
  };
}

function errorExtent(spec: ChartSpec): { lo: number; hi: number } | undefined {
  const bars = spec.series.flatMap((s) => s.points.filter((p) => p.lo !== undefined && p.hi !== undefined));
  if (!bars.length) return undefined;
  const lo = Math.min(...bars.map((p) => p.lo!));
  return {
    lo: spec.y.type === 'log' && lo <= 0 ? Math.min(...bars.map((p) => p.y ?? Infinity)) : lo,
    hi: Math.max(...bars.map((p) => p.hi!)),
  };
}

function config(spec: ChartSpec, t: Theme, onPick: (runIds: string[]) => void): ChartConfiguration {
  const bars = hasBars(spec);
  const cats = categories(spec);
  const numericX = spec.x.type !== 'category';
  const datasets = spec.series.map((s) => {
    const color = resolveColor(s.color, t);
    const common = {
      label: s.label,
      borderColor: color,
      backgroundColor: s.kind === 'bar' ? withAlpha(color, 0.8) : color,
      borderWidth: s.width ?? (s.guide ? 1.25 : 2),
      borderDash: s.dash,
      order: s.guide ? 10 : 0,
    };
    if (s.kind === 'bar')
      return {
        ...common,
        type: 'bar' as const,
        borderWidth: 0,
        maxBarThickness: 42,
        data: cats.map((c) => s.points.find((p) => p.x === c)?.y ?? null),
      };
    const data = s.points.map((p) => ({ x: p.x as number, y: p.y as number }));
    if (s.kind === 'points')
      return {
        ...common,
        type: 'scatter' as const,
        pointRadius: 5,
        pointHoverRadius: 7,
        showLine: false,
        pointStyle: 'circle' as const,
        data,
      };
    return {
      ...common,
      type: 'line' as const,
      data,
      tension: 0,
      spanGaps: true,
      fill: false,
      pointRadius: s.markers ? 3.5 : 0,
      pointHoverRadius: s.markers ? 5.5 : 3,
      pointHitRadius: s.guide ? 0 : 6,
      pointStyle: s.markers ? ('circle' as const) : ('line' as const),
      ...(numericX ? { normalized: true } : {}),
    };
  });
  const font = { family: t.font, size: t.fontSize - 1 };
  return {
    type: bars ? 'bar' : 'line',
    data: { ...(cats.length ? { labels: cats } : {}), datasets: datasets as never },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      // room above the plot for marker labels
      layout: { padding: { top: spec.markers?.length ? 18 : 4 } },
      interaction: bars ? { mode: 'index', intersect: false } : { mode: 'nearest', intersect: false },
      scales: { x: scale(spec.x, t), y: scale(spec.y, t, errorExtent(spec)) } as never,
      plugins: {
        legend: {
          display: spec.legend ?? false,
          position: 'bottom',
          labels: {
            color: t.fg,
            font,
            usePointStyle: true,
            boxWidth: 18,
            boxHeight: 8,
            padding: 10,
            filter: (item) => !!item.text,
            // explicit entries (spec.legendItems): one per run and one per line style instead of one per line
            ...(spec.legendItems
              ? {
                  generateLabels: () =>
                    spec.legendItems!.map((l) => ({
                      text: l.label,
                      fillStyle: resolveColor(l.color, t),
                      strokeStyle: resolveColor(l.color, t),
                      fontColor: t.fg,
                      lineWidth: 2,
                      lineDash: l.dash,
                      pointStyle: l.dash ? ('line' as const) : ('circle' as const),
                      hidden: false,
                    })),
                }
              : {}),
          },
          ...(spec.legendItems ? { onClick: () => undefined } : {}),
        },
        tooltip: {
          filter: (item) => !spec.series[item.datasetIndex]?.guide,
          callbacks: {
            label: (item) => {
              const p = pointAt(spec, item.datasetIndex, item.dataIndex);
              const y = item.parsed.y as number;
              const v = spec.y.percent ? `${(100 * y).toFixed(1)}%` : fmt(y);
              const bar =
                p?.lo !== undefined && p.hi !== undefined
                  ? ` (± ${spec.y.percent ? `${(50 * (p.hi - p.lo)).toFixed(1)}%` : fmt((p.hi - p.lo) / 2)})`
                  : '';
              return `${item.dataset.label}: ${v}${bar}`;
            },
            footer: (items) =>
              spec.clickable && items.some((i) => pointAt(spec, i.datasetIndex, i.dataIndex)?.runIds?.length)
                ? 'Click to open the curves'
                : '',
          },
        },
      },
      onHover: (e, els) => {
        const target = e.native?.target as HTMLElement | undefined;
        if (target) target.style.cursor = spec.clickable && els.length ? 'pointer' : 'default';
      },
      onClick: (_e, els) => {
        if (!spec.clickable) return;
        for (const el of els) {
          if (spec.series[el.datasetIndex]?.guide) continue;
          const ids = pointAt(spec, el.datasetIndex, el.index)?.runIds;
          if (ids?.length) return onPick(ids);
        }
      },
    },
    plugins: [background, errorBars, pointLabels, markers],
  };
}

/** Draws a spec on a canvas (a new chart), or redraws an existing chart with a new spec. */
export function drawChart(
  canvas: HTMLCanvasElement,
  existing: Chart | undefined,
  spec: ChartSpec,
  theme: Theme,
  onPick: (runIds: string[]) => void,
): Chart {
  const c = config(spec, theme, onPick);
  if (existing && existing.canvas === canvas && (existing.config as { type?: string }).type === c.type) {
    bound.set(existing, { spec, theme });
    existing.data = c.data;
    existing.options = c.options as never;
    existing.update('none');
    return existing;
  }
  existing?.destroy();
  const chart = new Chart(canvas, c);
  bound.set(chart, { spec, theme });
  chart.update('none');
  return chart;
}

export function pointCount(spec: ChartSpec): number {
  return spec.series.reduce((n, s) => n + (s.guide ? 0 : s.points.filter((p) => p.y !== null).length), 0);
}

/** Where the first clickable point is drawn (canvas CSS pixels) and the runs behind it; tests click it. */
export function firstHit(chart: Chart, spec: ChartSpec): { x: number; y: number; runIds: string[] } | undefined {
  if (!spec.clickable) return undefined;
  for (let i = 0; i < spec.series.length; i++) {
    if (spec.series[i].guide) continue;
    const meta = chart.getDatasetMeta(i);
    for (let j = 0; j < meta.data.length; j++) {
      const p = pointAt(spec, i, j);
      const el = meta.data[j];
      if (p?.runIds?.length && Number.isFinite(el.x) && Number.isFinite(el.y))
        return { x: Math.round(el.x), y: Math.round(el.y), runIds: p.runIds };
    }
  }
  return undefined;
}
