// The divergence rule (src/lab/experiments/divergence.ts) with values worked out by hand, and the regression
// engine applying it from step 0: --init weights that blow the loss up end the run 'diverged' at step 0 with
// the record that shows it written, a run that grows 1e6-fold later ends 'diverged' at that step, and a run
// that trains normally ends 'done' with the same records as without the check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DIVERGENCE_ABSOLUTE_BOUND,
  DIVERGENCE_GROWTH_FACTOR,
  DivergenceCheck,
  finiteRecord,
  lossDivergence,
} from '../../src/lab/experiments/divergence';
import { regressionData, teacherFor, trainNoiseGroup } from '../../src/lab/experiments/noise';
import type { ExperimentEvents, MetricRecord } from '../../src/lab/experiments/records';
import { jsKernel } from '../../src/lab/kernels/jsKernel';
import { DEFAULT_SETTINGS, type Settings } from '../../src/shared/config';

test('the bounds are the ones the issue states', () => {
  assert.equal(DIVERGENCE_ABSOLUTE_BOUND, 1e12);
  assert.equal(DIVERGENCE_GROWTH_FACTOR, 1e6);
});

test('a loss diverges when non-finite, above 1e12, or above 1e6 times its step-0 value', () => {
  assert.equal(lossDivergence('train MSE', Infinity), 'train MSE is Infinity');
  assert.equal(lossDivergence('train MSE', -Infinity), 'train MSE is -Infinity');
  assert.equal(lossDivergence('test MSE', NaN), 'test MSE is NaN');
  // the --init 1e30 case of the issue: finite, but far above the absolute bound
  assert.equal(lossDivergence('train MSE', 1.98e59), 'train MSE 1.98e+59 is above the bound 1e+12');
  assert.equal(lossDivergence('train MSE', 1e12), undefined, 'the bound itself is allowed');
  assert.equal(lossDivergence('train MSE', 1.0000001e12), 'train MSE 1e+12 is above the bound 1e+12');
  // AdaHessian p = -2 of the issue: 2.2e6 against a step-0 loss of 1 is 2.2 million-fold growth
  assert.equal(lossDivergence('train MSE', 2.2e6, 1), 'train MSE 2.2e+6 is above 1e+6 times its step-0 value 1');
  // 1e6 x 2.3 = 2.3e6: the same 2.2e6 against a step-0 cross-entropy of 2.3 is not (yet) divergence
  assert.equal(lossDivergence('train loss', 2.2e6, 2.3), undefined);
  assert.equal(
    lossDivergence('train loss', 2.31e6, 2.3),
    'train loss 2.31e+6 is above 1e+6 times its step-0 value 2.3',
  );
  // growth is measured against a positive, finite start only
  assert.equal(lossDivergence('train MSE', 5, 0), undefined);
  assert.equal(lossDivergence('train MSE', 5, NaN), undefined);
  assert.equal(lossDivergence('train MSE', 0.5, 0.25), undefined);
});

test('the check takes its baselines at step 0 and names the first loss that diverges', () => {
  const c = new DivergenceCheck();
  assert.equal(
    c.check(0, [
      ['train MSE', 0.5],
      ['test MSE', 2],
    ]),
    undefined,
  );
  assert.equal(
    c.check(1, [
      ['train MSE', 0.4],
      ['test MSE', undefined],
    ]),
    undefined,
    'a loss not computed at a step is skipped',
  );
  // 4e5 < 1e6 x 0.5 = 5e5 for train; test 2.5e6 > 1e6 x 2 = 2e6
  assert.equal(
    c.check(2, [
      ['train MSE', 4e5],
      ['test MSE', 2.5e6],
    ]),
    'diverged at step 2: test MSE 2.5e+6 is above 1e+6 times its step-0 value 2',
  );
  assert.equal(
    c.check(3, [['train MSE', 6e5]]),
    'diverged at step 3: train MSE 600000 is above 1e+6 times its step-0 value 0.5',
  );
  const zero = new DivergenceCheck();
  assert.equal(
    zero.check(0, [
      ['train MSE', Infinity],
      ['test MSE', 1],
    ]),
    'diverged at step 0: train MSE is Infinity',
  );
});

test('the record that shows a divergence keeps its finite values only', () => {
  assert.deepEqual(finiteRecord({ step: 0, trainMSE: 1.98e59, testMSE: Infinity }), { step: 0, trainMSE: 1.98e59 });
  assert.deepEqual(finiteRecord({ step: 3, trainMSE: NaN }), { step: 3 });
  assert.equal(JSON.stringify(finiteRecord({ step: 0, testMSE: -Infinity, trainMSE: 2 })), '{"step":0,"trainMSE":2}');
});

const settings: Settings = {
  ...DEFAULT_SETTINGS,
  n: 200,
  dx: 4,
  width: 3,
  trainFraction: 0.25,
  steps: 30,
  evalEvery: 10,
};
const common = { case: 'high' as const, snr: 1, seed: 7 };

function collect(): { ev: ExperimentEvents; records: Map<string, MetricRecord[]> } {
  const records = new Map<string, MetricRecord[]>();
  return {
    records,
    ev: {
      record: (id, rec) => records.set(id, [...(records.get(id) ?? []), rec]),
      progress: () => undefined,
      shouldStop: () => false,
    },
  };
}

const filled = (v: number) => ({
  W1: new Float32Array(settings.width * settings.dx).fill(v),
  b1: new Float32Array(settings.width).fill(v),
  W2: new Float32Array(settings.width).fill(v),
  b2: new Float32Array(1).fill(v),
});

test('--init weights of 1e4 diverge at step 0; the record at step 0 is written; the run beside them is untouched', async () => {
  // f(x) = 1e4 + sum_j 1e4 * relu(1e4 * (sum_k x_k + 1)): computed here in float64 from the same data
  const reg = regressionData(teacherFor(settings, common));
  let sse = 0;
  for (let i = 0; i < reg.nTrain; i++) {
    let s = 1;
    for (let k = 0; k < settings.dx; k++) s += reg.xTrain[i * settings.dx + k];
    const f = 1e4 + settings.width * 1e4 * Math.max(0, 1e4 * s);
    sse += (f - reg.yTrain[i]) ** 2;
  }
  const expected = sse / reg.nTrain;
  assert.ok(expected > 1e12, `the hand-computed train MSE ${expected} is above the bound`);

  const { ev, records } = collect();
  const out = await trainNoiseGroup(
    settings,
    common,
    [
      { id: 'blown', p: 0, init: filled(1e4) },
      { id: 'plain', p: 0 },
    ],
    jsKernel,
    ev,
  );
  const [blown, plain] = out.outcomes;
  assert.equal(blown.status, 'diverged');
  assert.match(blown.reason!, /^diverged at step 0: train MSE \S+e\+\d+ is above the bound 1e\+12$/);
  assert.deepEqual(blown.final, { divergedAt: 0 });
  const recs = records.get('blown')!;
  assert.equal(recs.length, 1, 'only the step-0 record, then the run stops');
  assert.equal(recs[0].step, 0);
  assert.ok(Math.abs(recs[0].trainMSE! / expected - 1) < 1e-3, `${recs[0].trainMSE} vs ${expected} (float32 kernel)`);

  // the other run of the batch trains as if alone
  const { ev: ev2, records: alone } = collect();
  const solo = await trainNoiseGroup(settings, common, [{ id: 'plain', p: 0 }], jsKernel, ev2);
  assert.equal(plain.status, 'done');
  assert.deepEqual(records.get('plain'), alone.get('plain'));
  assert.deepEqual(plain.final, solo.outcomes[0].final);
});

test('a learning rate that blows up diverges at the step it does; the default one ends done', async () => {
  const { ev, records } = collect();
  const hot = await trainNoiseGroup({ ...settings, lr: 50 }, common, [{ id: 'hot', p: 0 }], jsKernel, ev);
  const o = hot.outcomes[0];
  assert.equal(o.status, 'diverged');
  const step = o.final.divergedAt;
  assert.ok(step >= 1 && step <= settings.steps, `diverged at step ${step}`);
  assert.match(o.reason!, new RegExp(`^diverged at step ${step}: (train|test) MSE `));
  const recs = records.get('hot')!;
  const last = recs[recs.length - 1];
  assert.equal(last.step, step, 'the record that shows the divergence is written');
  // every earlier record passed the rule: finite, at most 1e12 and at most 1e6 x the step-0 loss
  const start = recs[0].trainMSE!;
  for (const r of recs.slice(0, -1))
    assert.ok(Number.isFinite(r.trainMSE) && r.trainMSE! <= 1e12 && r.trainMSE! <= 1e6 * start);

  const { ev: ev2 } = collect();
  const calm = await trainNoiseGroup(settings, common, [{ id: 'calm', p: 0 }], jsKernel, ev2);
  assert.equal(calm.outcomes[0].status, 'done');
});
