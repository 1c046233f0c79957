// The time estimate before a sweep starts (issue 14, defect 8): this machine's speed measured from the runs the
// store recorded, per kernel and executor, and kept in global storage. The numbers below were recorded by
// `precond-lab run fig1-cov --quick` on the 2-core build machine (native kernels): six 10000-step runs, evaluation
// every 100 steps, trained in two runner processes between 09:48:22.790 and 09:48:38.094.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandRuns, type ExperimentConfig } from '../../src/shared/config';
import { presetVariant } from '../../src/shared/presets';
import type { RunFile } from '../../src/sweep/store';
import {
  SpeedBook,
  estimateSweep,
  estimateText,
  formatDuration,
  samplesOf,
  type SpeedSample,
} from '../../src/host/timeEstimate';

const KERNEL = 'native (OpenBLAS 0.3.21 core Cooperlake, 1 thread, C kernels avx512f)';
const RECORDED: [string, string, string][] = [
  ['high_p-2_snr1_s42', '2026-12-02T09:48:22.790Z', '2026-12-02T09:48:36.459Z'],
  ['high_p0_snr1_s42', '2026-12-02T09:48:22.790Z', '2026-12-02T09:48:36.486Z'],
  ['high_p2_snr1_s42', '2026-12-02T09:48:22.790Z', '2026-12-02T09:48:36.502Z'],
  ['low_p-2_snr1_s42', '2026-12-02T09:48:22.803Z', '2026-12-02T09:48:38.077Z'],
  ['low_p0_snr1_s42', '2026-12-02T09:48:22.803Z', '2026-12-02T09:48:38.086Z'],
  ['low_p2_snr1_s42', '2026-12-02T09:48:22.803Z', '2026-12-02T09:48:38.094Z'],
];
/** 6 runs x 10000 steps x (1 + 60/100) units over 38.094 - 22.790 s */
const RATE = (6 * 10000 * 1.6) / 15.304;

function recordedRuns(shiftMs = 0, kernel = KERNEL): RunFile[] {
  const quick = presetVariant('fig1-cov', true)!;
  return RECORDED.map(([id, start, end]) => ({
    id,
    experiment: quick.name,
    kind: 'noise',
    params: expandRuns(quick).find((r) => r.id === id)!.params,
    settings: { ...quick.settings, steps: 10000, evalEvery: 100 },
    key: 'k',
    weightsKey: 'w',
    status: 'done',
    engineVersion: 'x',
    final: {},
    kernel,
    startedAt: new Date(Date.parse(start) + shiftMs).toISOString(),
    finishedAt: new Date(Date.parse(end) + shiftMs).toISOString(),
  }));
}

const near = (a: number, b: number, what: string): void =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('a sample: the step-cost units trained over the time the runs were training', () => {
  const [s] = samplesOf('fig1-cov-quick', recordedRuns(), 'local');
  assert.equal(s.cls, 'noise/exact-cov');
  assert.equal(s.kernel, KERNEL);
  near(s.units, 96000, 'units');
  near(s.seconds, 15.304, 'seconds');
  // a second session an hour later: the idle hour between them is not training time
  const two = samplesOf(
    'again',
    [...recordedRuns(), ...recordedRuns(3_600_000).map((r) => ({ ...r, id: `${r.id}b` }))],
    'local',
  );
  near(two[0].seconds, 2 * 15.304, 'two sessions');
  // runs without timings, or not done, give nothing
  assert.deepEqual(
    samplesOf(
      'x',
      recordedRuns().map((r) => ({ ...r, status: 'failed' as const })),
      'local',
    ),
    [],
  );
});

test('the full Figure 1 preset, estimated from the quick one on the same kernel', () => {
  const samples = samplesOf('fig1-cov-quick', recordedRuns(), 'local');
  const full = presetVariant('fig1-cov')!;
  const s = full.settings as { steps: number; evalEvery: number };
  const want = (expandRuns(full).length * s.steps * (1 + 60 / s.evalEvery)) / RATE;
  const e = estimateSweep(full, samples)!;
  near(e.seconds, want, 'seconds');
  assert.equal(e.runs, expandRuns(full).length);
  assert.equal(e.basis, 'measured from 1 sweep of noise/exact-cov runs, kernel native');
  assert.equal(estimateText(e), `about ${formatDuration(want)} on this machine`);
  // runs already done are skipped by the sweep, and by the estimate
  const done = new Set(
    expandRuns(full)
      .slice(0, 2)
      .map((r) => r.id),
  );
  near(
    estimateSweep(full, samples, { done })!.seconds,
    (want * (expandRuns(full).length - 2)) / expandRuns(full).length,
    'done skipped',
  );
});

test('kinds without samples convert through the cost model; kernels and executors are kept apart', () => {
  const samples = samplesOf('fig1-cov-quick', recordedRuns(), 'local');
  const ood = presetVariant('fig2-optimizers', true)! as ExperimentConfig & { kind: 'ood' };
  const e = estimateSweep(ood, samples)!;
  near(e.seconds, (expandRuns(ood).length * ood.settings.steps * 3000) / RATE, 'ood from regression samples');
  assert.match(e.basis, /runs of other kinds/);
  // a slower kernel recorded later is the one the next sweep uses: its samples win over the older kernel's
  const slow = samplesOf(
    'wasm-run',
    recordedRuns(60_000).map((r) => ({ ...r, finishedAt: new Date(Date.parse(r.finishedAt!) + 15_304).toISOString() })),
    'local',
  ).map((x) => ({ ...x, kernel: 'simd' }));
  const quick = presetVariant('fig1-cov', true)!;
  const qs = quick.settings as { steps: number; evalEvery: number };
  const units = expandRuns(quick).length * qs.steps * (1 + 60 / qs.evalEvery);
  near(estimateSweep(quick, [...samples, ...slow])!.seconds, units / (96000 / (2 * 15.304)), 'latest kernel');
  near(estimateSweep(quick, [...samples, ...slow], { kernel: KERNEL })!.seconds, units / RATE, 'asked kernel');
  // another executor uses only what was seen there; none seen: no estimate, and the text says so
  assert.equal(estimateSweep(quick, samples, { executor: 'slurm' }), undefined);
  assert.equal(estimateText(undefined, 'slurm'), 'no time estimate yet: nothing has run on slurm');
  const onSlurm: SpeedSample[] = samples.map((x) => ({
    ...x,
    executor: 'slurm',
    seconds: x.seconds * 4,
    id: 'slurm-1',
  }));
  near(estimateSweep(quick, [...samples, ...onSlurm], { executor: 'slurm' })!.seconds, (units / RATE) * 4, 'slurm');
});

test('the global book keeps samples across workspaces, once each', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-speed-')), 'g', 'speed.json');
  const book = new SpeedBook(file, 3);
  assert.deepEqual(book.read(), []);
  const samples = samplesOf('fig1-cov-quick', recordedRuns(), 'local');
  book.add(samples);
  book.add(samples);
  assert.equal(book.read().length, 1);
  for (let i = 0; i < 5; i++) book.add([{ ...samples[0], id: `s${i}` }]);
  assert.deepEqual(
    book.read().map((s) => s.id),
    ['s2', 's3', 's4'],
  );
  fs.writeFileSync(file, '{ not json');
  assert.deepEqual(book.read(), []);
});
