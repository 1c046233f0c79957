// The quick preset through the command API, with tiny overrides, until every run has finished; the command's
// summary and the results store on disk agree.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import { QUICK_NAME, quickPresetSummary, readJson, resultsRoot, runFile, type RunOnDisk } from './lab';
import type { SweepSummary } from './contract';

describe('quick preset through the command API', () => {
  it('precondLab.runPreset resolves with the summary once all runs are done', async () => {
    const summary = await quickPresetSummary();
    assert.ok(
      summary && Array.isArray(summary.runs),
      `runPreset resolved with ${JSON.stringify(summary)?.slice(0, 200)}, not a sweep summary`,
    );
    assert.equal(summary.experiment.name, QUICK_NAME);
    assert.equal(summary.experiment.settings.steps, 200, 'overrides.steps was not applied');
    assert.equal(summary.experiment.settings.evalEvery, 50, 'overrides.evalEvery was not applied');
    assert.equal(summary.runs.length, 6, 'fig1-cov quick is case {high, low} x p {-2, 0, 2}');
    for (const r of summary.runs) {
      assert.equal(r.status, 'done', `${r.id}: ${r.status} ${r.reason ?? ''}`);
      assert.ok(Number.isFinite(r.final.testMSE), `${r.id}: final testMSE ${r.final.testMSE}`);
    }
  });

  it('writes the runs to the results store', async () => {
    const summary = await quickPresetSummary();
    const root = await resultsRoot();
    const onDisk = readJson<SweepSummary>(path.join(root, QUICK_NAME, 'summary.json'));
    assert.ok(onDisk, `no summary.json in ${path.join(root, QUICK_NAME)}`);
    assert.deepEqual(
      onDisk.runs.map((r) => [r.id, r.status]),
      summary.runs.map((r) => [r.id, r.status]),
    );
    for (const r of summary.runs) {
      assert.equal(readJson<RunOnDisk>(runFile(root, QUICK_NAME, r.id))?.status, 'done', r.id);
      const steps = fs
        .readFileSync(path.join(root, QUICK_NAME, 'runs', r.id, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { step: number }).step);
      assert.deepEqual(steps, [0, 50, 100, 150, 200], `${r.id}: records every evalEvery steps`);
    }
  });
});
