// The host run manager's state machine over real runner processes (dist/runner.js): sweeps queue, runs go
// queued -> running -> done | failed | cancelled, cancel stops a sweep, drops a queued one or stops one run,
// a crashing runner fails its runs while the sweep goes on, and re-running one run keeps the whole experiment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateConfig, type ExperimentConfig } from '../../src/shared/config';
import { ExperimentStore } from '../../src/sweep/store';
import { LabRunner } from '../../src/host/labRunner';

const runnerPath = path.resolve(__dirname, '../../runner.js');
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-host-'));

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
const TINY = { n: 600, width: 24, steps: 300, evalEvery: 50 };
const LONG = { n: 2000, width: 64, steps: 400000, evalEvery: 1000 };

function small(
  name: string,
  grid: Partial<ExperimentConfig['grid']> = {},
  settings: Partial<ExperimentConfig['settings']> = TINY,
): ExperimentConfig {
  return validateConfig({
    version: 1,
    name,
    kind: 'noise',
    grid: { case: ['high'], p: [-1, 1], snr: [1], seed: [5], ...grid },
    settings,
  });
}

function lab(runner = runnerPath, workers = 2): LabRunner {
  return new LabRunner({ runnerPath: runner, workers: () => workers, backend: () => 'auto', graceSeconds: 5 });
}

function recordStates(l: LabRunner): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  l.on('state', (exp, id, s) => seen.set(`${exp}/${id}`, [...(seen.get(`${exp}/${id}`) ?? []), s]));
  return seen;
}

test('sweeps queue; runs go queued -> running -> done; records stream; the live state empties', async () => {
  const root = tmp();
  const l = lab();
  const states = recordStates(l);
  const phases: string[] = [];
  l.on('sweep', (h, phase) => phases.push(`${h.experiment} ${phase}`));
  let records = 0;
  l.on('records', (exp, _id, recs) => exp === 'a' && (records += recs.length));
  const a = l.enqueue({ config: small('a'), root });
  const b = l.enqueue({ config: small('b', { p: [0] }), root });
  assert.deepEqual(
    l.sweeps().map((s) => [s.handle.experiment, s.running]),
    [
      ['a', true],
      ['b', false],
    ],
  );
  assert.equal(l.live().get('b')?.get('high_p0_snr1_s5')?.state, 'queued');
  assert.equal(l.live().get('a')?.get('high_p-1_snr1_s5')?.state, 'running');
  assert.deepEqual([...l.live(path.join(root, 'elsewhere')).keys()], []);
  assert.deepEqual(l.progressOf(a.id), { total: 2, ended: 0, running: 2, started: true });
  assert.deepEqual(l.progressOf(b.id), { total: 1, ended: 0, running: 0, started: false });
  assert.deepEqual(
    (await a.done).runs.map((r) => r.status),
    ['done', 'done'],
  );
  assert.deepEqual(
    (await b.done).runs.map((r) => r.status),
    ['done'],
  );
  assert.deepEqual(states.get('a/high_p-1_snr1_s5'), ['queued', 'running', 'done']);
  assert.deepEqual(states.get('b/high_p0_snr1_s5'), ['queued', 'running', 'done']);
  assert.deepEqual(phases, ['a queued', 'a started', 'b queued', 'a finished', 'b started', 'b finished']);
  assert.equal(records, 2 * 7, 'steps 0, 50, ..., 300 of two runs');
  assert.equal(l.runningCount(), 0);
  assert.equal(l.progressOf(a.id), undefined);
  assert.equal(l.live().size, 0);
  assert.deepEqual(l.sweeps(), []);
  assert.ok(l.lastBackend?.backend, 'the backend the runs got is known');
  await l.idle();
});

test('cancel all: the running sweep stops with its runs cancelled; a queued sweep is dropped untouched', async () => {
  const root = tmp();
  const l = lab(runnerPath, 1);
  const a = l.enqueue({ config: small('long', { p: [0], seed: [5, 6] }, LONG), root });
  const b = l.enqueue({ config: small('never'), root });
  l.once('progress', () => assert.equal(l.cancelAll(), 2));
  // a.done resolving is the event (LONG would not finish); neither run may have reached its last step
  const sa = await a.done;
  assert.deepEqual(
    sa.runs.map((r) => r.status),
    ['cancelled', 'cancelled'],
  );
  for (const r of sa.runs) {
    const at = lastStep(path.join(root, 'long', 'runs', r.id));
    assert.ok(
      at < LONG.steps - 1,
      `${r.id} trained to its last step ${at} of ${LONG.steps}: the cancel did not stop it`,
    );
  }
  const sb = await b.done;
  assert.deepEqual(
    sb.runs.map((r) => r.status),
    ['cancelled', 'cancelled'],
  );
  assert.match(sb.runs[0].reason!, /cancelled before it started/);
  assert.equal(fs.existsSync(path.join(root, 'never')), false);
  assert.equal(new ExperimentStore(root, 'long').readRun('high_p0_snr1_s5')?.status, 'cancelled');
  assert.equal(l.cancelAll(), 0);
});

test('cancel one run: its process stops and it is recorded cancelled; a queued run is stopped when its turn comes; the rest finish', async () => {
  const root = tmp();
  const l = lab(runnerPath, 1);
  const states = recordStates(l);
  const settings = { ...LONG, steps: 100000 };
  const h = l.enqueue({ config: small('some', { p: [0], seed: [5, 6, 7] }, settings), root });
  assert.equal(l.cancelRun('some', 'high_p0_snr1_s7'), true, 'queued: cancelled when its job starts');
  assert.equal(l.cancelRun('some', 'no-such-run'), false);
  l.once('progress', (_e, id) => assert.equal(l.cancelRun('some', id), true));
  const summary = await h.done;
  assert.deepEqual(
    summary.runs.map((r) => [r.id, r.status]),
    [
      ['high_p0_snr1_s5', 'cancelled'],
      ['high_p0_snr1_s6', 'done'],
      ['high_p0_snr1_s7', 'cancelled'],
    ],
  );
  const onDisk = new ExperimentStore(root, 'some').readRun('high_p0_snr1_s5')!;
  assert.equal(onDisk.status, 'cancelled');
  assert.match(onDisk.reason!, /cancelled by the user/);
  assert.deepEqual(states.get('some/high_p0_snr1_s5'), ['queued', 'running', 'cancelled'], 'never reported failed');
});

test('a runner that crashes fails its runs with the reason, and the sweep goes on', async () => {
  const root = tmp();
  // A runner that dies on seed 6's job and otherwise is the real one.
  const crashing = path.join(root, 'crashing-runner.js');
  fs.writeFileSync(
    crashing,
    `process.on('message', (m) => { if (m.type === 'start' && m.job.common.seed === 6) process.exit(3); ` +
      `});\nrequire(${JSON.stringify(runnerPath)});\n`,
  );
  const l = lab(crashing, 1);
  const failures: string[] = [];
  l.on('state', (_e, id, s, detail) => s === 'failed' && failures.push(`${id}: ${detail}`));
  const summary = await l.enqueue({ config: small('crash', { p: [0], seed: [5, 6, 7] }), root }).done;
  assert.deepEqual(
    summary.runs.map((r) => r.status),
    ['done', 'failed', 'done'],
  );
  assert.equal(failures.length, 1);
  assert.match(failures[0], /high_p0_snr1_s6: the runner process exited \(code 3\)/);
});

test('re-running one run forces it and keeps the store describing the whole experiment', async () => {
  const root = tmp();
  const l = lab();
  const whole = small('again', { p: [-1, 1] });
  await l.enqueue({ config: whole, root }).done;
  const store = new ExperimentStore(root, 'again');
  const before = store.readRun('high_p-1_snr1_s5')!;
  const one = small('again', { p: [1] });
  const h = l.enqueue({ config: one, root, force: true, whole });
  assert.deepEqual(store.readConfig()?.grid.p, [-1, 1], 'experiment.json is the whole grid while the run re-runs');
  const summary = await h.done;
  assert.deepEqual(
    summary.runs.map((r) => [r.id, r.status]),
    [
      ['high_p-1_snr1_s5', 'done'],
      ['high_p1_snr1_s5', 'done'],
    ],
  );
  assert.deepEqual(store.readRun('high_p-1_snr1_s5'), before, 'the other run is untouched');
  assert.equal(JSON.parse(fs.readFileSync(store.summaryPath(), 'utf8')).runs.length, 2);
});
