// Cancelling a sweep stops its running runs and leaves the runs that had finished exactly as they were.
// Phase one finishes seed 1; phase two re-runs the same experiment with seeds 1 and 2: seed 1 is skipped as
// done, seed 2 is cancelled while it trains.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { labApi, openConfig, readJson, resultsRoot, runFile, sweepCommand, waitFor, type RunOnDisk } from './lab';
import { findExperiment, findRun, stateOf } from './tree';
import type { SweepSummary } from './contract';

const NAME = 'cancel-test';
// steps enough for each run to be caught running, few enough for phase one to end soon
const config = (seeds: number[]): unknown => ({
  version: 1,
  name: NAME,
  kind: 'noise',
  grid: { case: ['high'], p: [0], snr: [1], seed: seeds },
  settings: { steps: 30000, evalEvery: 3000 },
});
const FIRST = 'high_p0_snr1_s1';
const SECOND = 'high_p0_snr1_s2';

describe('cancel', () => {
  let root = '';
  let firstRun: RunOnDisk | undefined;
  let firstMetrics = '';
  let launched: Promise<{ value?: unknown; error?: Error }> | undefined;

  before(async () => {
    root = await resultsRoot();
    const uri = await openConfig('cancel-phase1.precond.json', config([1]));
    await sweepCommand('precondLab.runConfig', uri);
    firstRun = readJson<RunOnDisk>(runFile(root, NAME, FIRST));
    assert.equal(firstRun?.status, 'done', 'phase one (seed 1) did not finish');
    firstMetrics = fs.readFileSync(path.join(root, NAME, 'runs', FIRST, 'metrics.jsonl'), 'utf8');

    const uri2 = await openConfig('cancel-phase2.precond.json', config([1, 2]));
    launched = Promise.resolve(vscode.commands.executeCommand('precondLab.runConfig', uri2)).then(
      (value) => ({ value }),
      (error: Error) => ({ error }),
    );
    await waitFor(
      `${SECOND} running on disk`,
      () => readJson<RunOnDisk>(runFile(root, NAME, SECOND))?.status === 'running',
      60_000,
    );
  });

  after(async () => {
    // never leave a sweep running into the next test file
    await vscode.commands.executeCommand('precondLab.cancelAll').then(undefined, () => undefined);
  });

  it('shows the training run as running in the tree', async () => {
    const api = await labApi();
    await waitFor(
      `${SECOND} shown as running`,
      () => {
        const exp = findExperiment(api.tree(), NAME);
        return exp && stateOf(findRun(exp, SECOND)) === 'running';
      },
      5_000,
    );
  });

  it('precondLab.cancelAll cancels it and keeps the finished run intact', async () => {
    await vscode.commands.executeCommand('precondLab.cancelAll');
    const outcome = await Promise.race([
      launched!,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('runConfig did not return within 60 s of cancelAll')), 60_000),
      ),
    ]);
    assert.ok(!outcome.error || /cancel/i.test(outcome.error.message), `runConfig failed: ${outcome.error?.message}`);

    const second = readJson<RunOnDisk>(runFile(root, NAME, SECOND))?.status;
    assert.notEqual(
      second,
      'done',
      `${SECOND} finished before the cancel reached it: raise settings.steps so a run outlasts the cancel`,
    );
    assert.equal(second, 'cancelled');
    const first = readJson<RunOnDisk>(runFile(root, NAME, FIRST));
    assert.equal(first?.status, 'done');
    assert.deepEqual(first?.final, firstRun?.final);
    assert.equal(fs.readFileSync(path.join(root, NAME, 'runs', FIRST, 'metrics.jsonl'), 'utf8'), firstMetrics);

    const summary = outcome.value as SweepSummary | undefined;
    if (summary?.runs) {
      assert.deepEqual(
        summary.runs.map((r) => [r.id, r.status]),
        [
          [FIRST, 'done'],
          [SECOND, 'cancelled'],
        ],
      );
    }
  });

  it('shows the cancelled and the finished run in their states', async () => {
    const api = await labApi();
    const exp = await waitFor(`${NAME} in the tree`, () => findExperiment(api.tree(), NAME), 10_000);
    assert.equal(stateOf(findRun(exp, FIRST)), 'done');
    assert.equal(stateOf(findRun(exp, SECOND)), 'cancelled');
  });
});
