// The Experiments view's filter box (issue 14: filter, sort and search the tree by parameter, status and metric;
// group by any parameter): the query parser, and the tree built from a store written with the engine's
// ExperimentStore under a query. Expected runs are computed here from the grid, not read back from the tree code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandRuns, validateConfig, type ExperimentConfig, type RunParams } from '../../src/shared/config';
import { ENGINE_VERSION, ExperimentStore, type RunStatus } from '../../src/sweep/store';
import { readStore } from '../../src/host/storeReader';
import { buildTree, flatten, type TreeNode } from '../../src/host/treeModel';
import { FilterError, parseQuery, unknownKeys } from '../../src/host/treeFilter';

const noLive = new Map();

function noise(name: string, grid: Partial<ExperimentConfig['grid']>): ExperimentConfig {
  return validateConfig({
    version: 1,
    name,
    kind: 'noise',
    grid: { case: ['high'], p: [0], ...grid },
    settings: { n: 600, width: 24, steps: 300, evalEvery: 50 },
  });
}

/** test MSE of a run, a function of its params the assertions recompute */
const mse = (p: RunParams): number => 1 + (p.p ?? 0) / 10 + (p.case === 'low' ? 1 : 0) + (p.seed - 42) / 100;
const statusOf = (p: RunParams): RunStatus => (p.p === 2 && p.case === 'low' ? 'diverged' : 'done');

function store(): { root: string; configs: ExperimentConfig[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-filter-'));
  const configs = [
    noise('fig-a', { case: ['high', 'low'], p: [-2, 0, 2], seed: [42, 43] }),
    noise('fig-b', { case: ['low'], p: [-1, 0, 1], snr: [0.5, 1] }),
  ];
  for (const cfg of configs) {
    const s = new ExperimentStore(root, cfg.name);
    s.writeConfig(cfg);
    for (const spec of expandRuns(cfg)) {
      const status = statusOf(spec.params);
      s.writeRun({
        id: spec.id,
        experiment: cfg.name,
        kind: cfg.kind,
        params: spec.params,
        settings: cfg.settings,
        key: 'k',
        weightsKey: 'w',
        status,
        engineVersion: ENGINE_VERSION,
        final: status === 'done' ? { trainMSE: 0.1, testMSE: mse(spec.params) } : { divergedAt: 10 },
        ...(status === 'diverged' ? { reason: 'diverged at step 10: test MSE is NaN' } : {}),
      });
    }
  }
  return { root, configs };
}

const runIds = (nodes: TreeNode[]): string[] =>
  flatten(nodes)
    .filter((n) => n.kind === 'run')
    .map((n) => `${n.experiment}/${n.runId}`)
    .sort();
const expected = (configs: ExperimentConfig[], keep: (p: RunParams) => boolean): string[] =>
  configs
    .flatMap((c) => expandRuns(c).map((r) => ({ id: `${c.name}/${r.id}`, params: r.params })))
    .filter((r) => keep(r.params))
    .map((r) => r.id)
    .sort();

test('the parser reads conditions, words, sort and group, and names what is wrong', () => {
  const q = parseQuery('  p=0,1  status!=failed testMSE<1.5 low sort:-testMSE group:seed,case ');
  assert.deepEqual(q.conditions, [
    { key: 'p', op: '=', values: ['0', '1'] },
    { key: 'status', op: '!=', values: ['failed'] },
    { key: 'testMSE', op: '<', values: ['1.5'] },
  ]);
  assert.deepEqual(q.words, ['low']);
  assert.deepEqual(q.sort, { key: 'testMSE', descending: true });
  assert.deepEqual(q.group, ['seed', 'case']);
  assert.equal(q.text, 'p=0,1 status!=failed testMSE<1.5 low sort:-testMSE group:seed,case');
  assert.deepEqual(parseQuery('group:none').group, []);
  assert.throws(
    () => parseQuery('p<0,1'),
    (e: unknown) => e instanceof FilterError && /one number/.test(String(e)),
  );
  assert.throws(() => parseQuery('p='), /no value after =/);
  assert.throws(() => parseQuery('status>1'), /status takes = or !=/);
  assert.throws(() => parseQuery('sort:'), /sort:KEY/);
  assert.throws(() => parseQuery('=5'), /not a condition/);
});

test('filtering by a parameter leaves exactly the matching runs, across experiments', () => {
  const { root, configs } = store();
  const experiments = readStore(root);
  const all = buildTree({ experiments, configs: [], live: noLive });
  assert.deepEqual(
    runIds(all),
    expected(configs, () => true),
  );
  const tree = buildTree({ experiments, configs: [], live: noLive, query: parseQuery('p=0') });
  assert.deepEqual(
    runIds(tree),
    expected(configs, (p) => p.p === 0),
  );
  // the experiment says how many of its runs match
  const a = tree.find((n) => n.label === 'fig-a')!;
  assert.match(a.description!, /^noise · 4 of 12 runs match · 4 done$/);
  // a list of values, an order comparison, case-insensitive enum values
  assert.deepEqual(
    runIds(buildTree({ experiments, configs: [], live: noLive, query: parseQuery('p=-1,2 case=LOW') })),
    expected(configs, (p) => (p.p === -1 || p.p === 2) && p.case === 'low'),
  );
  assert.deepEqual(
    runIds(buildTree({ experiments, configs: [], live: noLive, query: parseQuery('p>=1') })),
    expected(configs, (p) => p.p! >= 1),
  );
});

test('filtering by status and metric; a word searches ids, labels and experiment names', () => {
  const { root, configs } = store();
  const experiments = readStore(root);
  const build = (text: string): TreeNode[] =>
    buildTree({ experiments, configs: [], live: noLive, query: parseQuery(text) });
  assert.deepEqual(
    runIds(build('status=diverged')),
    expected(configs, (p) => statusOf(p) === 'diverged'),
  );
  assert.deepEqual(
    runIds(build('testMSE<1.05')),
    expected(configs, (p) => statusOf(p) === 'done' && mse(p) < 1.05),
  );
  // `metric` is the headline the row shows (test MSE for noise runs); runs without it never match a comparison
  assert.deepEqual(
    runIds(build('metric>2')),
    expected(configs, (p) => statusOf(p) === 'done' && mse(p) > 2),
  );
  assert.deepEqual(
    runIds(build('fig-b snr=0.5')),
    expected(configs.slice(1), (p) => p.snr === 0.5),
  );
  assert.deepEqual(
    runIds(build('s43')),
    expected(configs, (p) => p.seed === 43),
  );
  // nothing matches: no experiment is listed, and a key no run has is reported rather than silently empty
  assert.deepEqual(build('p=7'), []);
  const q = parseQuery('lr=1 sort:tset group:case');
  const facts = flatten(buildTree({ experiments, configs: [], live: noLive })).length;
  assert.ok(facts > 0);
  assert.deepEqual(
    unknownKeys(q, [{ id: 'x', experiment: 'e', params: { case: 'high', p: 0 }, state: 'done', labels: [] }]),
    ['lr', 'tset'],
  );
});

test('sorting by a metric orders the runs under each group; runs without it go last', () => {
  const { root } = store();
  const tree = buildTree({
    experiments: readStore(root),
    configs: [],
    live: noLive,
    query: parseQuery('sort:-testMSE'),
  });
  const a = tree.find((n) => n.label === 'fig-a')!;
  const low = a.children.find((n) => n.label === 'Case low')!;
  const values = low.children.map((n) => /test MSE ([\d.]+)/.exec(n.description!)?.[1]);
  // case low: p 2 diverged (no test MSE, last); the rest by test MSE descending
  const want = [0, -2]
    .flatMap((p) => [42, 43].map((seed) => mse({ case: 'low', p, seed })))
    .sort((x, y) => y - x)
    .map((v) => v.toFixed(4));
  assert.deepEqual(values, [...want, undefined, undefined]);
  assert.deepEqual(
    low.children.slice(-2).map((n) => n.state),
    ['diverged', 'diverged'],
  );
});

test('grouping by any parameter: given levels outermost first, the other axes label the runs; none is flat', () => {
  const { root } = store();
  const experiments = readStore(root);
  const tree = buildTree({ experiments, configs: [], live: noLive, query: parseQuery('group:seed,case') });
  const a = tree.find((n) => n.label === 'fig-a')!;
  assert.deepEqual(
    a.children.map((n) => n.label),
    ['seed 42', 'seed 43'],
  );
  assert.deepEqual(
    a.children[0].children.map((n) => n.label),
    ['Case high', 'Case low'],
  );
  assert.deepEqual(
    a.children[0].children[1].children.map((n) => n.label),
    ['p = -2', 'p = 0', 'p = 2'],
  );
  // an explicit level is kept even where it has one value (fig-b: one seed, one case)
  const b = tree.find((n) => n.label === 'fig-b')!;
  assert.deepEqual(
    [b.children.map((n) => n.label), b.children[0].children.map((n) => n.label)],
    [['seed 42'], ['Case low']],
  );
  // a level no run has is skipped: here the runs sit right under the experiment, labelled by every varying axis
  const none = buildTree({ experiments, configs: [], live: noLive, query: parseQuery('group:optimizer') });
  const nb = none.find((n) => n.label === 'fig-b')!;
  assert.deepEqual(
    nb.children.map((n) => n.label),
    ['SNR 0.5 · p = -1', 'SNR 0.5 · p = 0', 'SNR 0.5 · p = 1', 'SNR 1 · p = -1', 'SNR 1 · p = 0', 'SNR 1 · p = 1'],
  );
  const flat = buildTree({ experiments, configs: [], live: noLive, query: parseQuery('group:none') });
  const fa = flat.find((n) => n.label === 'fig-a')!;
  assert.equal(fa.children.length, 12);
  assert.equal(fa.children[0].label, 'Case high · p = -2 · seed 42');
  const ids = flatten(tree).map((n) => n.id);
  assert.equal(new Set(ids).size, ids.length, 'node ids stay unique');
});

test('a filter hides config files not run yet and broken ones; without a filter they show', () => {
  const { root } = store();
  const fresh = noise('fresh', { p: [0] });
  const input = {
    experiments: readStore(root),
    configs: [
      { path: '/ws/fresh.precond.json', config: fresh },
      { path: '/ws/bad.precond.json', error: 'bad' },
    ],
    live: noLive,
  };
  assert.deepEqual(
    buildTree(input).map((n) => n.label),
    ['fig-a', 'fig-b', 'fresh', 'bad.precond.json'],
  );
  assert.deepEqual(
    buildTree({ ...input, query: parseQuery('p=0') }).map((n) => n.label),
    ['fig-a', 'fig-b'],
  );
  // sort and group alone filter nothing
  assert.deepEqual(
    buildTree({ ...input, query: parseQuery('sort:p') }).map((n) => n.label),
    ['fig-a', 'fig-b', 'fresh', 'bad.precond.json'],
  );
});

test('an empty store leaves the view to its welcome, config files included; the manifest offers to run them', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-welcome-'));
  const sample = noise('quick-figure1', { p: [0] });
  const configs = [{ path: '/ws/quick-figure1.precond.json', config: sample }];
  // issue 14, defect 6: the sample workspace's config filled the tree, so the welcome never showed
  assert.deepEqual(buildTree({ experiments: readStore(root), configs, live: noLive }), []);
  // once something has results (or runs), the config is listed with them
  const { root: withResults } = store();
  assert.ok(
    buildTree({ experiments: readStore(withResults), configs, live: noLive }).some((n) => n.label === 'quick-figure1'),
  );
  const live = new Map([['x', new Map([['r', { state: 'queued' as const, params: { seed: 1 } }]])]]);
  assert.ok(buildTree({ experiments: [], configs, live }).some((n) => n.label === 'quick-figure1'));
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8'));
  const welcome: { when?: string; contents: string }[] = manifest.contributes.viewsWelcome;
  const withConfigs = welcome.find((w) => /(^|&& )precondLab\.hasConfigs/.test(w.when ?? ''));
  const without = welcome.find((w) => /!precondLab\.hasConfigs/.test(w.when ?? ''));
  assert.ok(withConfigs && without, 'one welcome for a workspace with config files, one without');
  assert.match(withConfigs.contents, /\(command:precondLab\.runConfig\)/);
  // a filter that matches nothing is not an empty store: its message says so, the welcome stays away
  for (const w of welcome) assert.match(w.when ?? '', /!precondLab\.filtered/);
  const title = manifest.contributes.menus['view/title'].map((m: { command: string }) => m.command);
  for (const c of ['precondLab.filterTree', 'precondLab.clearFilter', 'precondLab.groupTree', 'precondLab.sortTree'])
    assert.ok(title.includes(c), c);
  const runMenu = manifest.contributes.menus['view/item/context'].filter((m: { when: string }) =>
    new RegExp(m.when.match(/viewItem =~ \/(.*)\/$/)![1]).test('run done'),
  );
  for (const c of [
    'precondLab.openConfigFile',
    'precondLab.openRunJson',
    'precondLab.openMetrics',
    'precondLab.copyCliCommand',
  ])
    assert.ok(
      runMenu.some((m: { command: string }) => m.command === c),
      `${c} on a done run's context menu`,
    );
});
