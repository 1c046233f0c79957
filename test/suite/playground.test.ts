// The Playground in the real extension host: the command opens the panel with its warm runner, a change of p while
// a retrain runs supersedes it (the runner stops it, it adds no point to the p curve) and only the last request's
// records reach the panel; the runner stays one process throughout.
import * as assert from 'node:assert/strict';
import { after, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { labApi, waitFor } from './lab';

describe('playground', () => {
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a change supersedes a running retrain; only the last request reaches the panel', async () => {
    const api = await labApi();
    const opened = (await vscode.commands.executeCommand('precondLab.openPlayground', {
      p: -1,
      spectrum: 'high',
      steps: 200,
      width: 32,
      seed: 7,
    })) as { open: boolean };
    assert.equal(opened.open, true);
    await waitFor('the playground page loaded', () => api.playground.info().ready, 60_000);
    // the first retrain (at the opening controls) finishes and adds its point
    await waitFor('the first point of the p curve', () => api.playground.info().curve >= 1, 60_000);
    const startsBefore = api.playground.info().runnerStarts;

    // a long retrain (far more steps than can finish during the test) ...
    const long = api.playground.change({ p: 0.5, steps: 200_000 });
    const before = api.playground.info().recordIds.length;
    await waitFor(
      'the long retrain streams records',
      () => api.playground.info().recordIds.length > before,
      60_000,
      20,
    );
    // ... superseded by a short one
    const last = await api.playground.change({ p: 1.5, steps: 200 });
    const superseded = await long;
    assert.ok(last && superseded, 'both requests reported their timing');
    assert.ok(last.finalMs !== undefined, 'the last request finished');
    assert.equal(superseded.finalMs, undefined, 'the superseded request never finished');

    const ids = api.playground.info().recordIds;
    const firstOfLast = ids.indexOf(last.id);
    assert.ok(firstOfLast >= 0, 'the last request sent records');
    assert.deepEqual(
      ids.slice(firstOfLast).filter((id) => id !== last.id),
      [],
      'no record of an earlier request reached the panel after the last one began',
    );
    assert.ok(ids.includes(superseded.id), 'the superseded request had been streaming');
    // the p curve: the finished p = 1.5 point, none for the superseded p = 0.5 (its steps differ anyway)
    const info = api.playground.info();
    assert.equal(info.controls?.p, 1.5);
    assert.ok(info.curve >= 1);
    assert.equal(info.runnerStarts, startsBefore, 'the warm runner was not restarted');
  });
});
