// Restricted Mode (issue 9): run only by the second session of scripts/test-exthost.mjs, a code-server started
// with workspace trust on and the workspace untrusted (index.ts picks *.untrusted.test.js when the workspace is not
// trusted). Results can be read (tree, panel, CSV export); every command that trains refuses with a message that
// says to trust the workspace, and no process or results folder appears.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { writeOod } from './fixtures';
import { findExperiment, runsOf } from './tree';
import { labApi, QUICK, QUICK_NAME, resultsRoot, waitFor, workspaceRoot } from './lab';

const NAME = 'restricted-ood';

describe('Restricted Mode', () => {
  let root = '';
  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this session must open an untrusted workspace');
    root = await resultsRoot();
    writeOod(root, NAME);
  });

  it('reads results: the tree lists the experiment, its panel draws, its CSV exports', async () => {
    const api = await labApi();
    await api.refresh();
    const node = await waitFor(`${NAME} in the tree`, () => findExperiment(api.tree(), NAME));
    assert.equal(runsOf(node).length, 3, 'three runs');
    await vscode.commands.executeCommand('precondLab.openResults', { experiment: NAME });
    const p = await waitFor(
      `${NAME} panel drawn`,
      () => api.panels.list().find((x) => x.experiment === NAME && x.ready && (x.rendered?.figures ?? 0) > 0),
      60_000,
      250,
    );
    assert.equal(p.kind, 'ood');
    const csv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-restricted-')), 'ood.csv');
    assert.equal(await vscode.commands.executeCommand('precondLab.exportCsv', { experiment: NAME }, csv), csv);
    assert.equal(fs.readFileSync(csv, 'utf8').trim().split('\n').length, 1 + 3, 'a header and one row per run');
  });

  it('starts nothing: each command that trains refuses and says to trust the workspace', async () => {
    const api = await labApi();
    const config = path.join(workspaceRoot(), 'restricted.precond.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        version: 1,
        name: 'restricted-config',
        kind: 'noise',
        grid: { p: [0] },
        settings: { steps: 10 },
      }),
    );
    const attempts: [string, unknown[]][] = [
      ['precondLab.runPreset', [QUICK]],
      ['precondLab.sweepP', [{ preset: 'fig1-cov', quick: true, p: [0] }]],
      ['precondLab.compareOptimizers', [{ preset: 'fig1-cov', quick: true, preconditioners: ['identity'] }]],
      ['precondLab.runConfig', [vscode.Uri.file(config)]],
      ['precondLab.rerun', [{ experiment: NAME }, { force: true }]],
    ];
    for (const [command, args] of attempts) {
      const before = api.messages().length;
      assert.equal(
        await vscode.commands.executeCommand(command, ...args),
        undefined,
        `${command} resolved with a result`,
      );
      const shown = api.messages().slice(before);
      assert.ok(
        shown.some(
          (m) => m.level === 'warning' && /Restricted Mode/.test(m.text) && /[Tt]rust the workspace/.test(m.text),
        ),
        `${command} showed ${JSON.stringify(shown)}`,
      );
    }
    assert.equal(api.runManager.live().size, 0, 'no sweep is queued or running');
    assert.equal(fs.existsSync(path.join(root, QUICK_NAME)), false, 'a results folder was written');
    assert.equal(fs.existsSync(path.join(root, 'restricted-config')), false, 'a results folder was written');
    assert.deepEqual(
      fs.readdirSync(path.join(root, NAME, 'runs')).sort(),
      ['adahessian_p-1_s42', 'adahessian_p1_s42', 'gd_s42'],
      'the read experiment is untouched',
    );
  });
});
