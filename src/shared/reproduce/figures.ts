// The report's figures as chart data (svg.ts draws them): per claim, the lab's numbers under each setting and the
// reference points where there are any.
import { OOD_OPTIMIZERS } from '../config';
import type { SettingName } from '../presets';
import { meanStd, type ClaimRun } from './claims';
import type { ClaimDef, ReportModel } from './report';
import { referenceFor } from './reference';
import type { SvgChart, SvgSeries } from './svg';

const SETTING_COLORS: Record<SettingName, string> = { paper: '#c0392b', corrected: '#2471a3' };
const REFERENCE_COLOR = '#1e8449';

function meanByP(runs: readonly ClaimRun[], metric: string): { x: number; y: number; err?: number }[] {
  const by = new Map<number, number[]>();
  for (const r of runs)
    if (r.status === 'done' && r.params.p !== undefined && Number.isFinite(r.final[metric]))
      (by.get(r.params.p) ?? by.set(r.params.p, []).get(r.params.p)!).push(r.final[metric]);
  return [...by.keys()]
    .sort((a, b) => a - b)
    .map((x) => {
      const s = meanStd(by.get(x)!)!;
      return { x, y: s.mean, ...(s.n > 1 ? { err: s.std } : {}) };
    });
}

function runsOf(model: ReportModel, preset: string, setting: SettingName): ClaimRun[] {
  return model.experiments.find((e) => e.preset === preset && e.setting === setting)?.runs ?? [];
}

/** Regression claims: the metric against p per case at SNR 1 (or the first SNR that ran). */
function regressionCharts(model: ReportModel, def: ClaimDef, metric: string, yLabel: string): SvgChart[] {
  return (['high', 'low'] as const).map((c) => {
    const series: SvgSeries[] = [];
    for (const setting of model.settings) {
      const runs = runsOf(model, def.preset, setting).filter((r) => r.params.case === c);
      const snr = runs.some((r) => r.params.snr === 1) ? 1 : runs[0]?.params.snr;
      const points = meanByP(
        runs.filter((r) => r.params.snr === snr),
        metric,
      );
      if (points.length)
        series.push({
          name: `${setting}${snr !== 1 ? ` (SNR ${snr})` : ''}`,
          color: SETTING_COLORS[setting],
          points,
          dashed: setting === 'paper',
        });
    }
    for (const ref of referenceFor(def.preset, metric, model.reference).filter((s) => s.case === c))
      series.push({
        name: ref.source,
        color: REFERENCE_COLOR,
        markersOnly: true,
        points: ref.p.map((x, i) => ({ x, y: ref.values[i] })),
      });
    return {
      title: `${def.figure}: Case ${c === 'high' ? 'High' : 'Low'}, SNR 1`,
      xLabel: 'p',
      yLabel,
      series,
      logY: true,
    };
  });
}

function oodOptimizerChart(model: ReportModel, def: ClaimDef): SvgChart {
  const series: SvgSeries[] = [];
  for (const setting of model.settings) {
    const runs = runsOf(model, def.preset, setting);
    for (const [metric, side] of [
      ['oodLeftAcc', 'left'],
      ['oodRightAcc', 'right'],
    ] as const) {
      const points = OOD_OPTIMIZERS.flatMap((o, i) => {
        const s = meanStd(
          runs.filter((r) => r.status === 'done' && r.params.optimizer === o).map((r) => 100 * r.final[metric]),
        );
        return s ? [{ x: i, y: s.mean }] : [];
      });
      if (points.length)
        series.push({
          name: `${setting}, OOD ${side}`,
          color: side === 'left' ? SETTING_COLORS[setting] : setting === 'paper' ? '#e59866' : '#85c1e9',
          points,
          dashed: side === 'right',
        });
    }
  }
  return {
    title: `${def.figure}: OOD accuracy per optimizer`,
    xLabel: 'optimizer',
    yLabel: 'accuracy (%)',
    categories: [...OOD_OPTIMIZERS],
    series,
    width: 520,
  };
}

function oodPowerChart(model: ReportModel, def: ClaimDef): SvgChart {
  const series: SvgSeries[] = [];
  for (const setting of model.settings) {
    const runs = runsOf(model, def.preset, setting);
    for (const [metric, side] of [
      ['oodLeftAcc', 'left'],
      ['oodRightAcc', 'right'],
    ] as const) {
      const points = meanByP(runs, metric).map((p) => ({ x: p.x, y: 100 * p.y }));
      if (points.length)
        series.push({
          name: `${setting}, OOD ${side}`,
          color: side === 'left' ? SETTING_COLORS[setting] : setting === 'paper' ? '#e59866' : '#85c1e9',
          points,
          dashed: side === 'right',
        });
    }
  }
  return { title: `${def.figure}: AdaHessian, k = -p`, xLabel: 'p', yLabel: 'accuracy (%)', series, width: 460 };
}

/** The charts shown under a claim. */
export function claimCharts(model: ReportModel, def: ClaimDef): SvgChart[] {
  switch (def.id) {
    case 'fig1ab':
    case 'fig1cd':
      return regressionCharts(model, def, 'testMSE', 'final test MSE');
    case 'fig3ab':
    case 'fig3cd':
      return regressionCharts(model, def, 'task2TestMSE', 'Task 2 test MSE (mean ± std)');
    case 'fig3ab-task1':
    case 'fig3cd-task1':
      return regressionCharts(model, def, 'task1TestMSE', 'Task 1 test MSE');
    case 'fig2a':
      return [oodOptimizerChart(model, def)];
    case 'fig2b':
      return [oodPowerChart(model, def)];
    default:
      return [];
  }
}
