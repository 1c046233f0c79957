// The SVG export of a tab: every figure drawn from its spec (not from the screen) as vector graphics, so the file
// scales, can be edited in Inkscape or Illustrator and dropped into a paper. Charts: axes with ticks (linear, log,
// category), lines, points, bars, error bars, guides, markers, point labels and the legend; heatmaps as cells;
// tables as text. Each series is one <g class="series" data-label="..."> so a reader (or a test) can find it.
// Captions lose their "Click ..." hints, which mean nothing on paper (the PNG export drops them too). Pure: no DOM.
import { fmt } from '../format';
import { placeLabels } from './labelPlacement';
import type { Axis, ChartSpec, Figure, HeatmapSpec, Series, TableSpec } from './spec';

export interface SvgTheme {
  bg: string;
  fg: string;
  muted: string;
  grid: string;
  border: string;
  font: string;
  fontSize: number;
  /** a spec colour ('theme:fg', '#rrggbb') as a CSS colour */
  resolve: (c: string) => string;
}

/** A caption as an export shows it: without the hints about clicking, which only the live panel can honour. */
export const exportCaption = (caption: string): string =>
  caption
    .replace(/\s*Click (?:a|on a|the)\b[^.]*\.\s*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const n2 = (v: number): string => (Number.isFinite(v) ? String(Math.round(v * 100) / 100) : '0');

const FIG_W = 640;
const CHART_H = 320;
const COLS = 2;
const GAP = 16;

/** Rough text width (no font metrics without a DOM): wide enough for wrapping and label placement. */
const textWidth = (s: string, size: number): number => s.length * size * 0.56;

function wrap(text: string, width: number, size: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (textWidth(next, size) > width && line) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

interface Scale {
  at: (v: number | string) => number;
  ticks: { v: number | string; text: string }[];
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / mag;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * mag;
}

function makeScale(axis: Axis, values: number[], lo: number, hi: number, horizontal: boolean): Scale {
  const span = hi - lo;
  const pos = (t: number): number => (horizontal ? lo + t * span : hi - t * span);
  const text = (v: number): string => (axis.percent ? `${fmt(Math.round(v * 1e7) / 1e5)}%` : fmt(v));
  if (axis.type === 'category') {
    const cats = axis.categories ?? [];
    const at = (v: number | string): number => {
      const i = typeof v === 'number' ? v : cats.indexOf(v);
      return pos((i + 0.5) / Math.max(1, cats.length));
    };
    return { at, ticks: cats.map((c) => ({ v: c, text: c })) };
  }
  const finite = values.filter((v) => Number.isFinite(v) && (axis.type !== 'log' || v > 0));
  let dmin = axis.min ?? (finite.length ? Math.min(...finite) : 0);
  let dmax = axis.max ?? (finite.length ? Math.max(...finite) : 1);
  if (axis.type === 'log') {
    dmin = Math.max(dmin, 1e-12);
    if (!(dmax > dmin)) dmax = dmin * 10;
    const l0 = Math.log10(dmin);
    const l1 = Math.log10(dmax);
    const at = (v: number | string): number => pos((Math.log10(Math.max(Number(v), 1e-300)) - l0) / (l1 - l0));
    const ticks: { v: number; text: string }[] = [];
    const decades = l1 - l0;
    const mants = decades < 1.2 ? [1, 1.5, 2, 3, 4, 5, 6, 8] : decades < 3 ? [1, 2, 5] : [1];
    for (let e = Math.floor(l0); e <= Math.ceil(l1); e++)
      for (const m of mants) {
        const v = m * Math.pow(10, e);
        if (v >= dmin * 0.999 && v <= dmax * 1.001) ticks.push({ v, text: text(v) });
      }
    return { at, ticks };
  }
  if (!(dmax > dmin)) {
    dmax = dmin + 1;
    dmin -= 0;
  }
  const step = niceStep(dmax - dmin, 5);
  if (axis.min === undefined) dmin = Math.floor(dmin / step) * step;
  if (axis.max === undefined) dmax = Math.ceil(dmax / step) * step;
  // a little room at the ends of a horizontal axis, so points and error bars there are drawn whole
  const room = horizontal ? 0.03 * (dmax - dmin) : 0;
  const t0 = dmin;
  const t1 = dmax;
  if (axis.min === undefined) dmin -= room;
  if (axis.max === undefined) dmax += room;
  const at = (v: number | string): number => pos((Number(v) - dmin) / (dmax - dmin));
  const ticks: { v: number; text: string }[] = [];
  for (let v = t0; v <= t1 + step * 1e-6; v += step) {
    const r = Math.round(v / step) * step;
    ticks.push({ v: r, text: text(Math.abs(r) < step * 1e-9 ? 0 : r) });
  }
  return { at, ticks };
}

function legendEntries(spec: ChartSpec, t: SvgTheme): { label: string; color: string; dash?: number[] }[] {
  if (!spec.legend) return [];
  if (spec.legendItems)
    return spec.legendItems.map((l) => ({ label: l.label, color: t.resolve(l.color), dash: l.dash }));
  return spec.series.filter((s) => s.label).map((s) => ({ label: s.label, color: t.resolve(s.color), dash: s.dash }));
}

function chartSvg(spec: ChartSpec, w: number, t: SvgTheme): { body: string; height: number } {
  const size = t.fontSize;
  const legend = legendEntries(spec, t);
  // legend rows under the plot
  const rows: { label: string; color: string; dash?: number[]; x: number }[][] = [[]];
  let x = 0;
  for (const l of legend) {
    const lw = 26 + textWidth(l.label, size - 1) + 14;
    if (x + lw > w && rows[rows.length - 1].length) {
      rows.push([]);
      x = 0;
    }
    rows[rows.length - 1].push({ ...l, x });
    x += lw;
  }
  const legendH = legend.length ? rows.length * (size + 6) + 6 : 0;
  const m = { left: 62, right: 14, top: spec.markers?.length ? 22 : 8, bottom: 42 };
  const ph = CHART_H - m.top - m.bottom;
  const pw = w - m.left - m.right;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series)
    for (const p of s.points) {
      if (typeof p.x === 'number') xs.push(p.x);
      if (p.y !== null) ys.push(p.y);
      if (p.lo !== undefined) ys.push(p.lo);
      if (p.hi !== undefined) ys.push(p.hi);
    }
  const bars = spec.series.filter((s) => s.kind === 'bar');
  if (bars.length && spec.y.type !== 'log' && spec.y.min === undefined) ys.push(0);
  const sx = makeScale(spec.x, xs, m.left, m.left + pw, true);
  const sy = makeScale(spec.y, ys, m.top, m.top + ph, false);
  const out: string[] = [];
  // grid and ticks
  out.push(`<g class="axes" font-size="${size - 1}" fill="${esc(t.muted)}">`);
  for (const tk of sy.ticks) {
    const y = n2(sy.at(tk.v));
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="${esc(t.grid)}"/>`,
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(tk.text)}</text>`,
    );
  }
  const every = Math.max(1, Math.ceil(sx.ticks.length / Math.max(1, Math.floor(pw / 70))));
  sx.ticks.forEach((tk, i) => {
    const xx = n2(sx.at(tk.v));
    out.push(`<line x1="${xx}" x2="${xx}" y1="${m.top}" y2="${m.top + ph}" stroke="${esc(t.grid)}"/>`);
    if (spec.x.type === 'category' || i % every === 0)
      out.push(`<text x="${xx}" y="${m.top + ph + size + 2}" text-anchor="middle">${esc(tk.text)}</text>`);
  });
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="${esc(t.border)}"/>`,
    `<text x="${m.left + pw / 2}" y="${m.top + ph + 2 * size + 8}" text-anchor="middle">${esc(spec.x.label)}</text>`,
    `<text transform="translate(${14},${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.y.label)}</text>`,
    '</g>',
  );
  // series: clipped to the plot
  const clip = `clip-${spec.id.replace(/[^A-Za-z0-9_-]/g, '')}`;
  out.push(
    `<clipPath id="${clip}"><rect x="${m.left - 6}" y="${m.top - 6}" width="${pw + 12}" height="${ph + 12}"/></clipPath>`,
  );
  out.push(`<g clip-path="url(#${clip})">`);
  const labels: { x: number; y: number; text: string }[] = [];
  const barW = spec.x.type === 'category' ? (pw / Math.max(1, spec.x.categories?.length ?? 1)) * 0.8 : 10;
  spec.series.forEach((s: Series) => {
    const color = esc(t.resolve(s.color));
    const dash = s.dash?.length ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
    const width = s.width ?? (s.guide ? 1.25 : 2);
    const g: string[] = [
      `<g class="series${s.guide ? ' guide' : ''}" data-label="${esc(s.label)}" data-kind="${s.kind}">`,
    ];
    const pts = s.points.filter((p) => p.y !== null && (spec.y.type !== 'log' || (p.y as number) > 0));
    if (s.kind === 'line') {
      const d = pts.map((p, i) => `${i ? 'L' : 'M'}${n2(sx.at(p.x))},${n2(sy.at(p.y as number))}`).join('');
      if (d) g.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${width}"${dash}/>`);
      if (s.markers)
        for (const p of pts)
          g.push(`<circle cx="${n2(sx.at(p.x))}" cy="${n2(sy.at(p.y as number))}" r="3" fill="${color}"/>`);
    } else if (s.kind === 'points') {
      for (const p of pts)
        g.push(`<circle cx="${n2(sx.at(p.x))}" cy="${n2(sy.at(p.y as number))}" r="4" fill="${color}"/>`);
    } else {
      const k = bars.indexOf(s);
      const bw = barW / Math.max(1, bars.length);
      for (const p of pts) {
        const x0 = sx.at(p.x) - barW / 2 + k * bw;
        const y0 = sy.at(p.y as number);
        const base = sy.at(spec.y.type === 'log' ? (sy.ticks[0]?.v as number) : 0);
        g.push(
          `<rect x="${n2(x0)}" y="${n2(Math.min(y0, base))}" width="${n2(bw)}" height="${n2(Math.abs(base - y0))}" fill="${color}" fill-opacity="0.8"/>`,
        );
      }
    }
    for (const p of pts) {
      if (p.lo !== undefined && p.hi !== undefined) {
        const px = sx.at(p.x) + (s.kind === 'bar' ? -barW / 2 + (bars.indexOf(s) + 0.5) * (barW / bars.length) : 0);
        const lo = sy.at(p.lo);
        const hi = sy.at(p.hi);
        g.push(
          `<path d="M${n2(px)},${n2(lo)}L${n2(px)},${n2(hi)}M${n2(px - 4)},${n2(lo)}L${n2(px + 4)},${n2(lo)}M${n2(px - 4)},${n2(hi)}L${n2(px + 4)},${n2(hi)}" stroke="${s.kind === 'bar' ? esc(t.fg) : color}" stroke-width="1.5" fill="none"/>`,
        );
      }
      if (p.label) labels.push({ x: sx.at(p.x), y: sy.at(p.y as number), text: p.label });
    }
    g.push('</g>');
    out.push(g.join(''));
  });
  out.push('</g>');
  if (labels.length) {
    const boxes = placeLabels(
      labels.map((l) => ({ x: l.x, y: l.y, width: textWidth(l.text, size - 2), height: size })),
    );
    out.push(`<g class="point-labels" font-size="${size - 2}" fill="${esc(t.fg)}">`);
    labels.forEach((l, i) => {
      const b = boxes[i];
      if (b.moved)
        out.push(
          `<line x1="${n2(l.x)}" y1="${n2(l.y)}" x2="${n2(b.left)}" y2="${n2(b.top + b.height / 2)}" stroke="${esc(t.muted)}"/>`,
        );
      out.push(`<text x="${n2(b.left)}" y="${n2(b.top + size - 2)}">${esc(l.text)}</text>`);
    });
    out.push('</g>');
  }
  for (const mk of spec.markers ?? []) {
    const px = n2(sx.at(mk.x));
    out.push(
      `<g class="marker"><line x1="${px}" x2="${px}" y1="${m.top}" y2="${m.top + ph}" stroke="${esc(t.fg)}" stroke-dasharray="4 3"/>` +
        `<text x="${px}" y="${m.top - 4}" font-size="${size - 1}" fill="${esc(t.fg)}" text-anchor="middle">▼ ${esc(mk.label)}</text></g>`,
    );
  }
  if (legend.length) {
    out.push(`<g class="legend" font-size="${size - 1}" fill="${esc(t.fg)}">`);
    rows.forEach((row, r) => {
      const y = CHART_H + 4 + r * (size + 6) + size / 2;
      for (const e of row) {
        const dash = e.dash?.length ? ` stroke-dasharray="${e.dash.join(' ')}"` : '';
        out.push(
          `<g class="legend-item"><line x1="${e.x}" x2="${e.x + 20}" y1="${n2(y)}" y2="${n2(y)}" stroke="${esc(e.color)}" stroke-width="3"${dash}/>` +
            `<text x="${e.x + 26}" y="${n2(y)}" dominant-baseline="middle">${esc(e.label)}</text></g>`,
        );
      }
    });
    out.push('</g>');
  }
  if (spec.empty && !spec.series.some((s) => !s.guide && s.points.some((p) => p.y !== null)))
    out.push(
      `<text x="${m.left + pw / 2}" y="${m.top + ph / 2}" text-anchor="middle" fill="${esc(t.muted)}">${esc(spec.empty)}</text>`,
    );
  return { body: out.join('\n'), height: CHART_H + legendH };
}

function heatmapSvg(spec: HeatmapSpec, w: number, t: SvgTheme): { body: string; height: number } {
  const size = t.fontSize - 2;
  const height = 200;
  const left = 12 + Math.max(0, ...spec.rows.map((r) => textWidth(r, size)));
  const top = 4;
  const bottom = 30;
  const pw = w - left - 8;
  const ph = height - top - bottom;
  const rows = spec.rows.length;
  const cols = spec.cols.length;
  if (!rows || !cols)
    return {
      body: `<text x="${w / 2}" y="${height / 2}" text-anchor="middle" fill="${esc(t.muted)}">${esc(spec.empty ?? 'no data')}</text>`,
      height,
    };
  const floor = 1e-4;
  const out: string[] = [`<g class="heatmap" data-label="${esc(spec.title)}">`];
  const cw = pw / cols;
  const rh = ph / rows;
  const color = esc(t.resolve(spec.color));
  for (let r = 0; r < rows; r++) {
    out.push(
      `<text x="${n2(left - 6)}" y="${n2(top + (r + 0.5) * rh)}" font-size="${size}" fill="${esc(t.muted)}" text-anchor="end" dominant-baseline="middle">${esc(spec.rows[r])}</text>`,
    );
    for (let c = 0; c < cols; c++) {
      const v = spec.values[r]?.[c] ?? 0;
      const a = Math.max(0, Math.min(1, (Math.log10(Math.max(v, floor)) - Math.log10(floor)) / -Math.log10(floor)));
      out.push(
        `<rect x="${n2(left + c * cw)}" y="${n2(top + r * rh)}" width="${n2(cw + 0.3)}" height="${n2(rh + 0.3)}" fill="${color}" fill-opacity="${n2(a)}"/>`,
      );
    }
  }
  if (spec.highlightRow !== undefined)
    out.push(
      `<rect x="${n2(left)}" y="${n2(top + spec.highlightRow * rh)}" width="${n2(pw)}" height="${n2(rh)}" fill="none" stroke="${esc(t.fg)}" stroke-width="1.5"/>`,
    );
  out.push(
    `<text x="${n2(left)}" y="${height - 14}" font-size="${size}" fill="${esc(t.muted)}">${esc(fmt(spec.cols[0]))}</text>`,
    `<text x="${n2(left + pw)}" y="${height - 14}" font-size="${size}" fill="${esc(t.muted)}" text-anchor="end">${esc(fmt(spec.cols[cols - 1]))}</text>`,
    `<text x="${n2(left + pw / 2)}" y="${height - 2}" font-size="${size}" fill="${esc(t.muted)}" text-anchor="middle">${esc(spec.colLabel)}</text>`,
    '</g>',
  );
  return { body: out.join('\n'), height };
}

const MAX_TABLE_ROWS = 60;

function tableSvg(spec: TableSpec, t: SvgTheme): { body: string; height: number; width: number } {
  const size = t.fontSize - 1;
  const rows = spec.rows.slice(0, MAX_TABLE_ROWS);
  const cell = (v: string | number | null): string => (v === null ? '–' : typeof v === 'number' ? fmt(v) : v);
  const widths = spec.columns.map((c, i) =>
    Math.min(260, Math.max(textWidth(c.label, size), ...rows.map((r) => textWidth(cell(r.cells[i]), size))) + 14),
  );
  const lh = size + 8;
  const out: string[] = [`<g class="table" font-size="${size}" fill="${esc(t.fg)}">`];
  let x = 0;
  spec.columns.forEach((c, i) => {
    out.push(`<text x="${n2(x + 4)}" y="${lh - 6}" font-weight="600">${esc(c.label)}</text>`);
    x += widths[i];
  });
  out.push(`<line x1="0" x2="${n2(x)}" y1="${lh}" y2="${lh}" stroke="${esc(t.border)}"/>`);
  rows.forEach((r, k) => {
    const y = (k + 1) * lh;
    let cx = 0;
    r.cells.forEach((v, i) => {
      if (r.highlight?.[i])
        out.push(
          `<rect x="${n2(cx)}" y="${n2(y + 1)}" width="${n2(widths[i])}" height="${lh - 2}" fill="#ea5c00" fill-opacity="0.25"/>`,
        );
      out.push(`<text x="${n2(cx + 4)}" y="${n2(y + lh - 6)}">${esc(cell(v))}</text>`);
      cx += widths[i];
    });
  });
  const more = spec.rows.length - rows.length;
  if (more > 0)
    out.push(
      `<text x="4" y="${(rows.length + 2) * lh - 6}" fill="${esc(t.muted)}">… ${more} more rows (in the CSV)</text>`,
    );
  out.push('</g>');
  return { body: out.join('\n'), height: (rows.length + (more > 0 ? 2 : 1)) * lh + 4, width: x };
}

/** The figures of a tab as one SVG document, laid out two to a row (tables and wide charts take a row each). */
export function figuresToSvg(figures: readonly Figure[], title: string, t: SvgTheme): string {
  const pad = 16;
  const titleH = t.fontSize + 18;
  const parts: string[] = [];
  let y = pad + titleH;
  let col = 0;
  let rowH = 0;
  let width = COLS * FIG_W + (COLS - 1) * GAP + 2 * pad;
  const block = (f: Figure, x: number, y0: number, w: number): number => {
    const titleLines = wrap(f.title, w - 16, t.fontSize);
    const r =
      f.kind === 'chart' ? chartSvg(f, w - 16, t) : f.kind === 'heatmap' ? heatmapSvg(f, w - 16, t) : tableSvg(f, t);
    const caption = wrap(exportCaption(f.caption), w - 16, t.fontSize - 1);
    const head = titleLines.length * (t.fontSize + 4) + 8;
    const h = head + r.height + caption.length * (t.fontSize + 3) + 16;
    parts.push(
      `<g class="figure" data-figure="${esc(f.id)}" data-kind="${f.kind}" transform="translate(${n2(x)},${n2(y0)})">`,
      `<rect x="0.5" y="0.5" width="${n2(w - 1)}" height="${n2(h - 1)}" rx="4" fill="none" stroke="${esc(t.border)}"/>`,
      ...titleLines.map(
        (l, k) =>
          `<text x="8" y="${8 + (k + 1) * (t.fontSize + 4) - 4}" font-weight="600" font-size="${t.fontSize}" fill="${esc(t.fg)}">${esc(l)}</text>`,
      ),
      `<g transform="translate(8,${head})">${r.body}</g>`,
      ...caption.map(
        (l, k) =>
          `<text class="caption" x="8" y="${n2(head + r.height + 4 + (k + 1) * (t.fontSize + 3))}" font-size="${t.fontSize - 1}" fill="${esc(t.muted)}">${esc(l)}</text>`,
      ),
      '</g>',
    );
    return h;
  };
  for (const f of figures) {
    const wide = f.kind === 'table';
    if (wide) {
      if (col) {
        y += rowH + GAP;
        col = 0;
        rowH = 0;
      }
      const tw = tableSvg(f, t).width + 32;
      width = Math.max(width, tw + 2 * pad);
      y += block(f, pad, y, Math.max(COLS * FIG_W + (COLS - 1) * GAP, tw)) + GAP;
      continue;
    }
    const h = block(f, pad + col * (FIG_W + GAP), y, FIG_W);
    rowH = Math.max(rowH, h);
    col++;
    if (col === COLS) {
      y += rowH + GAP;
      col = 0;
      rowH = 0;
    }
  }
  if (col) y += rowH + GAP;
  const height = Math.ceil(y + pad - GAP);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${height}" viewBox="0 0 ${Math.ceil(width)} ${height}" font-family="${esc(t.font)}">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="${esc(t.bg)}"/>`,
    `<text x="${pad}" y="${pad + t.fontSize + 3}" font-size="${t.fontSize + 3}" font-weight="600" fill="${esc(t.fg)}">${esc(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
