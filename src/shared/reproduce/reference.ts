// Reference points: numbers measured with other code (the authors' scripts), shown beside the lab's in the Figure 1
// summary and in the reproduction report. They live in one data file, media/reference-points.json, that a user can
// extend; `precond-lab reproduce --reference FILE` adds a file of the same shape.
import bundled from '../../../media/reference-points.json';
import { PAPER_CASES as CASES } from '../config'; // the paper reports Case High and Low only

export interface ReferenceSeries {
  source: string;
  note?: string;
  /** the preset (corrected name, e.g. fig1-cov) whose runs these numbers stand beside */
  preset: string;
  case: (typeof CASES)[number];
  snr: number;
  seed: number;
  /** a final metric name: testMSE, task2TestMSE, oodLeftAcc, ... */
  metric: string;
  p: number[];
  values: number[];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Reads a reference file's parsed JSON; throws an Error naming every bad field (where: the file's name). */
export function parseReference(raw: unknown, where: string): ReferenceSeries[] {
  const problems: string[] = [];
  const list = raw && typeof raw === 'object' ? (raw as { series?: unknown }).series : undefined;
  if (!Array.isArray(list)) throw new Error(`${where}: expected an object with a "series" list`);
  const out: ReferenceSeries[] = [];
  list.forEach((s: unknown, i) => {
    const at = `${where}: series[${i}]`;
    if (!s || typeof s !== 'object') return void problems.push(`${at}: not an object`);
    const o = s as Record<string, unknown>;
    const bad: string[] = [];
    if (typeof o.source !== 'string' || !o.source) bad.push('source (a non-empty string)');
    if (o.note !== undefined && typeof o.note !== 'string') bad.push('note (a string)');
    if (typeof o.preset !== 'string' || !o.preset) bad.push('preset (a preset name)');
    if (!CASES.includes(o.case as (typeof CASES)[number])) bad.push(`case (${CASES.join(' or ')})`);
    if (!isNum(o.snr) || o.snr <= 0) bad.push('snr (a positive number)');
    if (!isNum(o.seed)) bad.push('seed (a number)');
    if (typeof o.metric !== 'string' || !o.metric) bad.push('metric (a final metric name)');
    const p = o.p;
    const values = o.values;
    if (!Array.isArray(p) || !p.every(isNum)) bad.push('p (a list of numbers)');
    if (!Array.isArray(values) || !values.every(isNum)) bad.push('values (a list of numbers)');
    else if (Array.isArray(p) && p.length !== values.length) bad.push('values (as many as p)');
    if (bad.length) return void problems.push(`${at}: bad or missing ${bad.join(', ')}`);
    out.push({
      source: o.source as string,
      ...(o.note !== undefined ? { note: o.note as string } : {}),
      preset: o.preset as string,
      case: o.case as ReferenceSeries['case'],
      snr: o.snr as number,
      seed: o.seed as number,
      metric: o.metric as string,
      p: [...(p as number[])],
      values: [...(values as number[])],
    });
  });
  if (problems.length) throw new Error(problems.join('\n'));
  return out;
}

/** The reference points shipped with the lab (media/reference-points.json). */
export const REFERENCE: readonly ReferenceSeries[] = parseReference(bundled, 'media/reference-points.json');

/** The series for one preset (its corrected name; `-paper` and `-quick` suffixes are stripped) and metric. */
export function referenceFor(
  experimentName: string,
  metric: string,
  series: readonly ReferenceSeries[] = REFERENCE,
): ReferenceSeries[] {
  const base = experimentName.replace(/-quick$/, '').replace(/-paper$/, '');
  return series.filter((s) => s.preset === base && s.metric === metric);
}
