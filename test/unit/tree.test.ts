// The Experiments tree's data: the store reader over a store written with the engine's ExperimentStore, grouping
// by the swept axes, run states (interrupted included), headline metrics, live overlay and config files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandRuns, validateConfig, type ExperimentConfig, type RunParams } from '../../src/shared/config';
import { ENGINE_VERSION, ExperimentStore, type RunFile, type RunStatus } from '../../src/sweep/store';
import { readStore } from '../../src/host/storeReader';
import { buildTree, flatten, type TreeNode } from '../../src/host/treeModel';
import type { LiveRun } from '../../src/host/runView';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-tree-'));

function config(
  name: string,
  grid: Partial<ExperimentConfig['grid']>,
  kind: 'noise' | 'transfer' = 'noise',
): ExperimentConfig {
  return validateConfig({
    version: 1,
    name,
    kind,
    grid: { case: ['high'], p: [0], ...grid },
    settings: { n: 600, width: 24, steps: 300, evalEvery: 50 },
  });
}

function writeRuns(
  root: string,
  cfg: ExperimentConfig,
  status: (p: RunParams, i: number) => [RunStatus, Record<string, number>, string?],
): void {
  const store = new ExperimentStore(root, cfg.name);
  store.writeConfig(cfg);
  expandRuns(cfg).forEach((spec, i) => {
    const [s, final, reason] = status(spec.params, i);
    const run: RunFile = {
      id: spec.id,
      experiment: cfg.name,
      kind: cfg.kind,
      params: spec.params,
      settings: cfg.settings,
      key: 'k',
      weightsKey: 'w',
      status: s,
      engineVersion: ENGINE_VERSION,
      final,
      backend: 'wasm',
      seconds: 1.5,
      ...(reason ? { reason } : {}),
    };
    store.writeRun(run);
  });
  store.writeSummary(cfg);
}

const byLabel = (nodes: TreeNode[], label: string): TreeNode => {
  const n = nodes.find((x) => x.label === label);
  assert.ok(n, `no node "${label}" among ${nodes.map((x) => x.label).join(', ')}`);
  return n;
};
const noLive = new Map<string, Map<string, LiveRun>>();

test('the store reader lists experiments with their runs and reports unreadable run files', () => {
  const root = tmp();
  writeRuns(root, config('b-exp', { p: [-1, 1] }), () => ['done', { testMSE: 0.5 }]);
  writeRuns(root, config('a-exp', { p: [0] }), () => ['done', { testMSE: 0.5 }]);
  fs.mkdirSync(path.join(root, 'b-exp', 'runs', 'broken'), { recursive: true });
  fs.mkdirSync(path.join(root, 'not-an-experiment'));
  const store = readStore(root);
  assert.deepEqual(
    store.map((e) => e.name),
    ['a-exp', 'b-exp'],
  );
  assert.equal(store[1].runs.length, 2);
  assert.equal(store[1].config?.name, 'b-exp');
  assert.match(store[1].warnings.join(), /runs\/broken\/run.json/);
  assert.deepEqual(readStore(path.join(root, 'missing')), []);
});

test('runs are grouped by case, then SNR, and labelled by p; states, icons and headline metrics', () => {
  const root = tmp();
  const cfg = config('fig', { case: ['high', 'low'], p: [-2, 0, 2], snr: [0.5, 1] });
  writeRuns(root, cfg, (p) => {
    if (p.case === 'low' && p.snr === 1 && p.p === 2)
      return ['diverged', { divergedAt: 120 }, 'diverged at step 120: test MSE is NaN'];
    if (p.case === 'low' && p.snr === 1 && p.p === 0)
      return ['failed', {}, 'the runner process exited (signal SIGKILL) before the run finished'];
    if (p.case === 'low' && p.snr === 0.5 && p.p === 2) return ['running', {}];
    if (p.case === 'low' && p.snr === 0.5 && p.p === 0) return ['cancelled', { testMSE: 0.9 }];
    return ['done', { trainMSE: 0.1, testMSE: 0.25 + (p.p ?? 0) / 100 }];
  });
  const tree = buildTree({ experiments: readStore(root), configs: [], live: noLive });
  assert.equal(tree.length, 1);
  const exp = tree[0];
  assert.equal(exp.kind, 'experiment');
  assert.equal(exp.contextValue, 'experiment results idle');
  assert.match(exp.description!, /^noise · 8\/12 done · 1 diverged · 1 failed · 1 cancelled · 1 interrupted$/);
  assert.deepEqual(
    exp.children.map((c) => c.label),
    ['Case high', 'Case low'],
  );
  const low = byLabel(exp.children, 'Case low');
  assert.deepEqual(
    low.children.map((c) => c.label),
    ['SNR 0.5', 'SNR 1'],
  );
  const snr1 = byLabel(low.children, 'SNR 1');
  assert.deepEqual(
    snr1.children.map((c) => c.label),
    ['p = -2', 'p = 0', 'p = 2'],
  );
  const [done, failed, diverged] = snr1.children;
  assert.equal(done.description, 'test MSE 0.2300');
  assert.equal(done.icon?.id, 'pass-filled');
  assert.equal(done.contextValue, 'run done');
  assert.equal(done.dir, path.join(root, 'fig', 'runs', 'low_p-2_snr1_s42'));
  assert.match(done.tooltip!, /\| p \| -2 \|/);
  assert.match(done.tooltip!, /\| testMSE \| 0\.2300 \|/);
  assert.match(done.tooltip!, /backend wasm/);
  assert.equal(failed.state, 'failed');
  assert.equal(failed.icon?.id, 'error');
  assert.match(failed.tooltip!, /signal SIGKILL/);
  assert.equal(diverged.description, 'diverged at step 120');
  assert.equal(diverged.icon?.id, 'warning');
  const snr05 = byLabel(low.children, 'SNR 0.5');
  assert.equal(byLabel(snr05.children, 'p = 0').description, 'cancelled · test MSE 0.9000');
  // 'running' on disk with no live sweep owning it: the process that ran it is gone
  const interrupted = byLabel(snr05.children, 'p = 2');
  assert.equal(interrupted.state, 'interrupted');
  assert.equal(interrupted.contextValue, 'run interrupted');
  assert.equal(interrupted.icon?.id, 'debug-disconnect');
  assert.match(interrupted.tooltip!, /Re-run it to finish/);
  assert.equal(snr05.description, '1/3 done · 1 cancelled · 1 interrupted');
  // ids are unique (VS Code keeps expansion state by id)
  const ids = flatten(tree).map((n) => n.id);
  assert.equal(new Set(ids).size, ids.length);
});

test('a grid with one case is not grouped; varying seeds label the runs', () => {
  const root = tmp();
  writeRuns(root, config('seeds', { p: [1, -1], seed: [43, 42] }, 'transfer'), () => [
    'done',
    { task1TestMSE: 0.3, task2TestMSE: 0.4 },
  ]);
  const [exp] = buildTree({ experiments: readStore(root), configs: [], live: noLive });
  assert.deepEqual(
    exp.children.map((c) => c.label),
    ['p = -1 · seed 42', 'p = -1 · seed 43', 'p = 1 · seed 42', 'p = 1 · seed 43'],
  );
  // Figure 3 is about Task 2: the transfer headline is named for it (issue 14, defect 3)
  assert.equal(exp.children[0].description, 'Task 2 test MSE 0.4000');
  assert.match(exp.description!, /^transfer · 4 done$/);
});

test('live sweeps overlay the store: running with progress, queued runs of a sweep not started yet', () => {
  const root = tmp();
  const cfg = config('live', { p: [-1, 1] });
  writeRuns(root, cfg, () => ['running', {}]);
  const live = new Map<string, Map<string, LiveRun>>([
    [
      'live',
      new Map<string, LiveRun>([
        [
          'high_p-1_snr1_s42',
          { state: 'running', params: { case: 'high', p: -1, snr: 1, seed: 42 }, step: 150, steps: 300 },
        ],
      ]),
    ],
    [
      'pending',
      new Map<string, LiveRun>([
        ['high_p0_snr1_s42', { state: 'queued', params: { case: 'high', p: 0, snr: 1, seed: 42 } }],
      ]),
    ],
  ]);
  const tree = buildTree({ experiments: readStore(root), configs: [], live });
  const exp = byLabel(tree, 'live');
  assert.equal(exp.contextValue, 'experiment results active');
  const [running, stale] = exp.children;
  assert.equal(running.description, 'running 50%');
  assert.equal(running.progress, 0.5);
  assert.equal(running.contextValue, 'run running live');
  assert.equal(stale.state, 'interrupted');
  const pending = byLabel(tree, 'pending');
  assert.equal(pending.dir, undefined);
  assert.equal(pending.contextValue, 'experiment active');
  assert.equal(pending.children[0].state, 'queued');
  assert.equal(pending.children[0].icon?.id, 'clock');
});

test('config files: merged with their results by name, listed when not run yet, invalid ones shown with the problem', () => {
  const root = tmp();
  const ran = config('ran', { p: [0] });
  writeRuns(root, ran, () => ['done', { testMSE: 0.1 }]);
  const fresh = config('fresh', { case: ['high', 'low'], p: [-1, 0, 1] });
  const tree = buildTree({
    experiments: readStore(root),
    configs: [
      { path: '/ws/ran.precond.json', config: ran },
      { path: '/ws/fresh.precond.json', config: fresh },
      { path: '/ws/bad.precond.json', error: 'settings.lr: must be a number in (0, 100], got 500' },
      { path: '/ws/zz-copy.precond.json', config: fresh },
    ],
    live: noLive,
  });
  assert.deepEqual(
    tree.map((n) => n.label),
    ['fresh', 'ran', 'bad.precond.json', 'zz-copy.precond.json'],
  );
  const f = tree[0];
  assert.equal(f.description, 'noise · 6 runs · not run yet');
  assert.equal(f.contextValue, 'experiment config idle');
  assert.equal(f.configPath, '/ws/fresh.precond.json');
  assert.equal(f.children.length, 0);
  assert.equal(tree[1].contextValue, 'experiment results config idle');
  assert.equal(tree[2].kind, 'config');
  assert.equal(tree[2].contextValue, 'config invalid');
  assert.match(tree[2].tooltip!, /settings\.lr: must be a number in \\\(0, 100\\\]/);
  assert.match(tree[3].description!, /same name as fresh\.precond\.json/);
});

test('OOD runs: grouped by optimizer, AdaHessian labelled by p, the others by seed; OOD accuracy is the headline', () => {
  const root = tmp();
  const cfg = validateConfig({
    version: 1,
    name: 'ood',
    kind: 'ood',
    grid: { optimizer: ['gd', 'adahessian'], p: [-1, 0], seed: [1, 2] },
    settings: { steps: 10 },
  });
  writeRuns(root, cfg, () => ['done', { trainLoss: 0.1, valAcc: 0.98, oodLeftAcc: 0.5, oodRightAcc: 0.25 }]);
  const [exp] = buildTree({ experiments: readStore(root), configs: [], live: noLive });
  assert.match(exp.description!, /^ood · 6 done$/);
  assert.deepEqual(
    exp.children.map((c) => c.label),
    ['adahessian', 'gd'],
  );
  assert.deepEqual(
    exp.children[0].children.map((c) => c.label),
    ['p = -1 · seed 1', 'p = -1 · seed 2', 'p = 0 · seed 1', 'p = 0 · seed 2'],
  );
  assert.deepEqual(
    exp.children[1].children.map((c) => c.label),
    ['seed 1', 'seed 2'],
  );
  // both OOD settings, named (issue 14: "OOD acc" alone showed only the left one)
  assert.match(exp.children[1].children[0].description!, /^OOD acc left 50\.0% · right /);
});
