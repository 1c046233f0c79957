// The Experiments tree lists the finished quick experiment, its runs grouped by the swept parameters, each run in
// the state the store says.
import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { labApi, QUICK_NAME, quickPresetSummary, waitFor } from './lab';
import { findExperiment, findRun, runsOf, stateOf } from './tree';

describe('Experiments tree', () => {
  it('lists the quick experiment with every run done', async () => {
    const summary = await quickPresetSummary();
    const api = await labApi();
    const experiment = await waitFor(
      `"${QUICK_NAME}" in the tree`,
      () => findExperiment(api.tree(), QUICK_NAME),
      10_000,
    );
    assert.equal(runsOf(experiment).length, summary.runs.length, 'one run node per run');
    for (const r of summary.runs) {
      const node = findRun(experiment, r.id);
      assert.ok(node, `run ${r.id} is not below ${QUICK_NAME}`);
      assert.equal(stateOf(node), 'done', r.id);
    }
  });

  it('groups the runs by the axes the grid sweeps besides p (here: case)', async () => {
    await quickPresetSummary();
    const experiment = findExperiment((await labApi()).tree(), QUICK_NAME);
    assert.ok(experiment);
    const groups = experiment.children.filter((n) => n.kind === 'group');
    assert.equal(groups.length, 2, `children: ${experiment.children.map((n) => n.label).join(', ')}`);
    for (const g of groups)
      assert.equal(g.children.filter((n) => n.kind === 'run').length, 3, `${g.label}: one run per p`);
  });
});
