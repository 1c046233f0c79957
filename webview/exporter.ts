// The PNG export: every figure of the tab in one image, laid out as on screen, each with its title and caption,
// on the editor's background, under a header naming the experiment and the tab.
import { exportCaption } from '../src/shared/charts/svg';
import type { Theme } from './theme';

function wrap(ctx: CanvasRenderingContext2D, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (ctx.measureText(next).width > width && line) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** Draws the cards under `grid` (elements with .card holding a canvas, an h3 and a .caption) into a PNG data URL. */
export function composePng(grid: HTMLElement, title: string, theme: Theme): string {
  // table cards are not drawn into the PNG (the CSV and SVG hold them)
  const cards = Array.from(grid.querySelectorAll<HTMLElement>('.card:not(.table)')).filter(
    (c) => !c.classList.contains('is-empty') && c.querySelector('canvas'),
  );
  if (!cards.length) throw new Error('this tab has no chart to export');
  const origin = grid.getBoundingClientRect();
  const pad = 16;
  const header = 34;
  const rects = cards.map((c) => c.getBoundingClientRect());
  const width = Math.ceil(Math.max(...rects.map((r) => r.right)) - origin.left) + 2 * pad;
  const height = Math.ceil(Math.max(...rects.map((r) => r.bottom)) - origin.top) + 2 * pad + header;
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  const out = document.createElement('canvas');
  out.width = Math.round(width * dpr);
  out.height = Math.round(height * dpr);
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.scale(dpr, dpr);
  ctx.fillStyle = theme.bg;
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = theme.fg;
  ctx.textBaseline = 'top';
  ctx.font = `600 ${theme.fontSize + 3}px ${theme.font}`;
  ctx.fillText(title, pad, pad);
  cards.forEach((card, i) => {
    const r = rects[i];
    const x = r.left - origin.left + pad;
    const y = r.top - origin.top + pad + header;
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, r.width - 1, r.height - 1);
    const h3 = card.querySelector('h3');
    const canvas = card.querySelector('canvas')!;
    const cr = canvas.getBoundingClientRect();
    if (h3) {
      const hr = h3.getBoundingClientRect();
      ctx.fillStyle = theme.fg;
      ctx.font = `600 ${theme.fontSize}px ${theme.font}`;
      wrap(ctx, h3.textContent ?? '', hr.width).forEach((line, k) =>
        ctx.fillText(line, hr.left - origin.left + pad, hr.top - origin.top + pad + header + k * (theme.fontSize + 4)),
      );
    }
    if (canvas.width > 0 && canvas.height > 0 && cr.width > 0)
      ctx.drawImage(canvas, cr.left - origin.left + pad, cr.top - origin.top + pad + header, cr.width, cr.height);
    const cap = card.querySelector<HTMLElement>('.caption');
    if (cap) {
      const pr = cap.getBoundingClientRect();
      ctx.fillStyle = theme.muted;
      ctx.font = `${theme.fontSize - 1}px ${theme.font}`;
      // the "Click a point ..." hints mean nothing in a file
      wrap(ctx, exportCaption(cap.textContent ?? ''), pr.width).forEach((line, k) =>
        ctx.fillText(line, pr.left - origin.left + pad, pr.top - origin.top + pad + header + k * (theme.fontSize + 3)),
      );
    }
  });
  return out.toDataURL('image/png');
}
