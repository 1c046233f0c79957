// How numbers and table cells print, for the panels, the tree, the CLI's tables and CSV exports. Missing or
// non-finite values print as MISSING in text and as an empty cell in CSV (what spreadsheets read as no value).

export const MISSING = '–';

const missing = (v: number | undefined | null): v is undefined | null =>
  v === undefined || v === null || !Number.isFinite(v);

/** Short number for labels: 0.5, 1.08, 1e-3, 2.1e+5. */
export function fmt(v: number | undefined | null): string {
  if (missing(v)) return MISSING;
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(4)));
}

/** Fixed decimals for aligned table columns: 0.5000, 1.0800, 1.00e-3, 2.10e+5. */
export function fmtFixed(v: number | undefined | null, digits = 4): string {
  if (missing(v)) return MISSING;
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(digits);
}

/** A percentage with one decimal: 0.123 -> 12.3%. */
export const fmtPercent = (v: number | undefined | null): string => (missing(v) ? MISSING : `${(100 * v).toFixed(1)}%`);

/** One RFC 4180 CSV cell: quoted where it holds a quote, comma or line end; empty when missing. */
function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows of cells as RFC 4180 CSV (CRLF line ends, a final CRLF). */
export const toCsv = (rows: readonly (readonly unknown[])[]): string =>
  rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
