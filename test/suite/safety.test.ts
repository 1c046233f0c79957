// Commands given hostile paths (issue 9): a delete, reveal or open whose target leads outside the results folder,
// by `root`, '..', an absolute path or a symbolic link, is refused with a message and touches nothing; text from a
// config file (here its file name) cannot become a clickable link in a notification.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { labApi, resultsRoot, workspaceRoot } from './lab';

// VS Code's notification link pattern (base/common/linkedText.ts): what must not survive in a shown message
const VSCODE_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;

describe('hostile command arguments', () => {
  let outside = '';
  let root = '';
  const links: string[] = [];
  before(async () => {
    root = await resultsRoot();
    fs.mkdirSync(root, { recursive: true });
    // a victim outside the results folder, and links into it from inside
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-victim-'));
    fs.mkdirSync(path.join(outside, 'sub', 'victim', 'runs', 'r1'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'sub', 'victim', 'experiment.json'), '{}');
    fs.writeFileSync(path.join(outside, 'sub', 'victim', 'runs', 'r1', 'run.json'), '{}');
    fs.symlinkSync(path.join(outside, 'sub', 'victim'), path.join(root, 'suite-link-out'));
    links.push(path.join(root, 'suite-link-out'));
  });
  after(() => {
    for (const l of links) fs.rmSync(l, { force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const hostile = (): unknown[] => [
    { experiment: '..', root: path.join(outside, 'sub', 'victim'), confirm: false },
    { experiment: 'victim', root: path.join(outside, 'sub') },
    { experiment: '..', root: '/home' },
    { experiment: '%2e%2e' },
    { experiment: 'suite-link-out' },
    { experiment: 'suite-link-out', runId: 'r1' },
    path.join(outside, 'sub', 'victim'),
    path.join(root, '..'),
    '/',
  ];

  for (const command of [
    'precondLab.delete',
    'precondLab.reveal',
    'precondLab.openResults',
    'precondLab.exportCsv',
    'precondLab.rerun',
  ] as const) {
    it(`${command} refuses targets outside the results folder, with a message, and touches nothing`, async () => {
      const api = await labApi();
      for (const arg of hostile()) {
        const before = api.messages().length;
        const extra =
          command === 'precondLab.delete'
            ? { confirm: false }
            : command === 'precondLab.exportCsv'
              ? path.join(outside, 'out.csv')
              : undefined;
        const result = await vscode.commands.executeCommand(command, arg, extra);
        assert.ok(!result, `${command}(${JSON.stringify(arg)}) resolved with ${JSON.stringify(result)}`);
        const shown = api
          .messages()
          .slice(before)
          .filter((m) => m.level === 'error')
          .map((m) => m.text);
        assert.ok(
          shown.some((t) => /results folder|not a folder name/.test(t)),
          `${command}(${JSON.stringify(arg)}) showed ${JSON.stringify(shown)}`,
        );
      }
      assert.ok(
        fs.existsSync(path.join(outside, 'sub', 'victim', 'runs', 'r1', 'run.json')),
        'the folder outside was touched',
      );
      assert.ok(!fs.existsSync(path.join(outside, 'out.csv')), 'a CSV was written from a foreign folder');
      assert.equal(
        api.panels.list().filter((p) => !p.dir.startsWith(root)).length,
        0,
        'a panel opened outside the results folder',
      );
    });
  }

  it('a config file name with markdown link syntax is shown as text, not as a link', async () => {
    const api = await labApi();
    const name = '[Trust me](command:precondLab.cancelAll).precond.json';
    const file = path.join(workspaceRoot(), name);
    fs.writeFileSync(file, '{"version": 1, "name": "x", "kind": "noise", "grid": {"p": ["oops"]}}');
    const before = api.messages().length;
    try {
      assert.equal(await vscode.commands.executeCommand('precondLab.runConfig', vscode.Uri.file(file)), undefined);
    } finally {
      fs.rmSync(file, { force: true });
    }
    const shown = api.messages().slice(before);
    assert.ok(
      shown.some((m) => m.level === 'error' && m.text.includes('[Trust me]')),
      `the refusal names the file: ${JSON.stringify(shown)}`,
    );
    for (const m of shown) assert.doesNotMatch(m.text, VSCODE_LINK);
  });
});
