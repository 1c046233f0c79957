// The config's grid case "custom" (settings.spectrum, settings.teacherDirection): validation with clear messages, run
// keys of every existing config unchanged (test/fixtures/run-keys.json, computed by the code before the case
// existed), the engine drawing the data the playground draws, and "Keep" of a playground run on a custom spectrum:
// stored as a normal run, skipped as done by a normal sweep, and retrained by a sweep to the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ConfigError,
  DEFAULT_SETTINGS,
  expandRuns,
  parseConfig,
  validateConfig,
  type ExperimentConfig,
  type RegressionConfig,
} from '../../src/shared/config';
import { PRESETS, findPreset } from '../../src/shared/presets';
import { runKey, weightsKey } from '../../src/sweep/keys';
import { teacherFor } from '../../src/lab/experiments/noise';
import { generateTeacher } from '../../src/lab/data/teacher';
import { defaultControls, trainingOf, type PlaygroundControls } from '../../src/shared/playground/controls';
import { caseName, runLabel } from '../../src/shared/charts/labels';
import { paramLabel } from '../../src/host/runView';

const repo = path.resolve(__dirname, '../../..');
const runnerJs = path.resolve(__dirname, '../../runner.js');
const playgroundJs = path.resolve(__dirname, '../../playgroundRunner.js');

const custom = (settings: Record<string, unknown>, over: Record<string, unknown> = {}): unknown => ({
  version: 1,
  name: 'c',
  kind: 'noise',
  grid: { case: ['custom'], p: [-1, 1] },
  settings,
  ...over,
});
const problemsOf = (raw: unknown): string[] => {
  try {
    validateConfig(raw);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
};

test('case custom: a spectrum of dx eigenvalues and a teacher direction validate; the runs are named custom_...', () => {
  const config = validateConfig(custom({ dx: 4, spectrum: [5, 1, 0.5, 0.2], teacherDirection: 3 })) as RegressionConfig;
  assert.deepEqual(config.settings.spectrum, [5, 1, 0.5, 0.2]);
  assert.equal(config.settings.teacherDirection, 3);
  assert.deepEqual(
    expandRuns(config).map((r) => r.id),
    ['custom_p-1_snr1_s42', 'custom_p1_snr1_s42'],
  );
  // the teacher direction may be left out (0); a spectrum next to the paper's cases is fine
  assert.equal((validateConfig(custom({ dx: 2, spectrum: [2, 1] })) as RegressionConfig).settings.spectrum?.length, 2);
  const mixed = validateConfig(custom({ dx: 3, spectrum: [1, 2, 3] }, { grid: { case: ['high', 'custom'], p: [0] } }));
  assert.equal(expandRuns(mixed).length, 2);
  // a config without the case names neither setting, so its config.json is what it was
  const plain = validateConfig({ version: 1, name: 'p', kind: 'noise', grid: { case: ['high'], p: [0] } });
  assert.equal('spectrum' in plain.settings, false);
  assert.equal('teacherDirection' in plain.settings, false);
  assert.equal('spectrum' in DEFAULT_SETTINGS, false);
});

test('case custom: every bad spectrum and direction is refused with a message naming the field', () => {
  const cases: [string, unknown, RegExp][] = [
    ['no spectrum', custom({}), /^settings\.spectrum: grid case "custom" needs the eigenvalues, a list of dx = 10/],
    [
      'length is not dx',
      custom({ spectrum: [1, 2, 3] }),
      /^settings\.spectrum: 3 eigenvalues where settings\.dx is 10; .*\(set dx to 3\)$/,
    ],
    [
      'a zero eigenvalue',
      custom({ dx: 2, spectrum: [1, 0] }),
      /^settings\.spectrum: \[1\] must be a number in \(0, 1000000\], got 0$/,
    ],
    [
      'a negative one',
      custom({ dx: 2, spectrum: [-1, 1] }),
      /^settings\.spectrum: \[0\] must be a number in \(0, 1000000\]/,
    ],
    ['a string', custom({ dx: 2, spectrum: [1, '2'] }), /^settings\.spectrum: \[1\] must be a number/],
    ['too large', custom({ dx: 2, spectrum: [1, 2e6] }), /^settings\.spectrum: \[1\] must be a number in/],
    ['not a list', custom({ spectrum: 3 }), /^settings\.spectrum: must be a list of 2 to 1000 numbers, got 3$/],
    ['one value', custom({ dx: 2, spectrum: [1] }), /^settings\.spectrum: must have 2 to 1000 numbers, got 1$/],
    [
      'longer than any dx',
      custom({ spectrum: new Array(1001).fill(1) }),
      /^settings\.spectrum: must have 2 to 1000 numbers, got 1001$/,
    ],
    [
      'direction past dx',
      custom({ dx: 3, spectrum: [1, 2, 3], teacherDirection: 3 }),
      /^settings\.teacherDirection: 3 is not an input direction of the custom spectrum \(0 to 2, dx = 3\)$/,
    ],
    [
      'fractional direction',
      custom({ dx: 3, spectrum: [1, 2, 3], teacherDirection: 1.5 }),
      /^settings\.teacherDirection: must be an integer in \[0, 999\], got 1\.5$/,
    ],
    [
      'transfer',
      custom({ dx: 2, spectrum: [1, 2] }, { kind: 'transfer' }),
      /^grid\.case: "custom" is for noise experiments only/,
    ],
  ];
  for (const [what, raw, want] of cases) {
    const problems = problemsOf(raw);
    assert.equal(problems.length, 1, `${what}: ${problems.join('; ')}`);
    assert.match(problems[0], want, what);
  }
  // an overflowing literal in the file reads as Infinity and is named as such
  assert.throws(
    () =>
      parseConfig(
        '{"version":1,"name":"c","kind":"noise","grid":{"case":["custom"],"p":[0]},"settings":{"dx":2,"spectrum":[1,1e400]}}',
      ),
    /settings\.spectrum: \[1\] is not a finite number \(Infinity/,
  );
});

test('run keys: every preset keeps its keys byte for byte; case custom keys on its spectrum and direction only', () => {
  const fixture = JSON.parse(fs.readFileSync(path.join(repo, 'test/fixtures/run-keys.json'), 'utf8')) as {
    keys: Record<string, [string, string]>;
  };
  const seen: string[] = [];
  for (const p of PRESETS) {
    const f = findPreset(p.name)!;
    for (const [label, cfg] of [
      ['full', f.config],
      ['quick', f.quick],
    ] as const) {
      const runs = expandRuns(cfg);
      for (const r of [runs[0], runs[runs.length - 1]]) {
        const name = `${p.name}/${label}/${r.id}`;
        assert.deepEqual([runKey(cfg, r.params), weightsKey(cfg, r.params)], fixture.keys[name], name);
        seen.push(name);
      }
    }
  }
  const cont = validateConfig({
    version: 1,
    name: 't',
    kind: 'transfer',
    grid: { case: ['low'], p: [-1] },
    settings: { task2Stream: 'continue', steps: 20 },
  });
  const r0 = expandRuns(cont)[0].params;
  assert.deepEqual([runKey(cont, r0), weightsKey(cont, r0)], fixture.keys['transfer-continue']);
  assert.equal(seen.length + 1, Object.keys(fixture.keys).length, 'every pinned key was compared');

  const keyOf = (settings: Record<string, unknown>, c = 'custom'): string => {
    const cfg = validateConfig(custom(settings, { grid: { case: ['high', 'custom'], p: [0] } }));
    const run = expandRuns(cfg).find((r) => r.params.case === c)!;
    return runKey(cfg, run.params);
  };
  const a = { dx: 3, spectrum: [4, 1, 0.25], teacherDirection: 1 };
  assert.notEqual(keyOf(a), keyOf({ ...a, spectrum: [4, 1, 0.5] }), 'the eigenvalues enter a custom run key');
  assert.notEqual(keyOf(a), keyOf({ ...a, teacherDirection: 2 }), 'the direction enters a custom run key');
  assert.equal(keyOf({ ...a, teacherDirection: 0 }), keyOf({ dx: 3, spectrum: [4, 1, 0.25] }), 'absent is 0');
  // a High run's key does not depend on a spectrum it does not use, and equals the key without one
  assert.equal(keyOf(a, 'high'), keyOf({ ...a, spectrum: [9, 9, 9], teacherDirection: 2 }, 'high'));
  const high = validateConfig({
    version: 1,
    name: 'c',
    kind: 'noise',
    grid: { case: ['high'], p: [0] },
    settings: { dx: 3 },
  });
  assert.equal(keyOf(a, 'high'), runKey(high, expandRuns(high)[0].params));
});

test('the engine draws a custom run from its config exactly as the playground does', () => {
  const controls: PlaygroundControls = {
    ...defaultControls('wasm'),
    spectrum: 'custom',
    eigenvalues: [3, 0.5, 2, 0.1],
    teacher: 2,
  };
  const t = trainingOf(controls);
  const cfg = validateConfig({
    version: 1,
    name: 'x',
    kind: 'noise',
    grid: { case: [t.common.case], p: [t.p], snr: [t.common.snr], seed: [t.common.seed] },
    settings: t.settings,
  }) as RegressionConfig;
  const d = teacherFor(cfg.settings, { case: 'custom', snr: 1, seed: 42 });
  assert.deepEqual(Array.from(d.lambda), [3, 0.5, 2, 0.1]);
  assert.equal(d.teacherIndex, 2);
  // the same draws as the teacher given its eigenvalues and direction directly
  const direct = generateTeacher({
    case: 'high',
    lambda: [3, 0.5, 2, 0.1],
    teacherIndex: 2,
    snr: 1,
    seed: 42,
    n: DEFAULT_SETTINGS.n,
    dx: 4,
    trainFraction: DEFAULT_SETTINGS.trainFraction,
    scale: DEFAULT_SETTINGS.scale,
  });
  assert.deepEqual(Array.from(d.yRaw), Array.from(direct.yRaw));
  assert.deepEqual(Array.from(d.trainIdx), Array.from(direct.trainIdx));
  // the inputs on direction k have variance lambda_k (10^4 samples: within 5%)
  for (let k = 0; k < 4; k++) {
    let s = 0;
    for (let i = 0; i < d.yRaw.length; i++) s += d.x[i * 4 + k] ** 2;
    const v = s / d.yRaw.length;
    assert.ok(Math.abs(v / d.lambda[k] - 1) < 0.05, `direction ${k}: variance ${v} vs ${d.lambda[k]}`);
  }
});

test('labels: the case reads "Custom spectrum" in the panels and "custom spectrum" in the tree', () => {
  assert.equal(caseName('custom'), 'Custom spectrum');
  assert.equal(caseName('high'), 'Case High');
  assert.equal(paramLabel('case', 'custom'), 'custom spectrum');
  assert.equal(paramLabel('case', 'low'), 'Case low');
  assert.equal(
    runLabel({ id: 'custom_p1_snr1_s42', params: { case: 'custom', p: 1 } }, ['case', 'p']),
    'Custom spectrum · p = 1',
  );
});

test('keep: a custom-spectrum playground run is stored as a normal run, a sweep skips it, a retrain matches it', async () => {
  const { keepResult } = await import('../../src/host/playground/keep');
  const { ExperimentStore } = await import('../../src/sweep/store');
  const { RunManager } = await import('../../src/sweep/runManager');
  const { WarmRunner } = await import('../../src/host/playground/warmRunner');
  const { PlaygroundSession } = await import('../../src/host/playground/session');
  const { playgroundAt } = await import('../../src/host/playground/fromStore');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-custom-'));
  const runner = new WarmRunner(playgroundJs, () => 'wasm');
  const controls: PlaygroundControls = {
    ...defaultControls('wasm'),
    steps: 50,
    width: 16,
    p: 1,
    spectrum: 'custom',
    eigenvalues: [4, 1, 0.25],
    teacher: 1,
  };
  const session = new PlaygroundSession(runner, { controls, curves: [] });
  try {
    await session.start(true);
    await session.retrain();
    const r = session.finished!;
    assert.equal(r.outcome.status, 'done');
    assert.deepEqual(r.outcome.spectra?.sigma, [4, 1, 0.25]);
    const kept = await keepResult(r, root, runnerJs);
    assert.equal(kept.written, true);
    assert.equal(kept.runId, 'custom_p1_snr1_s42');
    assert.match(kept.experiment, /^playground-custom-exact-cov-snr1-seed42-[0-9a-f]{8}$/);
    const store = new ExperimentStore(root, kept.experiment);
    const config = store.readConfig() as RegressionConfig;
    assert.deepEqual(config.grid.case, ['custom']);
    assert.deepEqual(
      [config.settings.dx, config.settings.spectrum, config.settings.teacherDirection],
      [3, [4, 1, 0.25], 1],
    );
    assert.match(config.description ?? '', /custom spectrum \[4, 1, 0\.25\] \(dx 3\) with the teacher on direction 1/);
    const run = store.readRun(kept.runId)!;
    assert.equal(run.status, 'done');
    assert.deepEqual(run.params, { case: 'custom', p: 1, snr: 1, seed: 42 });
    assert.equal(run.key, runKey(config, run.params), 'stored under the config run key');
    assert.equal(store.damageOf(run), undefined, 'the manifest matches the files');
    assert.deepEqual(store.readMetrics(kept.runId), r.records);
    assert.equal(run.final.testMSE, r.outcome.final.testMSE);

    // a normal sweep of the stored config finds the run done and verified: it trains nothing
    const states: string[] = [];
    const m = new RunManager({ runnerPath: runnerJs, backend: 'wasm' });
    m.on('state', (_id, s) => states.push(s));
    await m.runSweep(config, root);
    assert.deepEqual(states, ['skipped']);

    // the same config under another name trains from scratch through the sweep's runner: the same numbers
    const again: ExperimentConfig = { ...config, name: 'custom-retrained' };
    const summary = await new RunManager({ runnerPath: runnerJs, backend: 'wasm' }).runSweep(again, root);
    assert.equal(summary.runs[0].status, 'done');
    const retrained = new ExperimentStore(root, 'custom-retrained');
    assert.deepEqual(retrained.readMetrics(kept.runId), r.records, 'the sweep computes what the playground did');
    assert.equal(retrained.readRun(kept.runId)!.final.testMSE, r.outcome.final.testMSE);

    // the results panel's Playground link opens it back at the custom spectrum
    const at = playgroundAt(store.dir, kept.runId);
    assert.deepEqual(
      [at.controls.spectrum, at.controls.eigenvalues, at.controls.teacher, at.controls.p],
      ['custom', [4, 1, 0.25], 1, 1],
    );
    assert.deepEqual(at.differences, []);
  } finally {
    session.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
