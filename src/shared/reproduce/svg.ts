// A small self-contained SVG line/marker chart for the reproduction report: numeric or categorical x, optional
// log-scale y, error bars, marker-only series. No external resources (fonts are the reader's sans-serif).

export interface SvgPoint {
  x: number;
  y: number;
  /** half-width of the error bar */
  err?: number;
}

export interface SvgSeries {
  name: string;
  color: string;
  points: SvgPoint[];
  /** markers only (reference points): no line, a larger hollow marker */
  markersOnly?: boolean;
  dashed?: boolean;
}

export interface SvgChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: SvgSeries[];
  /** categorical x: labels at x = 0, 1, ... */
  categories?: string[];
  logY?: boolean;
  width?: number;
  height?: number;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' }[c]};`);
}

const num = (v: number): string => (Math.round(v * 10) / 10).toString();

function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.round(t / step) * step);
  return out;
}

const label = (v: number): string =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(0) : `${+v.toPrecision(4)}`;

/** The chart as an inline <svg> element. */
export function renderSvg(chart: SvgChart): string {
  const W = chart.width ?? 420;
  const H = chart.height ?? 280;
  const m = { l: 58, r: 12, t: 28, b: 62 };
  const pts = chart.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y));
  const ty = (v: number): number => (chart.logY ? Math.log10(Math.max(v, 1e-300)) : v);
  const ys = pts.flatMap((p) => [
    ty(p.y - (p.err ?? 0) > 0 || !chart.logY ? p.y - (p.err ?? 0) : p.y),
    ty(p.y + (p.err ?? 0)),
  ]);
  const xs = chart.categories ? [-0.5, chart.categories.length - 0.5] : pts.map((p) => p.x);
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (y1 - y0 < 1e-12) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.06;
  y0 -= pad;
  y1 += pad;
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (x1 - x0 < 1e-12) [x0, x1] = [x0 - 1, x1 + 1];
  const xPad = chart.categories ? 0 : (x1 - x0) * 0.05;
  x0 -= xPad;
  x1 += xPad;
  const px = (x: number): number => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (v: number): number => H - m.b - ((ty(v) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" ` +
      `aria-label="${escapeXml(chart.title)}" font-family="sans-serif" font-size="11">`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(chart.title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`,
  ];
  // y ticks: on a log axis, powers of ten (or the decade's ends)
  const yTicks = chart.logY
    ? ticks(Math.floor(y0), Math.ceil(y1), Math.min(6, Math.max(1, Math.ceil(y1) - Math.floor(y0)))).filter(
        (t) => t >= y0 && t <= y1,
      )
    : ticks(y0, y1).filter((t) => t >= y0 && t <= y1);
  for (const t of yTicks) {
    const y = H - m.b - ((t - y0) / (y1 - y0)) * (H - m.t - m.b);
    out.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${num(y)}" y2="${num(y)}" stroke="#e3e3e3"/>`);
    out.push(
      `<text x="${m.l - 4}" y="${num(y + 4)}" text-anchor="end">${escapeXml(label(chart.logY ? 10 ** t : t))}</text>`,
    );
  }
  const xTicks = chart.categories ? chart.categories.map((_, i) => i) : ticks(x0 + xPad, x1 - xPad);
  for (const t of xTicks) {
    const text = chart.categories ? chart.categories[t] : label(t);
    out.push(`<text x="${num(px(t))}" y="${H - m.b + 14}" text-anchor="middle">${escapeXml(text)}</text>`);
  }
  out.push(
    `<text x="${m.l + (W - m.l - m.r) / 2}" y="${H - m.b + 30}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(13 ${m.t + (H - m.t - m.b) / 2}) rotate(-90)" text-anchor="middle">` +
      `${escapeXml(chart.yLabel)}</text>`,
  );
  chart.series.forEach((s) => {
    const ok = s.points.filter((p) => Number.isFinite(p.y) && (!chart.logY || p.y > 0));
    if (!s.markersOnly && ok.length > 1) {
      const d = ok.map((p, i) => `${i ? 'L' : 'M'}${num(px(p.x))} ${num(py(p.y))}`).join(' ');
      out.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
    }
    for (const p of ok) {
      if (p.err) {
        const lo = chart.logY ? Math.max(p.y - p.err, p.y / 100) : p.y - p.err;
        out.push(
          `<line x1="${num(px(p.x))}" x2="${num(px(p.x))}" y1="${num(py(lo))}" y2="${num(py(p.y + p.err))}" ` +
            `stroke="${s.color}"/>`,
        );
      }
      out.push(
        s.markersOnly
          ? `<rect x="${num(px(p.x) - 4.5)}" y="${num(py(p.y) - 4.5)}" width="9" height="9" fill="none" stroke="${s.color}" stroke-width="2"/>`
          : `<circle cx="${num(px(p.x))}" cy="${num(py(p.y))}" r="3" fill="${s.color}"/>`,
      );
    }
  });
  // legend below the axis label, in rows
  let lx = m.l;
  let ly = H - 24;
  for (const s of chart.series) {
    const w = 26 + s.name.length * 6.2;
    if (lx + w > W - m.r && lx > m.l) {
      lx = m.l;
      ly += 14;
    }
    out.push(
      s.markersOnly
        ? `<rect x="${num(lx + 4)}" y="${ly - 8}" width="8" height="8" fill="none" stroke="${s.color}" stroke-width="2"/>`
        : `<line x1="${num(lx)}" x2="${num(lx + 16)}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
    );
    out.push(`<text x="${num(lx + 20)}" y="${ly}">${escapeXml(s.name)}</text>`);
    lx += w;
  }
  out.push('</svg>');
  return out.join('\n');
}
