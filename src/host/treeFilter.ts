// The Experiments view's filter box: one line of words that filter, sort and group the runs in the tree. Plain data
// and no vscode, so the parser and the matching are unit-tested; treeModel.ts applies it, experimentsView.ts keeps
// the current one and shows it in the view's description.
//
//   p=0,1  case=high  status=done,diverged  testMSE<1.5  metric>=0.9  seed!=42   conditions (all must hold)
//   low_p2                                                                        a word: run id, label or experiment
//   sort:testMSE  sort:-p                                                         order of the runs (- descending)
//   group:seed,case  group:none                                                   grouping levels (none: a flat list)
//
// Keys are a run's parameters (case, p, snr, seed, optimizer...), `status` (or `state`), a final metric's name
// (testMSE, task2TestMSE, oodLeftAcc...) or `metric` (the headline number the run row shows).
import type { Params, ParamValue, RunState } from './runView';

export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface Condition {
  key: string;
  op: Op;
  /** `=` and `!=` take a list (any of); the order comparisons one number */
  values: string[];
}

export interface TreeQuery {
  conditions: Condition[];
  /** lower-case words matched against a run's id, its labels and its experiment's name */
  words: string[];
  sort?: { key: string; descending: boolean };
  /** grouping levels, outermost first; [] is a flat list; undefined groups by the axes the grid sweeps */
  group?: string[];
  /** the text it was parsed from, normalised (what the view shows) */
  text: string;
}

export const STATUS_KEYS = ['status', 'state'];
export const HEADLINE_KEY = 'metric';
const ORDER_OPS: Op[] = ['<', '<=', '>', '>='];

export class FilterError extends Error {}

const CONDITION = /^([A-Za-z_][\w.-]*)(!=|<=|>=|=|<|>)(.*)$/;

/** Parses the filter box's text; throws FilterError with what is wrong and how to write it. */
export function parseQuery(text: string): TreeQuery {
  const q: TreeQuery = { conditions: [], words: [], text: '' };
  const tokens = text.trim().split(/\s+/).filter(Boolean);
  for (const t of tokens) {
    const directive = /^(sort|group):(.*)$/i.exec(t);
    if (directive) {
      const [, kind, arg] = directive;
      if (kind.toLowerCase() === 'sort') {
        const m = /^(-?)([A-Za-z_][\w.-]*)$/.exec(arg);
        if (!m) throw new FilterError(`'${t}': write sort:KEY or sort:-KEY (descending), e.g. sort:testMSE`);
        q.sort = { key: m[2], descending: m[1] === '-' };
      } else {
        const axes = arg.split(',').filter(Boolean);
        if (!axes.length || axes.some((a) => !/^[A-Za-z_][\w.-]*$/.test(a)))
          throw new FilterError(`'${t}': write group:AXIS,AXIS (outermost first), e.g. group:seed,case, or group:none`);
        q.group = axes.length === 1 && axes[0].toLowerCase() === 'none' ? [] : axes;
      }
      continue;
    }
    const m = CONDITION.exec(t);
    if (m) {
      const [, key, op, rest] = m as unknown as [string, string, Op, string];
      const values = rest.split(',').filter((v) => v !== '');
      if (!values.length) throw new FilterError(`'${t}': no value after ${op} (e.g. ${key}${op}0)`);
      if (ORDER_OPS.includes(op)) {
        if (values.length > 1 || !Number.isFinite(Number(values[0])))
          throw new FilterError(`'${t}': ${op} compares with one number, e.g. ${key}${op}1.5`);
        if (STATUS_KEYS.includes(key)) throw new FilterError(`'${t}': status takes = or !=, e.g. status=done,failed`);
      }
      q.conditions.push({ key, op, values });
      continue;
    }
    if (/[=<>!]/.test(t))
      throw new FilterError(`'${t}' is not a condition: write KEY=VALUE, KEY!=VALUE or KEY<NUMBER (e.g. p=0,1)`);
    q.words.push(t.toLowerCase());
  }
  q.text = tokens.join(' ');
  return q;
}

/** True when the query leaves runs out (conditions or words); sort and group only rearrange. */
export const filters = (q: TreeQuery | undefined): boolean => !!q && (q.conditions.length > 0 || q.words.length > 0);

/** What a condition or a sort reads from one run. */
export interface RunFacts {
  id: string;
  experiment: string;
  params: Params;
  state: RunState;
  final?: Readonly<Record<string, number>>;
  /** the headline number (what the row shows) */
  headline?: number;
  /** the run's label and its groups' labels, for words */
  labels: string[];
}

/** The value a key names for a run: a parameter, the status, a final metric or the headline. */
export function valueOf(r: RunFacts, key: string): ParamValue | undefined {
  if (STATUS_KEYS.includes(key)) return r.state;
  if (key === HEADLINE_KEY) return r.headline;
  if (key in r.params) return r.params[key];
  const final = r.final?.[key];
  return final !== undefined && Number.isFinite(final) ? final : undefined;
}

function sameValue(have: ParamValue, want: string): boolean {
  if (typeof have === 'number') return Number.isFinite(Number(want)) && have === Number(want);
  return have.toLowerCase() === want.toLowerCase();
}

function holds(r: RunFacts, c: Condition): boolean {
  const v = valueOf(r, c.key);
  switch (c.op) {
    case '=':
      return v !== undefined && c.values.some((w) => sameValue(v, w));
    case '!=':
      return v === undefined || !c.values.some((w) => sameValue(v, w));
    default: {
      if (typeof v !== 'number') return false;
      const w = Number(c.values[0]);
      return c.op === '<' ? v < w : c.op === '<=' ? v <= w : c.op === '>' ? v > w : v >= w;
    }
  }
}

export function matches(r: RunFacts, q: TreeQuery): boolean {
  if (!q.conditions.every((c) => holds(r, c))) return false;
  const hay = [r.id, r.experiment, ...r.labels].map((s) => s.toLowerCase());
  return q.words.every((w) => hay.some((h) => h.includes(w)));
}

/** Orders runs by the query's sort key; runs without a value for it go last, in their previous order. */
export function sortRuns<T extends RunFacts>(runs: T[], sort: NonNullable<TreeQuery['sort']>): T[] {
  const sign = sort.descending ? -1 : 1;
  return runs
    .map((r, i) => ({ r, i, v: valueOf(r, sort.key) }))
    .sort((a, b) => {
      if (a.v === undefined || b.v === undefined) return a.v === undefined ? (b.v === undefined ? a.i - b.i : 1) : -1;
      const c =
        typeof a.v === 'number' && typeof b.v === 'number'
          ? a.v - b.v
          : String(a.v).localeCompare(String(b.v), undefined, { numeric: true });
      return c ? sign * c : a.i - b.i;
    })
    .map((x) => x.r);
}

/** The keys the filter box knows for these runs, for its prompt and for "unknown key" hints. */
export function knownKeys(runs: RunFacts[]): { params: string[]; metrics: string[] } {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const r of runs) {
    Object.keys(r.params).forEach((k) => params.add(k));
    Object.keys(r.final ?? {}).forEach((k) => metrics.add(k));
  }
  return { params: [...params].sort(), metrics: [...metrics].sort() };
}

/** Keys in the query that no run has: a typo the user should hear about rather than see an empty tree. */
export function unknownKeys(q: TreeQuery, runs: RunFacts[]): string[] {
  const { params, metrics } = knownKeys(runs);
  const known = new Set([...params, ...metrics, ...STATUS_KEYS, HEADLINE_KEY]);
  const keys = [...q.conditions.map((c) => c.key), ...(q.sort ? [q.sort.key] : []), ...(q.group ?? [])];
  return [...new Set(keys.filter((k) => !known.has(k)))];
}
