// Colours of runs, shared by the Experiments tree (an icon per colour, media/webview/runs/run-N.svg) and the panels'
// curves, so a run looks the same in both. A run's colour is its position in the natural order of its experiment's
// run ids (the runs in the store plus those a live sweep has queued: the set the tree shows). The palette is
// readable on light and dark themes; it repeats after its last colour, as every categorical palette must.

export const RUN_PALETTE = [
  '#3d8ee0', // blue
  '#f28e2b', // orange
  '#d9484c', // red
  '#4ea64a', // green
  '#a461c9', // purple
  '#17a9bf', // cyan
  '#d4a20b', // gold
  '#e86fae', // pink
  '#9c6b4e', // brown
  '#6f7ff0', // indigo
  '#8fb31d', // olive
  '#c2577a', // rose
] as const;

const NUMBER = /-?\d+(?:\.\d+)?(?:e-?\d+)?/g;

/** Natural order of run ids: numbers inside compare as numbers, negatives included (p-2 < p0 < p2). */
export function compareRunIds(a: string, b: string): number {
  const split = (s: string): (string | number)[] => {
    const out: (string | number)[] = [];
    let last = 0;
    for (const m of s.matchAll(NUMBER)) {
      // "s42-..." style separators: a '-' right after a letter or digit is a separator, not a sign
      let start = m.index!;
      let text = m[0];
      if (text.startsWith('-') && start > 0 && /[0-9]/.test(s[start - 1])) {
        start++;
        text = text.slice(1);
      }
      if (start > last) out.push(s.slice(last, start));
      out.push(Number(text));
      last = start + text.length;
    }
    if (last < s.length) out.push(s.slice(last));
    return out;
  };
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const u = x[i];
    const v = y[i];
    if (u === v) continue;
    if (typeof u === 'number' && typeof v === 'number') return u - v;
    const c = String(u) < String(v) ? -1 : 1;
    return c;
  }
  return x.length - y.length;
}

/** Run id -> palette index, for every id of one experiment. */
export function runColorIndices(ids: Iterable<string>): Map<string, number> {
  const sorted = [...new Set(ids)].sort(compareRunIds);
  return new Map(sorted.map((id, i) => [id, i % RUN_PALETTE.length]));
}

/** Run id -> colour (#rrggbb), for every id of one experiment. */
export function assignRunColors(ids: Iterable<string>): Map<string, string> {
  return new Map([...runColorIndices(ids)].map(([id, i]) => [id, RUN_PALETTE[i]]));
}

/** Ramp for "one line per p": small p blue, p = -1 (whitening) teal, large p red. */
const P_RAMP = ['#3b6fd8', '#1f9e8f', '#7aa329', '#e08a1e', '#d2433f'];

/** A colour per value of an ordered axis (p or SNR): the ramp spread over the distinct values, in order. */
export function rampColor(value: number, values: readonly number[]): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const i = sorted.indexOf(value);
  if (sorted.length <= 1 || i < 0) return P_RAMP[0];
  const t = (i / (sorted.length - 1)) * (P_RAMP.length - 1);
  const lo = Math.floor(t);
  const hi = Math.min(P_RAMP.length - 1, lo + 1);
  return mix(P_RAMP[lo], P_RAMP[hi], t - lo);
}

function mix(a: string, b: string, t: number): string {
  const pa = [1, 3, 5].map((k) => parseInt(a.slice(k, k + 2), 16));
  const pb = [1, 3, 5].map((k) => parseInt(b.slice(k, k + 2), 16));
  return `#${pa
    .map((v, k) =>
      Math.round(v + (pb[k] - v) * t)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

/** The SVG of a tree icon: a disc in the run's colour with a check mark (a finished run). */
export function runIconSvg(color: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">` +
    `<circle cx="8" cy="8" r="6.5" fill="${color}" stroke="#00000040" stroke-width="1"/>` +
    '<path d="M5 8.2l2 2 4-4.2" fill="none" stroke="#ffffff" stroke-width="1.6" stroke-linecap="round" ' +
    'stroke-linejoin="round"/>' +
    `</svg>\n`
  );
}
