// The paper's claims as rules on final values (issue 13). Pure functions: runs in (params, status, final metrics),
// a verdict out, with the numbers it rests on. A run that did not finish (diverged: the panels call it unstable) has
// no final value; it is left out of the rule and named in the check, so the report can mark it.
import type { RunParams } from '../config';
import type { RunStatus } from '../records';

export type Verdict = 'holds' | 'does not hold' | 'mixed' | 'not measured';

export interface ClaimRun {
  id: string;
  params: RunParams;
  status: RunStatus;
  final: Record<string, number>;
}

/** One check a claim is made of (one SNR of one case, one case of Figure 3, one side of Figure 2b). */
export interface Check {
  label: string;
  pass: boolean | undefined;
  /** the numbers the check rests on, as text: "rho = -1.00", "p = -1: 0.61 +- 0.02" */
  detail: string;
  /** ids of the runs left out as unstable (diverged) */
  unstable: string[];
}

export interface ClaimResult {
  verdict: Verdict;
  checks: Check[];
}

export const FIGURE1_THRESHOLD = 0.8;
/** The curvature-inverting optimizers of Figure 2a, against GD and SAM. */
export const INVERTING = ['adam', 'sophia-h', 'adahessian', 'kfac', 'lbfgs'] as const;
export const GRADIENT_LIKE = ['gd', 'sam'] as const;

/** Ranks with ties given their average rank (1-based). */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let k = 0; k < order.length; ) {
    let j = k;
    while (j + 1 < order.length && order[j + 1].v === order[k].v) j++;
    const r = (k + j) / 2 + 1;
    for (let t = k; t <= j; t++) out[order[t].i] = r;
    k = j + 1;
  }
  return out;
}

/** Spearman's rank correlation (Pearson on average ranks); undefined with fewer than 2 points or no spread. */
export function spearman(x: readonly number[], y: readonly number[]): number | undefined {
  if (x.length !== y.length || x.length < 2) return undefined;
  const rx = ranks(x);
  const ry = ranks(y);
  const m = (x.length + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (rx[i] - m) * (ry[i] - m);
    sxx += (rx[i] - m) ** 2;
    syy += (ry[i] - m) ** 2;
  }
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : undefined;
}

export interface MeanStd {
  mean: number;
  /** sample standard deviation (n - 1); 0 for one value */
  std: number;
  n: number;
}

export function meanStd(values: readonly number[]): MeanStd | undefined {
  if (!values.length) return undefined;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, std: values.length > 1 ? Math.sqrt(ss / (values.length - 1)) : 0, n: values.length };
}

/** The verdict of a list of checks: all pass, some, none; checks that could not be made do not count. */
export function verdictOf(checks: readonly Check[]): Verdict {
  const made = checks.filter((c) => c.pass !== undefined);
  if (!made.length) return 'not measured';
  const passed = made.filter((c) => c.pass).length;
  return passed === made.length ? 'holds' : passed ? 'mixed' : 'does not hold';
}

const fmt = (v: number): string => (Math.abs(v) >= 100 || Math.abs(v) < 0.01 ? v.toExponential(2) : v.toFixed(3));
const fmtP = (p: number): string => (p > 0 ? `+${p}` : String(p));

/** Mean of `metric` over the done runs at each value of p (sorted by p), and the unstable runs left out. */
function perP(runs: readonly ClaimRun[], metric: string): { p: number[]; stats: MeanStd[]; unstable: string[] } {
  const unstable = runs.filter((r) => r.status === 'diverged').map((r) => r.id);
  const by = new Map<number, number[]>();
  for (const r of runs) {
    const v = r.final[metric];
    if (r.status !== 'done' || r.params.p === undefined || !Number.isFinite(v)) continue;
    (by.get(r.params.p) ?? by.set(r.params.p, []).get(r.params.p)!).push(v);
  }
  const p = [...by.keys()].sort((a, b) => a - b);
  return { p, stats: p.map((x) => meanStd(by.get(x)!)!), unstable };
}

/**
 * Figure 1 (and Task 1 of Figure 3): at each SNR, Spearman(p, final `metric`) <= -0.8 in Case High and >= 0.8 in
 * Case Low (means over seeds at each p). `holds` when true at every SNR of both cases, `mixed` when at some.
 */
export function figure1Claim(runs: readonly ClaimRun[], metric = 'testMSE'): ClaimResult {
  const checks: Check[] = [];
  for (const c of ['high', 'low'] as const) {
    const mine = runs.filter((r) => r.params.case === c);
    const snrs = [...new Set(mine.map((r) => r.params.snr!))].sort((a, b) => a - b);
    for (const snr of snrs) {
      const { p, stats, unstable } = perP(
        mine.filter((r) => r.params.snr === snr),
        metric,
      );
      const rho = spearman(
        p,
        stats.map((s) => s.mean),
      );
      const pass = rho === undefined ? undefined : c === 'high' ? rho <= -FIGURE1_THRESHOLD : rho >= FIGURE1_THRESHOLD;
      const values = p.map((x, i) => `${fmtP(x)}: ${fmt(stats[i].mean)}`).join(', ');
      checks.push({
        label: `Case ${c === 'high' ? 'High' : 'Low'}, SNR ${snr}`,
        pass,
        detail: `${rho === undefined ? 'rho: too few points' : `rho = ${rho.toFixed(2)}`} (${values})`,
        unstable,
      });
    }
  }
  return { verdict: verdictOf(checks), checks };
}

/** Mean of `metric` over the done runs of these optimizers (every run of each, AdaHessian's p included). */
function groupMean(runs: readonly ClaimRun[], optimizers: readonly string[], metric: string): MeanStd | undefined {
  return meanStd(
    runs
      .filter(
        (r) => r.status === 'done' && optimizers.includes(r.params.optimizer ?? '') && Number.isFinite(r.final[metric]),
      )
      .map((r) => r.final[metric]),
  );
}

/**
 * Figure 2a: the mean OOD-left accuracy of GD and SAM exceeds that of the five curvature-inverting optimizers, and
 * their mean OOD-right accuracy is below it. Two checks (left, right); `mixed` when one holds.
 */
export function figure2aClaim(runs: readonly ClaimRun[]): ClaimResult {
  const unstable = runs.filter((r) => r.status === 'diverged').map((r) => r.id);
  const side = (metric: string, label: string, gdAbove: boolean): Check => {
    const g = groupMean(runs, GRADIENT_LIKE, metric);
    const inv = groupMean(runs, INVERTING, metric);
    if (!g || !inv) return { label, pass: undefined, detail: 'missing runs', unstable };
    const pass = gdAbove ? g.mean > inv.mean : g.mean < inv.mean;
    const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
    return {
      label,
      pass,
      detail: `GD+SAM ${pct(g.mean)} (${g.n} runs) vs the five ${pct(inv.mean)} (${inv.n} runs)`,
      unstable,
    };
  };
  const checks = [
    side('oodLeftAcc', 'OOD left: GD and SAM above', true),
    side('oodRightAcc', 'OOD right: GD and SAM below', false),
  ];
  return { verdict: verdictOf(checks), checks };
}

/** Strictly monotone in the given direction. */
function monotone(v: readonly number[], rising: boolean): boolean {
  return v.every((x, i) => i === 0 || (rising ? x > v[i - 1] : x < v[i - 1]));
}

/**
 * Figure 2b: as p goes from -2 to 0, OOD-right accuracy falls and OOD-left accuracy rises. Each side is a check
 * that passes when the side moves strictly monotonically over the p in [-2, 0] that ran (at least two, -2 and 0
 * among them).
 */
export function figure2bClaim(runs: readonly ClaimRun[]): ClaimResult {
  const ada = runs.filter((r) => r.params.optimizer === 'adahessian' || r.params.optimizer === undefined);
  const side = (metric: string, label: string, rising: boolean): Check => {
    const { p, stats, unstable } = perP(ada, metric);
    const keep = p.map((x, i) => ({ x, s: stats[i] })).filter((e) => e.x >= -2 && e.x <= 0);
    const values = keep.map((e) => `${fmtP(e.x)}: ${(100 * e.s.mean).toFixed(1)}%`).join(', ');
    const ends = keep.length >= 2 && keep[0].x === -2 && keep[keep.length - 1].x === 0;
    return {
      label,
      pass: ends
        ? monotone(
            keep.map((e) => e.s.mean),
            rising,
          )
        : undefined,
      detail: ends ? values : `needs p = -2 and p = 0 (have ${values || 'none'})`,
      unstable,
    };
  };
  const checks = [side('oodRightAcc', 'OOD right falls', false), side('oodLeftAcc', 'OOD left rises', true)];
  return { verdict: verdictOf(checks), checks };
}

/**
 * Figure 3: in each case, p = -1 has the lowest mean Task 2 test MSE, by more than one standard deviation of the
 * runner-up when seeds allow. A case is a check: pass when lowest by that margin (or lowest, with one seed), fail
 * when not lowest; lowest within the spread makes the claim `mixed` (at best).
 */
export function figure3Claim(runs: readonly ClaimRun[]): ClaimResult {
  const checks: Check[] = [];
  let withinSpread = false;
  for (const c of ['high', 'low'] as const) {
    const { p, stats, unstable } = perP(
      runs.filter((r) => r.params.case === c),
      'task2TestMSE',
    );
    const label = `Case ${c === 'high' ? 'High' : 'Low'}`;
    const values = p.map(
      (x, i) => `${fmtP(x)}: ${fmt(stats[i].mean)}${stats[i].n > 1 ? ` ± ${fmt(stats[i].std)}` : ''}`,
    );
    const at = p.indexOf(-1);
    if (at < 0 || p.length < 2) {
      checks.push({
        label,
        pass: undefined,
        detail: `needs p = -1 and another p (have ${values.join(', ') || 'none'})`,
        unstable,
      });
      continue;
    }
    const order = stats.map((s, i) => i).sort((a, b) => stats[a].mean - stats[b].mean);
    const best = order[0];
    let pass: boolean;
    let note: string;
    if (best !== at) {
      pass = false;
      note = `lowest at p = ${fmtP(p[best])}`;
    } else {
      const runner = stats[order[1]];
      const margin = runner.mean - stats[at].mean;
      const seeds = Math.min(stats[at].n, runner.n) > 1;
      if (seeds && margin <= runner.std) {
        withinSpread = true;
        pass = true;
        note = `lowest at p = -1, within one std of the runner-up (p = ${fmtP(p[order[1]])})`;
      } else {
        pass = true;
        note = seeds
          ? `lowest at p = -1, by more than one std of the runner-up (p = ${fmtP(p[order[1]])})`
          : 'lowest at p = -1 (one seed: no spread)';
      }
    }
    checks.push({ label, pass, detail: `${note}; ${values.join(', ')}`, unstable });
  }
  const v = verdictOf(checks);
  return { verdict: v === 'holds' && withinSpread ? 'mixed' : v, checks };
}

/** Task 1 of Figure 3 behaves as Experiment 1: the Figure 1 rule on Task 1's test MSE. */
export function task1Claim(runs: readonly ClaimRun[]): ClaimResult {
  return figure1Claim(runs, 'task1TestMSE');
}
