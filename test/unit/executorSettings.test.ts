// The editor's executor settings (src/host/executorSettings.ts): raw setting values to executors, the messages for
// settings that cannot make one (naming the setting, never the Redis password), and how a live run's engine state
// reads in the tree (runView.ts, treeModel.ts) and the status bar (sweepPlace.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_EXECUTOR_SETTINGS,
  executorDetail,
  executorOffered,
  executorSettingsOf,
  makeExecutor,
  redisUrlFor,
  urlHoldsPassword,
  type ExecutorSettings,
} from '../../src/host/executorSettings';
import { engineState, runDescription, runIcon, runTooltip, runView, type LiveRun } from '../../src/host/runView';
import { buildTree, flatten } from '../../src/host/treeModel';
import { sweepStatusText } from '../../src/host/sweepPlace';
import type { SweepProgressView } from '../../src/host/sweepProgress';

const PASSWORD = 'pa55/w:rd@x';
const settings = (over: Partial<ExecutorSettings['slurm']> = {}, url = ''): ExecutorSettings => ({
  executor: 'local',
  slurm: { ...DEFAULT_EXECUTOR_SETTINGS.slurm, ...over },
  bullmq: { redisUrl: url, queue: 'q1' },
});
const ctx = { cliPath: '/opt/lab dir/dist/cli.js', nodePath: '/usr/bin/node', owner: 'VS Code', env: {} };

test('raw settings: defaults for missing or malformed values', () => {
  assert.deepEqual(
    executorSettingsOf(() => undefined),
    DEFAULT_EXECUTOR_SETTINGS,
  );
  const raw: Record<string, unknown> = {
    executor: 'bullmq',
    'slurm.partition': ' short ',
    'slurm.cpusPerTask': 2.5,
    'slurm.concurrency': 4,
    'slurm.sbatchLines': ['--mem=2G', 7, '  ', '#SBATCH --qos=normal'],
    'bullmq.redisUrl': 'redis://h:1',
    'bullmq.queue': '',
  };
  const s = executorSettingsOf((k) => raw[k]);
  assert.equal(s.executor, 'bullmq');
  assert.equal(s.slurm.partition, 'short');
  assert.equal(s.slurm.cpusPerTask, 0, 'a fraction is not a CPU count');
  assert.equal(s.slurm.concurrency, 4);
  assert.deepEqual(s.slurm.sbatchLines, ['--mem=2G', '#SBATCH --qos=normal']);
  assert.equal(s.bullmq.queue, 'precond-lab', 'an empty queue name falls back to the default');
  assert.equal(executorSettingsOf((k) => (k === 'executor' ? 'kubernetes' : undefined)).executor, 'local');
});

test('Redis URL: the secret fills in a URL without a password; a URL with one keeps it; the env is a fallback', () => {
  const plain = { redisUrl: 'redis://127.0.0.1:6390', queue: 'q' };
  const withSecret = new URL(redisUrlFor(plain, PASSWORD, {}));
  assert.equal(decodeURIComponent(withSecret.password), PASSWORD);
  assert.equal(withSecret.port, '6390');
  assert.equal(redisUrlFor(plain, undefined, {}), 'redis://127.0.0.1:6390');
  assert.equal(redisUrlFor({ redisUrl: 'redis://:own@h:1', queue: 'q' }, PASSWORD, {}), 'redis://:own@h:1');
  const fromEnv = new URL(
    redisUrlFor({ redisUrl: '', queue: 'q' }, undefined, {
      PRECOND_LAB_REDIS_URL: 'rediss://r.example:6380',
      PRECOND_LAB_REDIS_PASSWORD: PASSWORD,
    }),
  );
  assert.equal(fromEnv.protocol, 'rediss:');
  assert.equal(decodeURIComponent(fromEnv.password), PASSWORD);
  assert.throws(() => redisUrlFor({ redisUrl: '', queue: 'q' }, PASSWORD, {}), /precondLab\.bullmq\.redisUrl/);
  assert.ok(urlHoldsPassword('redis://:x@h:1') && !urlHoldsPassword('redis://h:1') && !urlHoldsPassword('nope'));
});

test('a Redis URL that cannot be used names the setting and never shows its password', () => {
  for (const bad of [`http://:${encodeURIComponent(PASSWORD)}@h:1`, `redis://:${PASSWORD} x@`, 'redis://:p@/']) {
    let message = '';
    try {
      makeExecutor('bullmq', settings({}, bad), ctx);
    } catch (e) {
      message = (e as Error).message;
    }
    assert.match(message, /^precondLab\.bullmq\.redisUrl: /, bad);
    assert.ok(!message.includes(PASSWORD) && !message.includes(encodeURIComponent(PASSWORD)), message);
  }
  assert.throws(
    () =>
      makeExecutor(
        'bullmq',
        { ...settings({}, 'redis://h:1'), bullmq: { redisUrl: 'redis://h:1', queue: 'a b' } },
        ctx,
      ),
    /precondLab\.bullmq\.queue/,
  );
});

test('bullmq: the executor describes where it runs with the password masked', () => {
  const e = makeExecutor('bullmq', settings({}, 'redis://127.0.0.1:6391'), { ...ctx, redisPassword: PASSWORD });
  assert.equal(e?.name, 'bullmq');
  assert.equal(e?.describe(), 'BullMQ workers on redis://:***@127.0.0.1:6391 (queue q1)');
  assert.equal(makeExecutor('local', settings(), ctx), undefined);
});

test('slurm: settings become the executor; values Slurm cannot take are refused naming the setting', () => {
  const e = makeExecutor('slurm', settings({ partition: 'short', concurrency: 3, sshHost: 'login.example' }), ctx);
  assert.equal(e?.describe(), 'Slurm (partition short, 3 tasks at once, over ssh login.example)');
  assert.throws(() => makeExecutor('slurm', settings({ partition: 'a;rm -rf' }), ctx), /precondLab\.slurm\.partition/);
  assert.throws(
    () => makeExecutor('slurm', settings({ setup: 'module load x\nrm y' }), ctx),
    /slurm\.setup must be one/,
  );
  assert.throws(() => makeExecutor('slurm', settings({ sshHost: 'a b' }), ctx), /precondLab\.slurm\.sshHost/);
  assert.throws(() => makeExecutor('slurm', settings({ sbatchLines: ['--mem=1G\n--x'] }), ctx), /sbatchLines/);
});

test('the quick pick offers executors that are set up, and says why one is not', () => {
  const none = settings();
  assert.deepEqual(
    (['local', 'slurm', 'bullmq'] as const).filter((n) => executorOffered(n, none, {})),
    ['local'],
    'nothing set up: no pick',
  );
  assert.ok(executorOffered('slurm', settings({ partition: 'short' }), {}), 'a Slurm setting offers slurm');
  assert.ok(executorOffered('slurm', settings({ sshHost: 'login' }), {}));
  assert.ok(executorOffered('bullmq', settings({}, 'redis://h:1'), {}));
  assert.ok(executorOffered('bullmq', none, { PRECOND_LAB_REDIS_URL: 'redis://h:1' }));
  assert.ok(executorOffered('slurm', { ...none, executor: 'slurm' }, {}), 'the setting is always offered');
  assert.equal(executorDetail('local', none, 1), '1 runner process on this machine');
  assert.match(executorDetail('bullmq', none, 2, {}), /^not set up: the bullmq executor needs a Redis URL/);
  assert.equal(
    executorDetail('bullmq', settings({}, `redis://:${encodeURIComponent(PASSWORD)}@h:1`), 2, {}),
    'BullMQ workers on redis://:***@h:1 (queue q1)',
  );
});

const params = { case: 'high', p: 0, snr: 1, seed: 42 } as const;
const live = (l: Partial<LiveRun>): LiveRun => ({ state: 'queued', params, ...l });

test('a live run reads as its engine says: pending, requeued, running', () => {
  const pending = runView('r', undefined, live({ engine: 'pending', engineDetail: 'Slurm 12_0 pending' }));
  assert.equal(engineState(pending), 'pending');
  assert.equal(runDescription(pending), 'pending');
  assert.equal(runIcon(pending).id, 'watch');
  assert.match(runTooltip(pending, 'e'), /On its engine: \*\*pending\*\* \(Slurm 12\\_0 pending\)/);
  const requeued = runView('r', undefined, live({ state: 'running', engine: 'requeued' }));
  assert.equal(runDescription(requeued), 'requeued: running again');
  assert.equal(runIcon(requeued).id, 'debug-restart');
  const running = runView('r', undefined, live({ state: 'running', engine: 'running', step: 50, steps: 100 }));
  assert.equal(runDescription(running), 'running 50%');
  assert.equal(runIcon(running).id, 'sync~spin');
  // no engine (local), or an engine's word that came before the store's: the store's state
  assert.equal(engineState(runView('r', undefined, live({}))), undefined);
  assert.equal(engineState(runView('r', undefined, live({ state: 'running', engine: 'pending' }))), undefined);
});

test('tree: a pending run keeps the menus of a queued run (cancel) and carries its engine state', () => {
  const tree = buildTree({
    experiments: [],
    configs: [],
    live: new Map([['exp', new Map([['high_p0_snr1_s42', live({ engine: 'pending' })]])]]),
  });
  const run = flatten(tree).find((n) => n.kind === 'run')!;
  assert.equal(run.engine, 'pending');
  assert.equal(run.description, 'pending');
  assert.match(run.contextValue, /^run (queued|running)\b/, 'the Cancel menu item matches it');
  assert.ok(run.contextValue.split(' ').includes('pending'));
});

test('status bar: a sweep on another engine names it with its runs ended', () => {
  const v: SweepProgressView = {
    experiment: 'fig1',
    started: true,
    stepsDone: 300,
    stepsTotal: 800,
    fraction: 0.375,
    runsEnded: 3,
    runsRunning: 2,
    runsTotal: 8,
  };
  assert.equal(sweepStatusText(v, { name: 'bullmq', text: 'x' }), 'Lab: fig1 3/8 runs on bullmq · 37% · estimating');
  assert.equal(sweepStatusText(v, { name: 'local', text: '2 local' }), 'Lab: fig1 37% · estimating');
});
