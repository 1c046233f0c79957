// Plain-text tables of a sweep's final metrics: one row per run, then the figure's view (test MSE by p and SNR
// for Experiment 1; Task 1 and Task 2 mean and spread over seeds by p for Experiment 3).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MISSING, fmtFixed as fmt, fmtPercent as pct } from '../shared/format';
import { RUN_SETTING_TEXT, runSetting, settingsShown } from '../shared/runSetting';
import type { Summary, SummaryRun } from './store';

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = (c: string): boolean => /^[-+]?[\d.]/.test(c) || c === MISSING;
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i > 0 && numeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function meanStd(values: number[]): { mean: number; std: number; n: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
const byNum = (a: number | undefined, b: number | undefined): number => (a ?? 0) - (b ?? 0);

function runsTable(summary: Summary): string {
  if (summary.experiment.kind === 'ood') {
    const rows = summary.runs.map((r) => [
      r.id,
      r.status,
      fmt(r.final.trainLoss),
      pct(r.final.valAcc),
      pct(r.final.oodLeftAcc),
      pct(r.final.oodRightAcc),
      r.backend ?? MISSING,
      r.seconds === undefined ? MISSING : r.seconds.toFixed(1),
    ]);
    return table(['run', 'status', 'train loss', 'ID val', 'OOD left', 'OOD right', 'backend', 'sec'], rows);
  }
  const transfer = summary.experiment.kind === 'transfer';
  const header = [
    'run',
    'status',
    'train MSE',
    'test MSE',
    ...(transfer ? ['task2 test'] : ['best test', 'floor']),
    'backend',
    'sec',
  ];
  const rows = summary.runs.map((r) => [
    r.id,
    r.status,
    fmt(r.final.trainMSE),
    fmt(r.final.testMSE),
    ...(transfer ? [fmt(r.final.task2TestMSE)] : [fmt(r.final.bestTestMSE), fmt(r.final.noiseFloor)]),
    r.backend ?? MISSING,
    r.seconds === undefined ? MISSING : r.seconds.toFixed(1),
  ]);
  return table(header, rows);
}

function cell(runs: SummaryRun[], metric: string): string {
  const done = runs.filter((r) => r.status === 'done' && Number.isFinite(r.final[metric]));
  if (!done.length) return runs.some((r) => r.status === 'diverged') ? 'diverged' : MISSING;
  const s = meanStd(done.map((r) => r.final[metric]));
  return s.n > 1 ? `${fmt(s.mean, 3)} ± ${fmt(s.std, 3)}` : fmt(s.mean);
}

/** Rows p; columns either SNR values (one metric) or several metrics (all SNRs pooled). */
function pivot(summary: Summary, caseName: string, metrics: string[], bySnr: boolean): string {
  const runs = summary.runs.filter((r) => r.params.case === caseName);
  const ps = uniq(runs.map((r) => r.params.p)).sort(byNum);
  const cols = bySnr
    ? uniq(runs.map((r) => r.params.snr))
        .sort(byNum)
        .map((snr) => ({ name: `SNR ${snr}`, metric: metrics[0], keep: (r: SummaryRun) => r.params.snr === snr }))
    : metrics.map((m) => ({ name: m, metric: m, keep: () => true }));
  const rows = ps.map((p) => [
    String(p),
    ...cols.map((c) =>
      cell(
        runs.filter((r) => r.params.p === p && c.keep(r)),
        c.metric,
      ),
    ),
  ]);
  return table(['p', ...cols.map((c) => c.name)], rows);
}

/** Figure 2: accuracy per optimizer (AdaHessian per power, shown as p = -k), mean ± std over seeds. */
function oodTable(summary: Summary): string {
  const keys = uniq(
    summary.runs.map((r) => `${r.params.optimizer}${r.params.p !== undefined ? ` (p = ${r.params.p})` : ''}`),
  );
  const rows = keys.map((k) => {
    const runs = summary.runs.filter(
      (r) => `${r.params.optimizer}${r.params.p !== undefined ? ` (p = ${r.params.p})` : ''}` === k,
    );
    const done = runs.filter((r) => r.status === 'done');
    const col = (m: string): string => {
      if (!done.length) return runs[0]?.status ?? MISSING;
      const values = done.map((r) => r.final[m]).filter((v) => Number.isFinite(v));
      if (!values.length) return MISSING;
      const s = meanStd(values.map((v) => 100 * v));
      return s.n > 1 ? `${s.mean.toFixed(1)} ± ${s.std.toFixed(1)}` : `${s.mean.toFixed(1)}`;
    };
    return [k, col('valAcc'), col('oodLeftAcc'), col('oodRightAcc')];
  });
  return (
    'Accuracy in % (left: true digit, template of its flip partner; right: random label and its template)\n' +
    table(['optimizer', 'ID val', 'OOD left', 'OOD right'], rows)
  );
}

/** Which setting the tables show (issue 13): one line, absent for an empty experiment. */
function settingLine(summary: Summary): string[] {
  const cfg = summary.experiment;
  const shown = settingsShown(summary.runs.map((r) => runSetting(cfg.kind, cfg.settings, r.params)));
  if (!shown) return [];
  return [`Setting: ${shown === 'mixed' ? 'mixed (runs of several settings)' : RUN_SETTING_TEXT[shown]}`];
}

export function report(summary: Summary): string {
  const cfg = summary.experiment;
  const cases = uniq(summary.runs.map((r) => r.params.case)).filter((c): c is NonNullable<typeof c> => c !== undefined);
  const out = [
    `${cfg.name} (${cfg.kind}${cfg.figure ? `, ${cfg.figure}` : ''}): ${summary.runs.length} runs`,
    ...settingLine(summary),
    '',
    runsTable(summary),
  ];
  if (cfg.kind === 'ood') out.push('', oodTable(summary));
  for (const c of cases) {
    if (cfg.kind === 'noise') {
      out.push(
        '',
        `${c === 'custom' ? 'Custom spectrum' : `Case ${c}`}: final test MSE (rows p, columns SNR; noise floor 1/(1+SNR^2))`,
        pivot(summary, c, ['testMSE'], true),
      );
    } else {
      const seeds = uniq(summary.runs.map((r) => r.params.seed)).length;
      out.push(
        '',
        `${c === 'custom' ? 'Custom spectrum' : `Case ${c}`}: Task 1 and Task 2 test MSE by p (mean ± std over ${seeds} seed${seeds > 1 ? 's' : ''})`,
        pivot(summary, c, ['task1TestMSE', 'task2TestMSE'], false),
      );
    }
  }
  const failed = summary.runs.filter((r) => r.status !== 'done');
  if (failed.length) {
    out.push('', 'Runs that did not finish:');
    for (const r of failed) out.push(`  ${r.id}: ${r.status}${r.reason ? ` - ${r.reason}` : ''}`);
  }
  return out.join('\n');
}

const isExperimentDir = (dir: string): boolean =>
  fs.existsSync(path.join(dir, 'summary.json')) || fs.existsSync(path.join(dir, 'experiment.json'));

/**
 * The experiment folder `report <target>` means: an absolute path is taken as it is; a relative one is tried
 * from the working directory, then as a name under the results root. Throws a message naming each place looked.
 */
export function findExperimentDir(target: string, outRoot: string): string {
  const places = path.isAbsolute(target)
    ? [path.resolve(target)]
    : [...new Set([path.resolve(target), path.join(outRoot, target)])];
  const found = places.find(isExperimentDir);
  if (found) return found;
  const why = places.map((p) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      return `${p} does not exist`;
    }
    return st.isDirectory()
      ? `${p} has no summary.json or experiment.json`
      : `${p} is a file, not an experiment folder`;
  });
  throw new Error(`no experiment folder "${target}": ${why.join('; ')}`);
}
