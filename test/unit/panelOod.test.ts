// OOD panel (issue 14, defect 7): labelled scatter points whose labels never overlap, a legend for the accuracy
// over training (one entry per run and per line style), no power card for a sweep with one power (panelCharts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curvesView } from '../../src/shared/charts/curves';
import { oodFeaturesView } from '../../src/shared/charts/ood';
import { placeLabels, type LabelAnchor } from '../../src/shared/charts/labelPlacement';
import type { ChartSpec } from '../../src/shared/charts/spec';
import { assignRunColors } from '../../src/shared/colors';
import type { CurveData, PanelSnapshot, RunInfo } from '../../src/shared/panelMessages';

const OPT = ['gd', 'sam', 'adam', 'sophia-h', 'adahessian', 'kfac', 'lbfgs'] as const;

function snap(runs: RunInfo[], curves: Record<string, CurveData> = {}): PanelSnapshot {
  const colors = assignRunColors(runs.map((r) => r.id));
  return {
    experiment: { name: 'x', dir: '/r/x', kind: 'ood', grid: { optimizer: [...OPT] } },
    dir: '/r/x',
    runs: runs.map((r) => ({ ...r, color: colors.get(r.id)! })),
    curves,
    pointBudget: 2000,
  } as PanelSnapshot;
}

const feat = (left: number, right: number, t: number, d: number): Record<string, number> => ({
  valAcc: 0.9,
  oodLeftAcc: left,
  oodRightAcc: right,
  templateEnergyDelta: t,
  digitEnergyDelta: d,
});

test('feature scatter: every point is labelled with its optimizer (and seed when seeds vary)', () => {
  const runs: RunInfo[] = [
    { id: 'gd_s1', params: { optimizer: 'gd', seed: 1 }, state: 'done', color: '', final: feat(0.8, 0.1, 0.1, 0.5) },
    {
      id: 'adam_s1',
      params: { optimizer: 'adam', seed: 1 },
      state: 'done',
      color: '',
      final: feat(0.5, 0.5, 0.2, 0.2),
    },
  ];
  const v = oodFeaturesView(snap(runs), {});
  const resp = v.figures.find((f) => f.id === 'response') as ChartSpec;
  for (const s of resp.series)
    assert.deepEqual(
      s.points.map((p) => p.label),
      ['GD', 'Adam'],
    );
  const twoSeeds = [
    ...runs,
    { id: 'gd_s2', params: { optimizer: 'gd', seed: 2 }, state: 'done', color: '', final: feat(0.7, 0.1, 0.1, 0.4) },
  ] as RunInfo[];
  const resp2 = oodFeaturesView(snap(twoSeeds), {}).figures.find((f) => f.id === 'response') as ChartSpec;
  assert.deepEqual(resp2.series[0].points.map((p) => p.label).sort(), ['Adam s1', 'GD s1', 'GD s2']);
});

const overlap = (a: { left: number; top: number; width: number; height: number }, b: typeof a): boolean =>
  a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;

test('labels of overlapping points are placed apart; a lone point keeps its label beside it', () => {
  // Adam's two points (left and right accuracy at the same ratio) fall on one pixel, plus two near it
  const anchors: LabelAnchor[] = [
    { x: 100, y: 100, width: 40, height: 12 },
    { x: 100, y: 100, width: 40, height: 12 },
    { x: 102, y: 103, width: 30, height: 12 },
    { x: 101, y: 98, width: 50, height: 12 },
    { x: 400, y: 300, width: 20, height: 12 },
  ];
  const boxes = placeLabels(anchors);
  assert.equal(boxes.length, anchors.length);
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++)
      assert.ok(!overlap(boxes[i], boxes[j]), `labels ${i} and ${j} overlap: ${JSON.stringify([boxes[i], boxes[j]])}`);
  // the lone point: right of it, vertically centred (6 px gap)
  assert.deepEqual(boxes[4], { left: 406, top: 294, width: 20, height: 12, moved: false });
  boxes.forEach((b, i) => assert.equal(b.width, anchors[i].width));
});

test('accuracy over training: a legend with one entry per run and one per line style, however many runs', () => {
  const runs: RunInfo[] = [];
  const curves: Record<string, CurveData> = {};
  for (const o of OPT)
    for (const seed of [1, 2, 3]) {
      const id = `${o}_s${seed}`;
      runs.push({ id, params: { optimizer: o, seed }, state: 'done', color: '', final: { valAcc: 0.9 } });
      curves[id] = {
        step: [0, 10],
        cols: { trainLoss: [2, 1], valAcc: [0.1, 0.9], oodLeftAcc: [0.1, 0.5], oodRightAcc: [0.1, 0.3] },
        energyStep: [],
        energy: [],
      } as unknown as CurveData;
    }
  const s = snap(runs, curves);
  const v = curvesView(s, { selected: runs.map((r) => r.id) });
  const acc = v.figures.find((f) => f.id === 'accuracy') as ChartSpec;
  assert.equal(runs.length, 21);
  assert.equal(acc.legend, true);
  const items = acc.legendItems ?? [];
  assert.equal(items.length, 21 + 3);
  assert.deepEqual(
    items.slice(0, 21).map((i) => i.color),
    runs.map((r) => s.runs.find((x) => x.id === r.id)!.color),
  );
  assert.deepEqual(
    items.slice(21).map((i) => [i.label, i.dash]),
    [
      ['ID validation', undefined],
      ['OOD left', [6, 4]],
      ['OOD right', [2, 3]],
    ],
  );
  assert.equal(new Set(items.slice(0, 21).map((i) => i.label)).size, 21, 'each run named apart');
});
