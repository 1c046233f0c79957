// The run manager end to end through real runner child processes (dist/runner.js, built by `npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateConfig, type ExperimentConfig } from '../../src/shared/config';
import { RunManager } from '../../src/sweep/runManager';
import { ExperimentStore, loadSummary } from '../../src/sweep/store';

const runnerPath = path.resolve(__dirname, '../../runner.js');
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-test-'));

/** The last step a run recorded (-1 without records): how far training got, a measure of work, not of time. */
function lastStep(runDir: string): number {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return -1;
  const steps = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { step: number }).step);
  return steps.length ? Math.max(...steps) : -1;
}

function small(
  name: string,
  over: Partial<ExperimentConfig['settings']> = {},
  grid: Partial<ExperimentConfig['grid']> = {},
): ExperimentConfig {
  return validateConfig({
    version: 1,
    name,
    kind: 'noise',
    grid: { case: ['high'], p: [-1, 1], snr: [1], seed: [5], ...grid },
    settings: { n: 600, width: 24, steps: 300, evalEvery: 50, ...over },
  });
}

test('a sweep writes run.json, metrics.jsonl and summary.json; a re-run skips finished runs', async () => {
  const root = tmp();
  const config = small('basic', {}, { case: ['high', 'low'] });
  const summary = await new RunManager({ runnerPath, workers: 2 }).runSweep(config, root);
  assert.deepEqual(
    summary.runs.map((r) => r.status),
    ['done', 'done', 'done', 'done'],
  );
  const store = new ExperimentStore(root, 'basic');
  for (const r of summary.runs) {
    assert.ok(Number.isFinite(r.final.testMSE) && Number.isFinite(r.final.trainMSE));
    assert.ok(r.backend && r.seconds !== undefined);
    const run = store.readRun(r.id)!;
    assert.equal(run.status, 'done');
    assert.equal(run.spectra!.sigma.length, 10);
    const recs = store.readMetrics(r.id);
    assert.deepEqual(
      recs.map((x) => x.step),
      [0, 50, 100, 150, 200, 250, 300],
    );
    assert.equal(recs.at(-1)!.testMSE, r.final.testMSE);
    assert.ok(fs.existsSync(path.join(store.runDir(r.id), 'weights.json')));
  }
  const onDisk = JSON.parse(fs.readFileSync(path.join(root, 'basic', 'summary.json'), 'utf8'));
  assert.equal(onDisk.experiment.name, 'basic');
  assert.equal(onDisk.runs.length, 4);

  const m2 = new RunManager({ runnerPath, workers: 2 });
  const skipped: string[] = [];
  m2.on('state', (id, s) => s === 'skipped' && skipped.push(id));
  const again = await m2.runSweep(config, root);
  assert.equal(skipped.length, 4);
  assert.deepEqual(
    again.runs.map((r) => r.final.testMSE),
    summary.runs.map((r) => r.final.testMSE),
  );

  // a changed setting is a different run: nothing skipped
  const m3 = new RunManager({ runnerPath, workers: 2 });
  let skipped3 = 0;
  m3.on('state', (_id, s) => s === 'skipped' && skipped3++);
  await m3.runSweep(small('basic', { steps: 100 }, { case: ['high', 'low'] }), root);
  assert.equal(skipped3, 0);
});

test('a killed runner marks its runs failed with the reason; finished runs and the store stay intact', async () => {
  const root = tmp();
  const settings = { n: 2000, width: 64, steps: 30000, evalEvery: 1000 };
  // The first sweep finishes seed 5. The second adds seed 6 with the same settings: seed 5 is skipped and seed 6's
  // runner is killed as soon as it reports progress (every 200 ms; the run takes longer than that).
  const first = await new RunManager({ runnerPath, workers: 1 }).runSweep(
    small('killed', settings, { seed: [5], p: [0] }),
    root,
  );
  assert.equal(first.runs[0].status, 'done');
  const store = new ExperimentStore(root, 'killed');
  const recordsBefore = store.readMetrics('high_p0_snr1_s5');
  const m = new RunManager({ runnerPath, workers: 1 });
  let pid = -1;
  m.on('job', (p) => (pid = p));
  m.on('progress', () => {
    if (pid > 0) process.kill(pid, 'SIGKILL');
    pid = -1;
  });
  const summary = await m.runSweep(small('killed', settings, { seed: [5, 6], p: [0] }), root);
  const [done, killed] = summary.runs;
  assert.equal(done.status, 'done');
  assert.equal(done.final.testMSE, first.runs[0].final.testMSE);
  assert.deepEqual(store.readMetrics('high_p0_snr1_s5'), recordsBefore);
  assert.equal(killed.status, 'failed');
  assert.match(killed.reason!, /runner process exited \(signal SIGKILL\)/);
  assert.doesNotThrow(() => JSON.parse(fs.readFileSync(store.summaryPath(), 'utf8')));
  assert.equal(store.readRun(killed.id)!.status, 'failed');
});

test('a diverging run is marked diverged with its step; the others finish; no NaN reaches the store', async () => {
  const root = tmp();
  const config = small('diverge', { lr: 50, steps: 200, evalEvery: 10 }, { p: [-3, 0] });
  const summary = await new RunManager({ runnerPath, workers: 1 }).runSweep(config, root);
  const diverged = summary.runs.filter((r) => r.status === 'diverged');
  assert.ok(diverged.length >= 1, JSON.stringify(summary.runs));
  for (const r of diverged) assert.match(r.reason!, /diverged at step \d+/);
  const onDisk = JSON.parse(fs.readFileSync(path.join(root, 'diverge', 'summary.json'), 'utf8'));
  for (const r of onDisk.runs)
    for (const v of Object.values(r.final)) assert.ok(Number.isFinite(v), `${r.id}: ${JSON.stringify(r.final)}`);
  for (const r of summary.runs) {
    const lines = fs.readFileSync(path.join(root, 'diverge', 'runs', r.id, 'metrics.jsonl'), 'utf8');
    assert.ok(!/NaN|Infinity|null/.test(lines), `${r.id} metrics hold a non-finite value`);
  }
});

test('cancel stops running jobs, keeps finished runs, marks the rest cancelled', async () => {
  const root = tmp();
  const config = small('cancel', { n: 2000, width: 64, steps: 400000, evalEvery: 1000 }, { seed: [5, 6, 7], p: [0] });
  const m = new RunManager({ runnerPath, workers: 1, graceSeconds: 5 });
  m.on('progress', () => m.cancel());
  // the sweep resolving at all is the event (400000 steps would not finish); how far the runs got is the work bound
  const summary = await m.runSweep(config, root);
  assert.deepEqual(
    summary.runs.map((r) => r.status),
    ['cancelled', 'cancelled', 'cancelled'],
  );
  for (const r of summary.runs) {
    const at = lastStep(path.join(root, 'cancel', 'runs', r.id));
    assert.ok(
      at < config.settings.steps - 1,
      `${r.id} trained to its last step ${at} of ${config.settings.steps}: the cancel did not stop it`,
    );
  }
});

test('a corrupt summary.json is rebuilt from the run files', async () => {
  const root = tmp();
  const config = small('corrupt', { steps: 100 });
  const before = await new RunManager({ runnerPath, workers: 1 }).runSweep(config, root);
  fs.writeFileSync(path.join(root, 'corrupt', 'summary.json'), '{"experiment": {"na');
  const { summary, warning } = loadSummary(path.join(root, 'corrupt'));
  assert.match(warning!, /not valid JSON/);
  assert.deepEqual(
    summary.runs.map((r) => [r.id, r.final.testMSE]),
    before.runs.map((r) => [r.id, r.final.testMSE]),
  );
});

test('cancelRuns stops one run while the others of its job finish, and keeps queued ones from starting', async () => {
  const root = tmp();
  // job 1 (seed 5) trains p -1 and p 1 together; job 2 (seed 6) is queued behind it on one worker
  const config = small('cancel-one', { n: 2000, width: 64, steps: 20000, evalEvery: 1000 }, { seed: [5, 6] });
  const m = new RunManager({ runnerPath, workers: 1 });
  let asked = false;
  m.on('progress', (id) => {
    if (asked || id !== 'high_p-1_snr1_s5') return;
    asked = true;
    m.cancelRuns(['high_p-1_snr1_s5', 'high_p1_snr1_s6']);
  });
  const summary = await m.runSweep(config, root);
  const status = Object.fromEntries(summary.runs.map((r) => [r.id, r.status]));
  assert.deepEqual(status, {
    'high_p-1_snr1_s5': 'cancelled',
    high_p1_snr1_s5: 'done',
    'high_p-1_snr1_s6': 'done',
    high_p1_snr1_s6: 'cancelled',
  });
  const store = new ExperimentStore(root, 'cancel-one');
  assert.equal(store.readRun('high_p1_snr1_s6')!.reason, 'cancelled by the user');
});
