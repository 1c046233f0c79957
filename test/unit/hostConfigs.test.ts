// Configs built by the commands (presets with overrides, p sweeps, optimizer comparisons, templates), the
// wizard's field checks, command targets and the CSV export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, OOD_OPTIMIZERS, PRECONDITIONERS, expandRuns, validateConfig } from '../../src/shared/config';
import { PRESETS } from '../../src/shared/presets';
import { parseConfig } from '../../src/shared/config';
import { applyOverrides } from '../../src/cli/load';
import { parseArgs } from '../../src/cli/args';
import {
  compareConfigs,
  compareFrom,
  configTemplate,
  fieldProblem,
  parseList,
  presetBase,
  presetConfig,
  setsEvalEvery,
  sweepConfig,
} from '../../src/host/configs';
import { summaryToCsv } from '../../src/host/csv';
import { resolveTarget } from '../../src/host/targets';
import type { Summary } from '../../src/sweep/store';

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail('expected a ConfigError');
};

test('a preset with overrides; the evalEvery setting applies unless the overrides set it', () => {
  const c = presetConfig({ preset: 'fig1-cov', quick: true, overrides: { steps: 200 } }, { evalEvery: 50 });
  assert.equal(c.name, 'fig1-cov-quick');
  assert.equal(c.settings.steps, 200);
  assert.equal(c.settings.evalEvery, 50);
  assert.equal(
    presetConfig({ preset: 'fig1-cov-quick', overrides: { evalEvery: 20 } }, { evalEvery: 50 }).settings.evalEvery,
    20,
  );
  assert.equal(
    presetConfig({ preset: 'fig1-cov', quick: true }).settings.evalEvery,
    PRESETS[0].quick.settings.evalEvery,
  );
  assert.deepEqual(presetConfig({ preset: 'fig3-cov', grid: { seed: [1] }, name: 'mine' }).grid.seed, [1]);
  assert.match(
    problems(() => presetConfig({ preset: 'fig9' }))[0],
    /^preset: must be one of "fig1-cov", "fig1-cov-quick"/,
  );
  assert.match(
    problems(() => presetConfig({ preset: 'fig1-cov', overrides: { lr: 500 } }))[0],
    /^settings\.lr: must be a number in \(0, 100\]/,
  );
});

test('the CLI and the commands resolve overrides through one resolver: same result for the same changes', () => {
  // the quick OOD preset sets gd.lr 0.1 and lbfgs.maxIter 5; an override of lbfgs.lr keeps both (merged option by
  // option)
  const base = presetBase('fig2-optimizers', true);
  const fromFlags = applyOverrides(
    base,
    parseArgs(
      ['--optim', 'lbfgs.lr=0.5', '--width', '64', '--steps', '20', '--seeds', '1,2', '--name', 'x'],
      ['optim', 'width', 'steps', 'seeds', 'name'],
      [],
    ),
  );
  const fromCommand = presetConfig({
    preset: 'fig2-optimizers',
    quick: true,
    name: 'x',
    grid: { seed: [1, 2] },
    overrides: { optim: { lbfgs: { lr: 0.5 } }, width: 64, steps: 20 },
  });
  assert.deepEqual(fromCommand, fromFlags);
  assert.equal(fromFlags.kind, 'ood');
  assert.deepEqual(fromFlags.kind === 'ood' && fromFlags.settings.optim, {
    gd: { lr: 0.1 },
    lbfgs: { maxIter: 5, lr: 0.5 },
  });
  // --width names an OOD experiment's hidden units, from either side
  assert.equal(fromFlags.kind === 'ood' && fromFlags.settings.hidden, 64);
  assert.equal('width' in fromFlags.settings, false);
  // the quick variant: `x-quick` and `x` with quick are the same preset on both sides
  assert.deepEqual(presetBase('fig1-cov-quick'), presetBase('fig1-cov', true));
  assert.deepEqual(presetBase('fig1-cov-quick', true), PRESETS[0].quick);
  assert.deepEqual(presetBase('fig1-cov'), PRESETS[0].full);
});

test('a p sweep fills what is not given from the template and names the field it refuses', () => {
  const c = sweepConfig({ case: ['low'], p: [-3, 3], steps: 100 });
  assert.equal(c.name, 'fig1-cov-p-sweep');
  assert.deepEqual(c.grid.case, ['low']);
  assert.deepEqual(c.grid.p, [-3, 3]);
  assert.deepEqual(c.grid.snr, PRESETS[0].quick.grid.snr);
  assert.equal(c.settings.steps, 100);
  assert.equal(expandRuns(c).length, 2);
  assert.deepEqual(
    problems(() => sweepConfig({ p: [4] })),
    ['grid.p[0]: must be a number in [-3, 3], got 4'],
  );
  assert.match(
    problems(() => sweepConfig({ preconditioner: 'adam' }))[0],
    /^settings\.preconditioner: must be one of "exact-cov"/,
  );
});

test("the wizard's checks: lists parse, and each field gets only its own problem", () => {
  assert.deepEqual(parseList(' -2, 0  2 ', 'grid.p'), [-2, 0, 2]);
  assert.match(parseList('1, x', 'grid.p') as string, /^grid\.p: 'x' is not a number/);
  assert.match(parseList('  ', 'grid.p') as string, /at least one value/);
  const base = presetBase('fig1-cov', true);
  assert.equal(fieldProblem(base, { grid: { p: [0, 1] } }, 'grid.p'), undefined);
  assert.match(fieldProblem(base, { grid: { p: [0, 0] } }, 'grid.p')!, /^grid\.p: contains duplicates/);
  assert.match(fieldProblem(base, { grid: { snr: [0] } }, 'grid.snr')!, /^grid\.snr\[0\]: must be a number in \(0/);
  assert.match(fieldProblem(base, { overrides: { steps: 0.5 } }, 'settings.steps')!, /must be an integer/);
  assert.match(fieldProblem(base, { name: 'a b' }, 'name')!, /^name: must be 1-80 characters/);
  assert.equal(fieldProblem(base, { name: 'a b' }, 'grid.p'), undefined);
});

test('an optimizer comparison is one experiment per preconditioner the engine knows', () => {
  const cs = compareConfigs({ overrides: { steps: 100 } });
  assert.deepEqual(
    cs.map((c) => c.kind !== 'ood' && c.settings.preconditioner),
    [...PRECONDITIONERS],
  );
  assert.deepEqual(
    cs.map((c) => c.name),
    PRECONDITIONERS.map((p) => `fig1-cov-quick-${p}`),
  );
  assert.match(problems(() => compareConfigs({ preconditioners: [] }))[0], /^preconditioners: pick at least one/);
  // the OOD experiment sweeps optimizers on its own grid: one experiment
  const ood = validateConfig({
    version: 1,
    name: 'ood-x',
    kind: 'ood',
    grid: { optimizer: ['gd'] },
    settings: { steps: 10 },
  });
  const [one, ...none] = compareFrom(ood, { optimizers: ['adam', 'adahessian'] });
  assert.equal(none.length, 0);
  assert.deepEqual(one.grid.optimizer, ['adam', 'adahessian']);
  assert.equal(one.name, 'ood-x-compare');
  assert.deepEqual(compareFrom(ood, {})[0].grid.optimizer, [...OOD_OPTIMIZERS]);
  assert.match(problems(() => compareFrom(ood, { optimizers: ['sgd'] }))[0], /^grid\.optimizer\[0\]: must be one of/);
});

test('a config template replays the preset exactly and round-trips through the file parser', () => {
  const base = presetBase('fig3-cov', true);
  const text = configTemplate(base, 'my-transfer');
  const parsed = parseConfig(text, 'my-transfer.precond.json');
  assert.deepEqual({ ...parsed, name: base.name }, base);
  assert.ok(setsEvalEvery(text));
  assert.equal(setsEvalEvery('{"version":1}'), false);
  assert.match(problems(() => parseConfig('{"version":', 'x.precond.json'))[0], /^x\.precond\.json is not valid JSON/);
});

test('command targets: tree nodes, objects, folder paths, run folders and names resolve to the same shape', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-target-'));
  fs.mkdirSync(path.join(root, 'exp', 'runs', 'r1'), { recursive: true });
  fs.writeFileSync(path.join(root, 'exp', 'runs', 'r1', 'run.json'), '{}');
  const want = { root, experiment: 'exp', dir: path.join(root, 'exp') };
  assert.deepEqual(resolveTarget('exp', root), want);
  // every target resolves inside the results folder it is given (issue 9; hostile ones: safePaths.test.ts)
  assert.throws(() => resolveTarget(path.join(root, 'exp'), '/elsewhere'), /is not inside the results folder/);
  assert.deepEqual(resolveTarget(path.join(root, 'exp'), root), want);
  assert.deepEqual(resolveTarget({ fsPath: path.join(root, 'exp') }, root), want);
  assert.deepEqual(resolveTarget(path.join(root, 'exp', 'runs', 'r1'), root), { ...want, runId: 'r1' });
  assert.deepEqual(resolveTarget({ experiment: 'exp', runId: 'r1', root }, root), {
    ...want,
    runId: 'r1',
    configPath: undefined,
  });
  const runNode = { kind: 'run', experiment: 'exp', runId: 'r1', dir: path.join(root, 'exp', 'runs', 'r1') };
  assert.deepEqual(resolveTarget(runNode, root), { ...want, runId: 'r1', configPath: undefined });
  assert.equal(resolveTarget(undefined, root), undefined);
  assert.equal(resolveTarget({ nothing: 1 }, root), undefined);
});

test('CSV: one row per run with params and final metrics, test MSE first, quoted where needed', () => {
  const summary = {
    experiment: presetBase('fig1-cov', true),
    updatedAt: '',
    runs: [
      {
        id: 'high_p0_snr1_s42',
        params: { case: 'high', p: 0, snr: 1, seed: 42 },
        status: 'done',
        final: { trainMSE: 0.1, testMSE: 0.5 },
        backend: 'wasm',
        seconds: 2,
      },
      {
        id: 'low_p0_snr1_s42',
        params: { case: 'low', p: 0, snr: 1, seed: 42 },
        status: 'failed',
        final: {},
        reason: 'exited, "code 3"',
      },
    ],
  } as Summary;
  // the late window of the done run (issue 14: min, max and unstable after the final metrics)
  const late = new Map([['high_p0_snr1_s42', { n: 5, min: 0.4, max: 0.6, mean: 0.5, unstable: true }]]);
  const lines = summaryToCsv(summary, late).split('\r\n');
  assert.equal(
    lines[0],
    'experiment,run,status,case,p,snr,seed,testMSE,trainMSE,late_min,late_max,unstable,backend,seconds,reason',
  );
  assert.equal(lines[1], 'fig1-cov-quick,high_p0_snr1_s42,done,high,0,1,42,0.5,0.1,0.4,0.6,true,wasm,2,');
  assert.equal(lines[2], 'fig1-cov-quick,low_p0_snr1_s42,failed,low,0,1,42,,,,,,,,"exited, ""code 3"""');
  assert.equal(lines.length, 4);
});
