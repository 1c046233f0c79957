// What is read back from the results store is checked as strictly as a config: each wrong shape of
// summary.json, run.json, a metrics line and weights.json gets a message naming the file's field; loadSummary
// rebuilds a wrong-shaped summary and names each run.json it leaves out; `report` finds the folder the user
// meant or says where it looked, and never throws a TypeError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { validateConfig } from '../../src/shared/config';
import { checkRecord, checkRunFile, checkSummary, checkWeights } from '../../src/sweep/storeSchema';
import { ExperimentStore, loadSummary, type RunFile } from '../../src/sweep/store';
import { findExperimentDir, report } from '../../src/sweep/report';

const config = validateConfig({
  version: 1,
  name: 'exp',
  kind: 'noise',
  grid: { case: ['high'], p: [0, 1], snr: [1], seed: [42] },
  settings: { n: 200, steps: 10 },
});

const goodRun = (id: string, over: Partial<Record<keyof RunFile, unknown>> = {}): RunFile =>
  ({
    id,
    experiment: 'exp',
    kind: 'noise',
    params: { case: 'high', p: id.includes('p1') ? 1 : 0, snr: 1, seed: 42 },
    settings: config.settings,
    key: 'k',
    weightsKey: 'w',
    status: 'done',
    engineVersion: '0.1.0',
    final: { trainMSE: 0.5, testMSE: 0.75 },
    ...over,
  }) as RunFile;

const problemsOf = (r: { ok: boolean; problems?: string[] }): string[] => (r.ok ? [] : r.problems!);

test('run.json: each wrong shape is named by its field', () => {
  assert.equal(checkRunFile(goodRun('a'), 'a').ok, true);
  assert.deepEqual(problemsOf(checkRunFile(null, 'a')), ['run.json: must be a JSON object, got null']);
  assert.deepEqual(problemsOf(checkRunFile([1, 2], 'a')), [
    'run.json: must be a JSON object, got an array of 2 values',
  ]);
  const empty = problemsOf(checkRunFile({}, 'a'));
  for (const field of ['id', 'experiment', 'key', 'weightsKey', 'engineVersion', 'kind', 'status', 'params', 'final']) {
    assert.ok(
      empty.some((p) => p.startsWith(`run.json.${field}:`)),
      `{} names ${field}: ${empty.join(' | ')}`,
    );
  }
  assert.deepEqual(problemsOf(checkRunFile(goodRun('a', { status: 5 }), 'a')), [
    'run.json.status: must be one of queued, running, done, failed, diverged, cancelled, interrupted, got 5',
  ]);
  assert.deepEqual(problemsOf(checkRunFile(goodRun('a', { params: null }), 'a')), [
    'run.json.params: must be an object, got null',
  ]);
  assert.deepEqual(
    problemsOf(checkRunFile(goodRun('a', { params: { case: 'high', p: 'NaN', snr: 1, seed: 42 } }), 'a')),
    ['run.json.params.p: must be a number in [-3, 3], got "NaN"'],
  );
  assert.deepEqual(problemsOf(checkRunFile(goodRun('a', { final: { testMSE: 'NaN' } }), 'a')), [
    'run.json.final.testMSE: must be a number, got "NaN"',
  ]);
  assert.deepEqual(problemsOf(checkRunFile(goodRun('a', { final: [] }), 'a')), [
    'run.json.final: must be an object, got an array of 0 values',
  ]);
  assert.deepEqual(problemsOf(checkRunFile(goodRun('b'), 'a')), [
    'run.json.id: "b" is not the name of its folder ("a")',
  ]);
  assert.deepEqual(problemsOf(checkRunFile(goodRun('a', { seconds: -1 }), 'a')), [
    'run.json.seconds: must be a number >= 0, got -1',
  ]);
  assert.deepEqual(problemsOf(checkRunFile(goodRun('a', { settings: { ...config.settings, lr: 'fast' } }), 'a')), [
    'run.json.settings.lr: must be a number in (0, 100], got "fast"',
  ]);
});

test('run.json: keys every object has are plain unknown keys, null metrics are dropped', () => {
  const proto = JSON.parse('{"case":"high","p":0,"snr":1,"seed":42,"__proto__":{"x":1}}');
  assert.deepEqual(problemsOf(checkRunFile(goodRun('a', { params: proto }), 'a')), [
    'run.json.params.__proto__: not a parameter of a noise run (allowed: case, p, snr, seed)',
  ]);
  // status "toString" is not a state even though every object has a toString
  assert.equal(problemsOf(checkRunFile(goodRun('a', { status: 'toString' }), 'a')).length, 1);
  const r = checkRunFile(goodRun('a', { final: { trainMSE: 0.5, testMSE: null } }), 'a');
  assert.ok(r.ok);
  assert.deepEqual(r.value.final, { trainMSE: 0.5 });
});

test('summary.json: wrong shapes are named, down to the run and field', () => {
  const good = {
    experiment: config,
    runs: [{ id: 'x', params: { case: 'high', p: 0, snr: 1, seed: 42 }, status: 'done', final: { testMSE: 1 } }],
    updatedAt: 'now',
  };
  assert.ok(checkSummary(good).ok);
  assert.deepEqual(problemsOf(checkSummary(null)), ['summary.json: must be a JSON object, got null']);
  assert.deepEqual(problemsOf(checkSummary({ ...good, runs: [null] })), [
    'summary.json.runs[0]: must be an object, got null',
  ]);
  assert.deepEqual(problemsOf(checkSummary({ ...good, runs: 'all' })), [
    'summary.json.runs: must be an array, got "all"',
  ]);
  assert.deepEqual(problemsOf(checkSummary({ ...good, runs: [{ ...good.runs[0], status: 'finished' }] })), [
    'summary.json.runs[0].status: must be one of queued, running, done, failed, diverged, cancelled, interrupted, ' +
      'got "finished"',
  ]);
  assert.deepEqual(problemsOf(checkSummary({ ...good, runs: [good.runs[0], good.runs[0]] })), [
    'summary.json.runs[1].id: "x" is listed twice',
  ]);
  const cfg = problemsOf(checkSummary({ ...good, experiment: { ...config, kind: 'bogus' } }));
  assert.ok(
    cfg.some((p) => p.startsWith('summary.json.experiment: kind: must be one of')),
    cfg.join(' | '),
  );
});

test('metrics lines and weights.json: wrong shapes are refused, null values read as missing', () => {
  assert.deepEqual(checkRecord({ step: 0, trainMSE: 1.5, testMSE: null }), {
    ok: true,
    value: { step: 0, trainMSE: 1.5 },
  });
  assert.deepEqual(problemsOf(checkRecord(null)), ['record: must be an object, got null']);
  assert.deepEqual(problemsOf(checkRecord({ step: -1 })), ['record.step: must be an integer >= 0, got -1']);
  assert.deepEqual(problemsOf(checkRecord({ step: 2, testMSE: 'Infinity' })), [
    'record.testMSE: must be a number, got "Infinity"',
  ]);
  assert.deepEqual(problemsOf(checkRecord({ step: 2, extra: 1 })), ['record.extra: not a field of a record']);
  const w = {
    W1: [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    b1: [0, 0, 0],
    W2: [[1, 1, 1]],
    b2: [0],
  };
  assert.ok(checkWeights(w, { dx: 2, width: 3 }).ok);
  assert.ok(checkWeights(w).ok, 'shapes inferred from b1 and W1');
  assert.deepEqual(problemsOf(checkWeights(w, { dx: 3, width: 3 })), [
    'weights.json.W1[0]: must be an array of 3 numbers, got an array of 2 values',
  ]);
  assert.deepEqual(problemsOf(checkWeights({ ...w, b2: [null] })), [
    'weights.json.b2[0]: must be a finite number, got null',
  ]);
  assert.deepEqual(problemsOf(checkWeights('garbage')), [
    'weights.json: must be a JSON object with W1, b1, W2, b2, got "garbage"',
  ]);
});

function makeStore(): { root: string; store: ExperimentStore } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-schema-'));
  const store = new ExperimentStore(root, 'exp');
  store.writeConfig(config);
  store.writeRun(goodRun('high_p0_snr1_s42'));
  store.writeRun(
    goodRun('high_p1_snr1_s42', { status: 'diverged', final: {}, reason: 'diverged at step 0: train MSE is Infinity' }),
  );
  return { root, store };
}

test('loadSummary rebuilds a wrong-shaped summary and names each run.json it leaves out', () => {
  const { root, store } = makeStore();
  try {
    fs.mkdirSync(store.runDir('bad_empty'), { recursive: true });
    fs.writeFileSync(path.join(store.runDir('bad_empty'), 'run.json'), '{}');
    fs.mkdirSync(store.runDir('bad_torn'), { recursive: true });
    fs.writeFileSync(path.join(store.runDir('bad_torn'), 'run.json'), '{"id": "bad_to');
    fs.writeFileSync(store.summaryPath(), JSON.stringify({ runs: [null] }));
    const { summary, warning } = loadSummary(store.dir);
    assert.deepEqual(
      summary.runs.map((r) => [r.id, r.status]),
      [
        ['high_p0_snr1_s42', 'done'],
        ['high_p1_snr1_s42', 'diverged'],
      ],
    );
    const lines = warning!.split('\n');
    assert.match(
      lines[0],
      /^summary\.json\.experiment: the config must be a JSON object, got undefined; rebuilt it from 2 run\.json files\.$/,
    );
    assert.match(
      lines[1],
      /^skipped runs\/bad_empty\/run\.json: id: must be a string, missing; experiment: must be a string, missing; .* and 4 more problems$/,
    );
    assert.match(lines[2], /^skipped runs\/bad_torn\/run\.json is not valid JSON \(/);
    assert.ok(!warning!.includes(root), 'paths are given relative to the experiment folder');
    // the rebuilt summary now passes, and still names the bad run.json files
    const again = loadSummary(store.dir);
    assert.equal(again.warning!.split('\n').length, 2);
    const text = report(again.summary);
    assert.match(text, /high_p1_snr1_s42: diverged - diverged at step 0: train MSE is Infinity/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a folder that is no experiment, and report targets, get messages with the path resolved once', () => {
  const { root, store } = makeStore();
  try {
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    assert.throws(() => loadSummary(empty), {
      message: `${empty} is not a readable experiment folder: summary.json is missing, and experiment.json is missing.`,
    });
    fs.writeFileSync(path.join(store.dir, 'experiment.json'), '{"version": 1}');
    fs.rmSync(path.join(store.dir, 'summary.json'), { force: true });
    assert.throws(
      () => loadSummary(store.dir),
      (e: Error) =>
        e.message.startsWith(
          `${store.dir} is not a readable experiment folder: summary.json is missing, and experiment.json: name: ` +
            'must be',
        ),
    );

    assert.equal(findExperimentDir(store.dir, '/nowhere'), store.dir, 'an absolute path as it is');
    assert.equal(findExperimentDir('exp', root), store.dir, 'a name under the results root');
    assert.throws(() => findExperimentDir(empty, root), {
      message: `no experiment folder "${empty}": ${empty} has no summary.json or experiment.json`,
    });
    const file = path.join(root, 'file.txt');
    fs.writeFileSync(file, 'x');
    assert.throws(() => findExperimentDir(file, root), {
      message: `no experiment folder "${file}": ${file} is a file, not an experiment folder`,
    });
    const cwd = process.cwd();
    assert.throws(() => findExperimentDir('nope', root), {
      message:
        `no experiment folder "nope": ${path.join(cwd, 'nope')} does not exist; ` +
        `${path.join(root, 'nope')} does not exist`,
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test(
  'the CLI report prints the table and warnings for wrong-shaped files, never a TypeError',
  { skip: !fs.existsSync(path.resolve(__dirname, '../../cli.js')) && 'dist/cli.js not built' },
  () => {
    const cli = path.resolve(__dirname, '../../cli.js');
    const { root, store } = makeStore();
    try {
      fs.mkdirSync(store.runDir('bad_empty'), { recursive: true });
      fs.writeFileSync(path.join(store.runDir('bad_empty'), 'run.json'), '{}');
      fs.writeFileSync(store.summaryPath(), '{"runs":[null]}');
      const ok = spawnSync(process.execPath, [cli, 'report', 'exp', '--out', root], { encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /exp \(noise\): 2 runs/);
      assert.match(ok.stderr, /^warning: summary\.json\.experiment: .*rebuilt it from 2 run\.json files\.$/m);
      assert.match(ok.stderr, /^warning: skipped runs\/bad_empty\/run\.json: /m);
      assert.doesNotMatch(ok.stderr, /TypeError|\n\s+at /);
      const empty = path.join(root, 'empty');
      fs.mkdirSync(empty);
      const bad = spawnSync(process.execPath, [cli, 'report', empty, '--out', root], { encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.equal(
        bad.stderr,
        `precond-lab: no experiment folder "${empty}": ${empty} has no summary.json or experiment.json\n`,
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  },
);
