// After the results store changes on disk (another window, a CLI run, a crash), `precondLab.refresh` reloads it:
// new experiments appear, runs that were left running show as interrupted, removed experiments disappear.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { labApi, QUICK_NAME, quickPresetSummary, readJson, resultsRoot, runFile, waitFor, type RunOnDisk } from './lab';
import { findExperiment, findRun, stateOf } from './tree';

const COPY = 'reload-copy';

function rename(file: string, edit: (json: Record<string, unknown>) => void): void {
  const json = readJson<Record<string, unknown>>(file);
  if (!json) return;
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
}

describe('results store reload', () => {
  it('shows experiments written on disk and marks runs left running as interrupted', async () => {
    const summary = await quickPresetSummary();
    const api = await labApi();
    const root = await resultsRoot();
    // a copy of the quick experiment as if another process wrote it, one run frozen mid-training
    fs.cpSync(path.join(root, QUICK_NAME), path.join(root, COPY), { recursive: true });
    rename(path.join(root, COPY, 'experiment.json'), (j) => (j.name = COPY));
    rename(path.join(root, COPY, 'summary.json'), (j) => ((j.experiment as { name: string }).name = COPY));
    const [left, ...rest] = summary.runs.map((r) => r.id);
    for (const id of [left, ...rest]) rename(runFile(root, COPY, id), (j) => (j.experiment = COPY));
    rename(runFile(root, COPY, left), (j) => {
      j.status = 'running';
      j.final = {};
    });
    rename(path.join(root, COPY, 'summary.json'), (j) => {
      const run = (j.runs as RunOnDisk[]).find((r) => r.id === left)!;
      run.status = 'running';
    });

    await vscode.commands.executeCommand('precondLab.refresh');
    const exp = await waitFor(`"${COPY}" in the tree after refresh`, () => findExperiment(api.tree(), COPY), 10_000);
    assert.ok(findRun(exp, left), `run ${left} is not listed`);
    assert.equal(
      stateOf(findRun(exp, left)),
      'interrupted',
      'a run left running by a dead window shows as interrupted',
    );
    for (const id of rest) assert.equal(stateOf(findRun(exp, id)), 'done', id);
    assert.ok(findExperiment(api.tree(), QUICK_NAME), 'the original experiment is still listed');
  });

  it('drops experiments removed from disk', async () => {
    const api = await labApi();
    const root = await resultsRoot();
    fs.rmSync(path.join(root, COPY), { recursive: true, force: true });
    await vscode.commands.executeCommand('precondLab.refresh');
    await waitFor(`"${COPY}" gone from the tree`, () => !findExperiment(api.tree(), COPY), 10_000);
  });
});
