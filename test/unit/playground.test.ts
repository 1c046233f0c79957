// The playground: its pure model (controls, run key, cache by run key, traced p curve, supersession) and its warm
// runner over the real child process (dist/playgroundRunner.js): a new request stops the one in flight, only the
// new one's records follow, the child stays the same process, and a run's numbers equal the engine's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  checkControls,
  defaultControls,
  directionWeights,
  parseEigenvalues,
  trainingOf,
  type PlaygroundControls,
} from '../../src/shared/playground/controls';
import { PCurves, ResultCache, Sequencer, curveKey, playgroundRunKey } from '../../src/shared/playground/model';
import type { FromPlayground } from '../../src/shared/playground/protocol';
import type { RunOutcome } from '../../src/shared/records';
import { WarmRunner } from '../../src/host/playground/warmRunner';
import { PlaygroundSession } from '../../src/host/playground/session';
import type { ToPlaygroundView } from '../../src/shared/playground/messages';
import { initBackend } from '../../src/lab/backend';
import { pickKernel } from '../../src/lab/kernels';
import { trainNoiseGroup } from '../../src/lab/experiments/noise';
import type { MetricRecord } from '../../src/shared/records';

const runnerPath = path.resolve(__dirname, '../../playgroundRunner.js');
const base = (over: Partial<PlaygroundControls> = {}): PlaygroundControls => ({ ...defaultControls('wasm'), ...over });
const outcome = (status: RunOutcome['status'], testMSE: number): RunOutcome => ({
  id: 'x',
  status,
  final: status === 'done' ? { testMSE } : {},
});

test('controls: typed values are checked with clear messages, good ones pass unchanged', () => {
  assert.deepEqual(checkControls(base()), { ok: true, value: base() });
  const bad = checkControls({ ...base(), p: 4, width: 2.5, lr: 0, preconditioner: 'sgd', seed: 'x' });
  assert.equal(bad.ok, false);
  const problems = bad.ok ? [] : bad.problems;
  assert.ok(
    problems.some((p) => /^p must be at least -3 and at most 3 \(got 4\)/.test(p)),
    problems.join('\n'),
  );
  assert.ok(problems.some((p) => /Width must be a whole number/.test(p)));
  assert.ok(problems.some((p) => /Learning rate must be above 0/.test(p)));
  assert.ok(problems.some((p) => /Preconditioner must be one of exact-cov, adahessian, gd/.test(p)));
  assert.ok(problems.some((p) => /Seed must be a number/.test(p)));
  assert.equal(checkControls(null).ok, false);
  // typed strings are numbers
  const typed = checkControls({ ...base(), p: '-1.5' });
  assert.ok(typed.ok && typed.value.p === -1.5);
  // a custom spectrum: its eigenvalues and the teacher's direction are checked
  assert.deepEqual(parseEigenvalues('10, 0.1 0.1'), { ok: true, value: [10, 0.1, 0.1] });
  assert.match(
    (parseEigenvalues('10 -1') as { problem: string }).problem,
    /Eigenvalue 2 \("-1"\) must be a number above 0/,
  );
  const custom = checkControls({ ...base(), spectrum: 'custom', eigenvalues: [1, 2, 3], teacher: 3 });
  assert.ok(!custom.ok && custom.problems.some((p) => /from 0 to 2 \(got 3\)/.test(p)));
});

test('controls: lambda^(p+1) per direction, the training a set of controls means', () => {
  // Case High: lambda = (10, 0.1 x 9); p = -1 weighs every direction 1, p = 1 weighs them lambda^2
  assert.deepEqual(directionWeights(base({ p: -1 })), new Array(10).fill(1));
  const w = directionWeights(base({ p: 1 }));
  assert.ok(Math.abs(w[0] - 100) < 1e-9 && Math.abs(w[5] - 0.01) < 1e-12);
  // Case Low: lambda = (10 x 9, 0.1), the teacher on the last direction
  const low = directionWeights(base({ spectrum: 'low', p: 0 }));
  assert.deepEqual([low[0], low[9]], [10, 0.1]);
  // plain GD is P = I whatever the slider says
  assert.equal(trainingOf(base({ preconditioner: 'gd', p: 2.5 })).p, 0);
  assert.equal(trainingOf(base({ preconditioner: 'adahessian', p: 2 })).settings.preconditioner, 'adahessian');
  const t = trainingOf(base({ spectrum: 'custom', eigenvalues: [3, 1, 0.5], teacher: 2 }));
  assert.deepEqual(
    [t.common.case, t.settings.dx, t.settings.spectrum, t.settings.teacherDirection],
    ['custom', 3, [3, 1, 0.5], 2],
  );
});

test('run key: equal controls, equal key; p, backend and every setting change it; GD ignores p', () => {
  assert.equal(playgroundRunKey(base(), 'native'), playgroundRunKey({ ...base() }, 'native'));
  assert.notEqual(playgroundRunKey(base({ p: 0.5 }), 'native'), playgroundRunKey(base({ p: 0.75 }), 'native'));
  assert.notEqual(playgroundRunKey(base(), 'native'), playgroundRunKey(base(), 'wasm'));
  for (const over of [
    { snr: 2 },
    { width: 64 },
    { lr: 0.02 },
    { steps: 700 },
    { seed: 1 },
    { spectrum: 'low' as const },
  ])
    assert.notEqual(playgroundRunKey(base(over), 'wasm'), playgroundRunKey(base(), 'wasm'), JSON.stringify(over));
  assert.equal(
    playgroundRunKey(base({ preconditioner: 'gd', p: 1 }), 'wasm'),
    playgroundRunKey(base({ preconditioner: 'gd', p: -2 }), 'wasm'),
  );
  // the curve key leaves p out, keeps the rest
  assert.equal(curveKey(base({ p: 1 })), curveKey(base({ p: -2 })));
  assert.notEqual(curveKey(base({ snr: 3 })), curveKey(base()));
  assert.notEqual(curveKey(base({ preconditioner: 'adahessian' })), curveKey(base()));
});

test('cache by run key: hits return the stored result, least recently used goes first', () => {
  const cache = new ResultCache(2);
  const r = (key: string) => ({
    key,
    controls: base(),
    backend: 'wasm',
    kernel: 'simd',
    records: [{ step: 0, testMSE: 1 }],
    outcome: outcome('done', 0.5),
    seconds: 1,
  });
  cache.put(r('a'));
  cache.put(r('b'));
  assert.equal(cache.get('a')?.key, 'a'); // a is now the most recent
  cache.put(r('c')); // drops b
  assert.deepEqual(cache.keys().sort(), ['a', 'c']);
  assert.equal(cache.get('b'), undefined);
});

test('traced p curve: one point per p, sorted, replaced on a rerun, per setting, cancelled runs add nothing', () => {
  const curves = new PCurves();
  assert.equal(curves.add(base({ p: 1 }), outcome('done', 0.9)), true);
  curves.add(base({ p: -2 }), outcome('done', 0.4));
  curves.add(base({ p: 0 }), outcome('diverged', NaN));
  assert.equal(curves.add(base({ p: 2 }), outcome('cancelled', 0)), false);
  curves.add(base({ p: 1 }), outcome('done', 0.8)); // same p again: replaced
  curves.add(base({ p: 1, snr: 5 }), outcome('done', 0.1)); // another curve
  assert.deepEqual(curves.points(base()), [
    { p: -2, testMSE: 0.4, status: 'done' },
    { p: 0, testMSE: null, status: 'diverged' },
    { p: 1, testMSE: 0.8, status: 'done' },
  ]);
  assert.deepEqual(curves.best(base())?.p, -2);
  assert.equal(curves.points(base({ snr: 5 })).length, 1);
  // survives a reload (workspace state is JSON)
  const back = PCurves.fromJSON(JSON.parse(JSON.stringify(curves.toJSON())));
  assert.deepEqual(back.points(base()), curves.points(base()));
  assert.deepEqual(PCurves.fromJSON({ bad: 1 }).points(base()), []);
});

test('supersession: only the latest request is current', () => {
  const s = new Sequencer();
  const a = s.next();
  const b = s.next();
  assert.equal(s.isCurrent(a), false);
  assert.equal(s.isCurrent(b), true);
});

/** Waits for the first message of `runner` that `pred` accepts. */
function waitFor(runner: WarmRunner, pred: (m: FromPlayground) => boolean, ms = 60_000): Promise<FromPlayground> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timed out waiting for a runner message')), ms);
    const on = (m: FromPlayground): void => {
      if (!pred(m)) return;
      clearTimeout(t);
      runner.off('message', on);
      resolve(m);
    };
    runner.on('message', on);
  });
}

test('warm runner: a new request stops the one in flight; only its records follow; same process; same numbers', async () => {
  const runner = new WarmRunner(runnerPath, () => 'wasm');
  const seen: FromPlayground[] = [];
  runner.on('message', (m) => seen.push(m));
  try {
    const info = await runner.ready();
    assert.equal(info.backend, 'wasm');
    const pid = runner.pid;
    // request 1: far too long to finish (200000 steps); superseded once it has streamed records
    const long = trainingOf(base({ steps: 200_000, width: 16 }));
    const firstRecords = waitFor(runner, (m) => m.type === 'records' && m.id === 1);
    await runner.train(1, long);
    await firstRecords;
    const small = base({ steps: 60, width: 16, p: 0.5 });
    const cancelled = waitFor(runner, (m) => m.type === 'cancelled' && m.id === 1);
    const done = waitFor(runner, (m) => (m.type === 'outcome' || m.type === 'failed') && m.id === 2);
    await runner.train(2, trainingOf(small));
    const c = (await cancelled) as Extract<FromPlayground, { type: 'cancelled' }>;
    assert.ok(c.step < 200_000, `request 1 stopped at step ${c.step}`);
    assert.ok(c.stopMs >= 0);
    const end = (await done) as Extract<FromPlayground, { type: 'outcome' }>;
    assert.equal(end.type, 'outcome');
    assert.equal(end.outcome.status, 'done');
    // nothing of request 1 after its cancel; request 2's records come after it
    const iCancel = seen.indexOf(c);
    assert.equal(seen.slice(iCancel + 1).filter((m) => 'id' in m && m.id === 1).length, 0);
    const rec2 = seen
      .filter((m) => m.type === 'records' && m.id === 2)
      .flatMap((m) => (m as { records: MetricRecord[] }).records);
    assert.ok(seen.findIndex((m) => m.type === 'records' && m.id === 2) > iCancel);
    // evaluation every 10 steps and step 0: 7 records
    assert.deepEqual(
      rec2.map((r) => r.step),
      [0, 10, 20, 30, 40, 50, 60],
    );
    assert.equal(runner.pid, pid, 'the same child process trained both requests');
    assert.equal(runner.starts, 1);
    // the same run trained by the engine in this process gives the same numbers
    const backend = await initBackend('wasm');
    const t = trainingOf(small);
    const direct: MetricRecord[] = [];
    const ref = await trainNoiseGroup(t.settings, t.common, [{ id: 'r', p: t.p }], pickKernel(backend.name), {
      record: (_id, r) => direct.push(r),
      progress: () => undefined,
      shouldStop: () => false,
    });
    assert.deepEqual(rec2, direct);
    assert.equal(end.outcome.final.testMSE, ref.outcomes[0].final.testMSE);
  } finally {
    runner.dispose();
  }
});

test('session: rapid changes supersede; only the last request reaches the page; returning to a value is a cache hit', async () => {
  const runner = new WarmRunner(runnerPath, () => 'wasm');
  const session = new PlaygroundSession(runner, { controls: base({ steps: 400, width: 16 }), curves: [] });
  const view: ToPlaygroundView[] = [];
  session.on('view', (m) => view.push(m));
  let dropped = 0;
  session.on('dropped', () => dropped++);
  try {
    await session.start(true);
    const ps = [-2, -1, 0, 1, 2];
    // five changes in a row without waiting: the first four are superseded
    const all = ps.map((p) => session.change({ ...session.controls, p }));
    const timings = await Promise.all(all);
    const last = timings[timings.length - 1]!;
    assert.ok(last.finalMs !== undefined, 'the last request finished');
    const ids = new Set(view.filter((m) => m.type === 'records').map((m) => (m as { id: number }).id));
    assert.deepEqual([...ids], [last.id], 'records of the last request only');
    const ends = view.filter((m) => m.type === 'end');
    assert.equal(ends.length, 1);
    assert.equal(session.curves.points(session.controls).length, 1);
    // each value in turn, waiting for each: the curve gains a point per p
    for (const p of ps) await session.change({ ...session.controls, p });
    assert.deepEqual(
      session.curves.points(session.controls).map((pt) => pt.p),
      ps,
    );
    // back to p = 0: from the cache, the same final numbers, no training
    const before = session.finished!;
    await session.change({ ...session.controls, p: 0 });
    const hit = await session.change({ ...session.controls, p: 2 });
    assert.equal(hit?.cached, true);
    assert.equal(session.finished?.outcome.final.testMSE, before.outcome.final.testMSE);
    assert.equal(runner.starts, 1);
    assert.ok(dropped >= 0);
  } finally {
    session.dispose();
  }
});

test('keep: a playground run becomes a normal, verified run in the store; a normal sweep then skips it', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const { keepResult } = await import('../../src/host/playground/keep');
  const { ExperimentStore } = await import('../../src/sweep/store');
  const { RunManager } = await import('../../src/sweep/runManager');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-keep-'));
  const runner = new WarmRunner(runnerPath, () => 'wasm');
  const session = new PlaygroundSession(runner, { controls: base({ steps: 50, width: 16, p: 1 }), curves: [] });
  try {
    await session.start(true);
    await session.retrain();
    const r1 = session.finished!;
    const k1 = await keepResult(r1, root, path.resolve(__dirname, '../../runner.js'));
    assert.equal(k1.written, true);
    const store = new ExperimentStore(root, k1.experiment);
    const run = store.readRun(k1.runId)!;
    assert.equal(run.status, 'done');
    assert.equal(run.backend, 'wasm');
    assert.equal(store.damageOf(run), undefined, 'the manifest matches the files');
    assert.deepEqual(store.readMetrics(k1.runId), r1.records);
    assert.equal(run.final.testMSE, r1.outcome.final.testMSE);
    assert.ok(store.readWeights(k1.runId));
    // keeping it again writes nothing; another p joins the same experiment
    assert.equal((await keepResult(r1, root, path.resolve(__dirname, '../../runner.js'))).written, false);
    await session.change({ ...session.controls, p: -1 });
    const k2 = await keepResult(session.finished!, root, path.resolve(__dirname, '../../runner.js'));
    assert.equal(k2.experiment, k1.experiment);
    const config = store.readConfig()!;
    assert.deepEqual(config.grid.p, [-1, 1]);
    // a normal sweep of the stored config finds both runs done and verified: it trains nothing
    const states: string[] = [];
    const m = new RunManager({ runnerPath: path.resolve(__dirname, '../../runner.js'), backend: 'wasm' });
    m.on('state', (_id, s) => states.push(s));
    const summary = await m.runSweep(config, root);
    assert.deepEqual(states, ['skipped', 'skipped']);
    assert.deepEqual(
      summary.runs.map((x) => x.status),
      ['done', 'done'],
    );
    // a results panel's Playground link: the run's settings back as controls
    const { playgroundAt } = await import('../../src/host/playground/fromStore');
    const at = playgroundAt(store.dir, k1.runId);
    assert.deepEqual(at.controls, {
      p: 1,
      spectrum: 'high',
      snr: 1,
      seed: r1.controls.seed,
      width: 16,
      lr: r1.controls.lr,
      steps: 50,
      preconditioner: 'exact-cov',
    });
    assert.deepEqual(at.differences, []);
    // a custom spectrum trains on its eigenvalues (keeping it: customSpectrum.test.ts)
    await session.change({ ...session.controls, spectrum: 'custom', eigenvalues: [4, 1, 0.25], teacher: 1 });
    const custom = session.finished!;
    assert.deepEqual(custom.outcome.spectra?.sigma, [4, 1, 0.25], 'the custom eigenvalues were trained on');
    assert.equal(custom.outcome.spectra?.teacherIndex, 1);
    assert.equal(custom.records[0].energy?.length, 3);
  } finally {
    session.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a stored run as playground controls: its case, p, SNR, seed and settings; what differs is listed', async () => {
  const { controlsFromRun } = await import('../../src/shared/playground/fromRun');
  const { DEFAULT_SETTINGS } = await import('../../src/shared/config');
  const a = controlsFromRun(
    { ...DEFAULT_SETTINGS, width: 64, lr: 0.02, steps: 3000, preconditioner: 'adahessian' },
    { case: 'low', p: 2, snr: 0.5, seed: 3 },
  );
  assert.deepEqual(a.controls, {
    p: 2,
    spectrum: 'low',
    snr: 0.5,
    seed: 3,
    width: 64,
    lr: 0.02,
    steps: 3000,
    preconditioner: 'adahessian',
  });
  assert.deepEqual(a.differences, []);
  const b = controlsFromRun(
    { ...DEFAULT_SETTINGS, n: 2000, steps: 10_000_000 },
    { case: 'high', p: -4, snr: 1, seed: 1 },
  );
  assert.equal(b.controls.p, -3);
  assert.equal(b.controls.steps, 200_000);
  assert.deepEqual(b.differences, [
    'p -4 (the slider spans -3 to 3)',
    'n 2000 (the playground uses 10000)',
    'steps 10000000 (the playground trains at most 200000)',
  ]);
  // the controls pass the playground's own check
  assert.equal(checkControls({ ...defaultControls(), ...a.controls }).ok, true);
});
