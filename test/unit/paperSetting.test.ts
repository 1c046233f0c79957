// The `paper` setting of every preset is the authors' code (issue 13): AdaHessian's constant probe, GD at lr 1e-2,
// random labels on both OOD sides, Task 2 by continuing Task 1's numpy stream, seed 42; `corrected` is today's
// presets unchanged (the pins test runs them). The continued-stream Task 2 data are checked against numpy
// (test/fixtures/task2-continued.json, made by test/fixtures/task2-continued.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PRESETS, findPreset, settingVariant } from '../../src/shared/presets';
import { continuedTeacher, generateTeacher } from '../../src/lab/data/teacher';
import { task2Data, task2TeacherIndex } from '../../src/lab/experiments/transfer';
import { DEFAULT_SETTINGS, validateConfig } from '../../src/shared/config';
import { hashOf, runKey, weightsKey } from '../../src/sweep/keys';

const fx = JSON.parse(readFileSync(path.resolve(__dirname, '../../../test/fixtures/task2-continued.json'), 'utf8'));

test("the paper setting of each preset is the authors' code", () => {
  const seen = new Set<string>();
  for (const preset of PRESETS)
    for (const quick of [false, true]) {
      const c = settingVariant(preset, 'paper', quick);
      seen.add(preset.name);
      if (c.kind === 'ood') {
        assert.equal(c.settings.probe, 'constant', `${c.name}: probe`);
        assert.equal(c.settings.randomLeftLabels, true, `${c.name}: left labels random`);
        // every optimizer at the reference lr 1e-2: no per-optimizer lr override left
        assert.equal(c.settings.lr, 0.01, `${c.name}: lr`);
        for (const o of c.grid.optimizer ?? [])
          assert.ok(!('lr' in (c.settings.optim[o] ?? {})), `${c.name}: ${o} has an lr override`);
        assert.deepEqual(c.grid.seed, [42]);
      } else {
        assert.deepEqual(c.grid.seed, [42], `${c.name}: seed 42`);
        assert.equal(c.settings.lr, 0.01, `${c.name}: lr`);
        if (c.settings.preconditioner === 'adahessian') assert.equal(c.settings.probe, 'constant', `${c.name}: probe`);
        if (c.kind === 'transfer') assert.equal(c.settings.task2Stream, 'continue', `${c.name}: Task 2 stream`);
      }
    }
  assert.deepEqual([...seen].sort(), [
    'fig1-adahessian',
    'fig1-cov',
    'fig2-adahessian-power',
    'fig2-optimizers',
    'fig3-adahessian',
    'fig3-cov',
  ]);
});

test('the corrected setting is the preset as it was; the paper one differs only where a departure applies', () => {
  for (const preset of PRESETS) {
    assert.equal(settingVariant(preset, 'corrected', false), preset.full);
    assert.equal(settingVariant(preset, 'corrected', true), preset.quick);
    const paper = settingVariant(preset, 'paper', false);
    if (!preset.departures.length) assert.equal(paper, preset.full, preset.name);
    else assert.equal(paper.name, `${preset.name}-paper`);
    // the paper configs are valid configs (the validator accepts them as they are)
    assert.deepEqual(validateConfig(JSON.parse(JSON.stringify(paper))), paper);
  }
  // the corrected figure 2a keeps GD at 0.1 and true left labels; the corrected transfer a fresh stream, 5 seeds
  const fig2 = findPreset('fig2-optimizers')!.config;
  assert.ok(fig2.kind === 'ood' && fig2.settings.optim.gd?.lr === 0.1 && !fig2.settings.randomLeftLabels);
  const fig3 = findPreset('fig3-adahessian')!.config;
  assert.ok(fig3.kind === 'transfer' && fig3.settings.task2Stream === 'fresh' && fig3.settings.probe === 'rademacher');
  assert.deepEqual(fig3.grid.seed, [42, 43, 44, 45, 46]);
  assert.equal(findPreset('fig3-adahessian-paper-quick')!.config.name, 'fig3-adahessian-paper-quick');
});

test('task2Stream enters the run key only when it departs from the default (stores made before it stay valid)', () => {
  const cfg = findPreset('fig3-cov-quick')!.config;
  assert.ok(cfg.kind === 'transfer');
  const params = { case: 'high' as const, p: -1, snr: 1, seed: 42 };
  const { task2Stream, ...before } = cfg.settings;
  assert.equal(task2Stream, 'fresh');
  // the key of a config as stored before the field existed, computed by the same hashing
  const old = hashOf({ kind: cfg.kind, params, init: 'drawn', settings: before });
  assert.equal(runKey(cfg, params), old);
  const cont = { ...cfg, settings: { ...cfg.settings, task2Stream: 'continue' as const } };
  assert.notEqual(runKey(cont, params), runKey(cfg, params));
  // Task 1's weights do not depend on where Task 2's data come from
  assert.equal(weightsKey(cont, params), weightsKey(cfg, params));
});

for (const kind of ['high', 'low'] as const) {
  test(`continued-stream Task 2, case ${kind}, seed 42: equals numpy's`, () => {
    const want = fx.cases[kind];
    const spec = { n: fx.n, dx: fx.dx, trainFraction: fx.trainFraction, scale: fx.scale, case: kind, snr: fx.snr };
    const d = continuedTeacher({ ...spec, seed: fx.seed }, { ...spec, teacherIndex: task2TeacherIndex(kind, fx.dx) });
    assert.equal(d.teacherIndex, want.teacherIndex);
    assert.equal(d.c, want.c);
    // inputs within a few ulps: V8's Math.log and the C library's log numpy calls may round the Box-Muller factor
    // differently in the last bit (c and the permutation, which involve no log of a product, are exact)
    for (let r = 0; r < want.firstRows.length; r++)
      want.firstRows[r].forEach((v: number, k: number) => {
        const got = d.x[r * fx.dx + k];
        assert.ok(Math.abs(got - v) <= 4e-16 * Math.abs(v), `x[${r}][${k}]: ${got} vs ${v}`);
      });
    want.firstYRaw.forEach((y: number, i: number) =>
      assert.ok(Math.abs(d.yRaw[i] - y) <= 1e-12 * Math.abs(y), `yRaw[${i}]: ${d.yRaw[i]} vs ${y}`),
    );
    const perm = [...d.trainIdx, ...d.testIdx].slice(0, want.permutationHead.length);
    assert.deepEqual(perm, want.permutationHead);
    // and the transfer experiment takes exactly these data under task2Stream 'continue'
    const settings = { ...DEFAULT_SETTINGS, task2Stream: 'continue' as const };
    const viaExperiment = task2Data(settings, { case: kind, snr: 1, seed: 42 });
    assert.equal(viaExperiment.c, d.c);
    assert.deepEqual(viaExperiment.trainIdx, d.trainIdx);
    // the fresh stream is another draw
    const fresh = task2Data(DEFAULT_SETTINGS, { case: kind, snr: 1, seed: 42 });
    assert.notEqual(fresh.c, d.c);
    assert.equal(fresh.c, generateTeacher({ ...spec, seed: 42 + 10007, teacherIndex: d.teacherIndex }).c);
  });
}
