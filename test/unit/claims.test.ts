// The claim rules of the reproduction report (src/shared/reproduce/claims.ts) on hand-computed inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  figure1Claim,
  figure2aClaim,
  figure2bClaim,
  figure3Claim,
  meanStd,
  ranks,
  spearman,
  task1Claim,
  verdictOf,
  type ClaimRun,
} from '../../src/shared/reproduce/claims';

let n = 0;
const run = (params: ClaimRun['params'], final: Record<string, number>, status: ClaimRun['status'] = 'done') => ({
  id: `r${n++}`,
  params,
  status,
  final,
});

test('ranks average ties; Spearman on hand-computed cases', () => {
  assert.deepEqual(ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
  assert.equal(spearman([1, 2, 3, 4], [1, 3, 2, 4]), 0.8); // 1 - 6*2/(4*15)
  // ties: x ranks 1..4, y ranks [1, 2.5, 2.5, 4]: Pearson = 4.5 / sqrt(5 * 4.5)
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [0, 1, 1, 2])! - 4.5 / Math.sqrt(5 * 4.5)) < 1e-15);
  assert.equal(spearman([1], [1]), undefined);
  assert.equal(spearman([1, 2], [3, 3]), undefined);
  assert.deepEqual(meanStd([1, 2, 3]), { mean: 2, std: 1, n: 3 });
});

test('Figure 1 rule: <= -0.8 in High and >= 0.8 in Low at every SNR holds; some: mixed; none: does not hold', () => {
  const runs: ClaimRun[] = [];
  // SNR 1: High falls with p (rho -1), Low rises (rho 1); SNR 4: High 0.8 exactly? use [3,1,2,0] -> rho -0.8
  [-2, -1, 0, 1].forEach((p, i) => {
    runs.push(run({ case: 'high', p, snr: 1, seed: 42 }, { testMSE: 2 - i * 0.3 }));
    runs.push(run({ case: 'low', p, snr: 1, seed: 42 }, { testMSE: 1 + i * 0.3 }));
    runs.push(run({ case: 'high', p, snr: 4, seed: 42 }, { testMSE: [3, 1, 2, 0][i] }));
    runs.push(run({ case: 'low', p, snr: 4, seed: 42 }, { testMSE: [1, 3, 2, 4][i] }));
  });
  const r = figure1Claim(runs);
  assert.equal(r.verdict, 'holds');
  assert.equal(r.checks.length, 4);
  assert.match(r.checks.find((c) => c.label === 'Case High, SNR 4')!.detail, /rho = -0\.80/);
  // break Case Low at SNR 4: ranks [4,3,2,1] -> rho -1
  const broken = runs.map((x) =>
    x.params.case === 'low' && x.params.snr === 4 ? { ...x, final: { testMSE: 10 - x.params.p! } } : x,
  );
  assert.equal(figure1Claim(broken).verdict, 'mixed');
  const none = runs.map((x) => ({
    ...x,
    final: { testMSE: x.params.case === 'high' ? 5 + x.params.p! : 5 - x.params.p! },
  }));
  assert.equal(figure1Claim(none).verdict, 'does not hold');
  assert.equal(figure1Claim([]).verdict, 'not measured');
});

test('Figure 1 rule: means over seeds; a diverged run is left out and named as unstable', () => {
  const runs = [
    run({ case: 'high', p: -2, snr: 1, seed: 42 }, {}, 'diverged'),
    run({ case: 'high', p: -1, snr: 1, seed: 42 }, { testMSE: 1.0 }),
    run({ case: 'high', p: -1, snr: 1, seed: 43 }, { testMSE: 3.0 }), // mean 2
    run({ case: 'high', p: 0, snr: 1, seed: 42 }, { testMSE: 1.5 }),
    run({ case: 'high', p: 1, snr: 1, seed: 42 }, { testMSE: 0.5 }),
  ];
  const r = figure1Claim(runs);
  assert.equal(r.checks.length, 1);
  assert.deepEqual(r.checks[0].unstable, [runs[0].id]);
  assert.equal(r.checks[0].pass, true);
  assert.match(r.checks[0].detail, /rho = -1\.00 \(-1: 2\.000, 0: 1\.500, \+1: 0\.500\)/);
  // Task 1 reads task1TestMSE with the same rule
  const t: ClaimRun[] = runs.map((x) => ({
    ...x,
    final: Object.fromEntries(x.final.testMSE === undefined ? [] : [['task1TestMSE', -x.final.testMSE]]),
  }));
  assert.equal(task1Claim(t).verdict, 'does not hold');
});

test('Figure 2a rule: GD+SAM mean above the five on the left, below on the right', () => {
  const ood = (optimizer: string, left: number, right: number) =>
    run(
      { seed: 42, optimizer: optimizer as ClaimRun['params']['optimizer'], p: -1 },
      { oodLeftAcc: left, oodRightAcc: right },
    );
  // GD+SAM: left mean 0.6, right mean 0.2; the five: left mean 0.3, right mean 0.5
  const runs = [
    ood('gd', 0.7, 0.1),
    ood('sam', 0.5, 0.3),
    ood('adam', 0.3, 0.5),
    ood('sophia-h', 0.2, 0.6),
    ood('adahessian', 0.4, 0.4),
    ood('kfac', 0.3, 0.5),
    ood('lbfgs', 0.3, 0.5),
  ];
  const r = figure2aClaim(runs);
  assert.equal(r.verdict, 'holds');
  assert.match(r.checks[0].detail, /GD\+SAM 60\.0% \(2 runs\) vs the five 30\.0% \(5 runs\)/);
  // right side reversed: GD+SAM right 0.9 mean -> mixed
  const mixed = runs.map((x) =>
    x.params.optimizer === 'gd' || x.params.optimizer === 'sam' ? { ...x, final: { ...x.final, oodRightAcc: 0.9 } } : x,
  );
  assert.equal(figure2aClaim(mixed).verdict, 'mixed');
  assert.equal(figure2aClaim(runs.slice(2)).verdict, 'not measured');
});

test('Figure 2b rule: right falls and left rises from p = -2 to 0, strictly', () => {
  const ada = (p: number, left: number, right: number) =>
    run({ seed: 42, optimizer: 'adahessian', p }, { oodLeftAcc: left, oodRightAcc: right });
  const good = [ada(-2, 0.1, 0.9), ada(-1, 0.2, 0.8), ada(0, 0.5, 0.3), ada(1, 0.1, 0.1)];
  assert.equal(figure2bClaim(good).verdict, 'holds');
  // left not monotone (dips at -1): mixed
  const dip = [ada(-2, 0.2, 0.9), ada(-1, 0.1, 0.8), ada(0, 0.5, 0.3)];
  assert.equal(figure2bClaim(dip).verdict, 'mixed');
  const reversed = [ada(-2, 0.5, 0.3), ada(-1, 0.2, 0.8), ada(0, 0.1, 0.9)];
  assert.equal(figure2bClaim(reversed).verdict, 'does not hold');
  assert.equal(figure2bClaim([ada(-1, 0.2, 0.8), ada(0, 0.5, 0.3)]).verdict, 'not measured');
});

test('Figure 3 rule: p = -1 lowest by more than the runner-up std holds; within it mixed; not lowest fails', () => {
  const t = (c: 'high' | 'low', p: number, seed: number, v: number) =>
    run({ case: c, p, snr: 1, seed }, { task2TestMSE: v, task1TestMSE: 1 });
  // High: p=-1 mean 0.5; runner-up p=0 mean 0.8, std 0.1 (0.7, 0.9): margin 0.3 > 0.1 -> pass
  // Low: p=-1 mean 0.5; runner-up p=1 mean 0.6 std 0.2828 (0.4, 0.8): margin 0.1 < 0.28 -> within the spread
  const runs = [
    t('high', -1, 42, 0.4),
    t('high', -1, 43, 0.6),
    t('high', 0, 42, 0.7),
    t('high', 0, 43, 0.9),
    t('high', 1, 42, 2),
    t('high', 1, 43, 2),
    t('low', -1, 42, 0.5),
    t('low', -1, 43, 0.5),
    t('low', 1, 42, 0.4),
    t('low', 1, 43, 0.8),
    t('low', 0, 42, 3),
    t('low', 0, 43, 3),
  ];
  const r = figure3Claim(runs);
  assert.equal(r.verdict, 'mixed');
  assert.match(r.checks[0].detail, /by more than one std of the runner-up \(p = 0\)/);
  assert.match(r.checks[1].detail, /within one std of the runner-up \(p = \+1\)/);
  const highOnly = runs.filter((x) => x.params.case === 'high');
  assert.equal(figure3Claim(highOnly).verdict, 'holds');
  // one seed: lowest is enough
  const single = [t('low', -1, 42, 0.5), t('low', 1, 42, 0.51)];
  assert.equal(figure3Claim(single).verdict, 'holds');
  // not lowest: Case Low best at p = 1
  const notLowest = [t('low', -1, 42, 0.755), t('low', 1, 42, 0.587)];
  const nl = figure3Claim(notLowest);
  assert.equal(nl.verdict, 'does not hold');
  assert.match(nl.checks.find((x) => x.label === 'Case Low')!.detail, /lowest at p = \+1/);
});

test('verdictOf counts only the checks that could be made', () => {
  const c = (pass: boolean | undefined) => ({ label: '', pass, detail: '', unstable: [] });
  assert.equal(verdictOf([c(true), c(undefined)]), 'holds');
  assert.equal(verdictOf([c(true), c(false)]), 'mixed');
  assert.equal(verdictOf([c(false)]), 'does not hold');
  assert.equal(verdictOf([c(undefined)]), 'not measured');
});
