// A heatmap of first-layer energy per eigen-direction over training, drawn straight on a canvas (chart.js has no
// heatmap): rows are directions, columns the recorded steps, colour the share on a log scale from the background to
// the run's colour. The teacher's row is outlined.
import type { HeatmapSpec } from '../src/shared/charts/spec';
import type { Theme } from './theme';

const FLOOR = 1e-4;

function mix(bg: [number, number, number], fg: [number, number, number], t: number): string {
  return `rgb(${bg.map((b, i) => Math.round(b + (fg[i] - b) * t)).join(',')})`;
}

/** The r, g, b of a colour as the canvas understands it (any CSS colour). */
function rgbOf(ctx: CanvasRenderingContext2D, color: string): [number, number, number] {
  ctx.fillStyle = '#000';
  ctx.fillStyle = color;
  const v = ctx.fillStyle as string;
  if (v.startsWith('#')) return [1, 3, 5].map((i) => parseInt(v.slice(i, i + 2), 16)) as [number, number, number];
  const m = /rgba?\(([^)]+)\)/.exec(v);
  return m
    ? (m[1]
        .split(',')
        .slice(0, 3)
        .map((x) => Number.parseFloat(x)) as [number, number, number])
    : [128, 128, 128];
}

export function drawHeatmap(canvas: HTMLCanvasElement, spec: HeatmapSpec, theme: Theme): number {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(160, canvas.parentElement?.clientWidth ?? 300);
  const h = Math.max(120, canvas.parentElement?.clientHeight ?? 170);
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return 0;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = theme.bg;
  ctx.fillRect(0, 0, w, h);
  const rows = spec.rows.length;
  const cols = spec.cols.length;
  const font = `${theme.fontSize - 2}px ${theme.font}`;
  ctx.font = `600 ${font}`;
  const left =
    10 + Math.max(...spec.rows.map((r, i) => ctx.measureText(i === spec.highlightRow ? `teacher ${r}` : r).width));
  const right = 8;
  const top = 6;
  const bottom = 34;
  const pw = w - left - right;
  const ph = h - top - bottom;
  ctx.font = font;
  ctx.textBaseline = 'middle';
  if (!rows || !cols) {
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'center';
    ctx.fillText(spec.empty ?? 'no data', w / 2, h / 2);
    return 0;
  }
  const bg = rgbOf(ctx, theme.bg);
  const fg = rgbOf(ctx, spec.color);
  const cw = pw / cols;
  const rh = ph / rows;
  const lf = Math.log10(FLOOR);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = spec.values[i]?.[j] ?? 0;
      const t = v > 0 ? Math.min(1, Math.max(0, (Math.log10(Math.max(v, FLOOR)) - lf) / -lf)) : 0;
      ctx.fillStyle = mix(bg, fg, 0.06 + 0.94 * t);
      ctx.fillRect(left + j * cw, top + i * rh, Math.ceil(cw) + 0.5, Math.ceil(rh) + 0.5);
    }
  }
  ctx.fillStyle = theme.muted;
  ctx.textAlign = 'right';
  const every = Math.ceil(rows / Math.max(1, Math.floor(ph / 12)));
  for (let i = 0; i < rows; i++) {
    const teacher = i === spec.highlightRow;
    if (!teacher && i % every) continue;
    ctx.fillStyle = teacher ? theme.fg : theme.muted;
    ctx.font = teacher ? `600 ${font}` : font;
    ctx.fillText(teacher ? `teacher ${spec.rows[i]}` : spec.rows[i], left - 5, top + (i + 0.5) * rh);
  }
  if (spec.highlightRow !== undefined && spec.highlightRow < rows) {
    ctx.strokeStyle = theme.fg;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(left + 0.75, top + spec.highlightRow * rh + 0.75, pw - 1.5, rh - 1.5);
  }
  ctx.font = font;
  ctx.fillStyle = theme.muted;
  ctx.textBaseline = 'top';
  const ticks = [0, Math.floor((cols - 1) / 2), cols - 1].filter((v, k, a) => a.indexOf(v) === k);
  for (const j of ticks) {
    ctx.textAlign = j === 0 ? 'left' : j === cols - 1 ? 'right' : 'center';
    const x = j === 0 ? left : j === cols - 1 ? left + pw : left + (j + 0.5) * cw;
    ctx.fillText(String(spec.cols[j]), x, top + ph + 4);
  }
  ctx.textAlign = 'center';
  ctx.fillText(`${spec.colLabel} →`, left + pw / 2, top + ph + 18);
  return rows * cols;
}
