// An invalid config is refused with a message naming the bad field and its allowed values, and nothing starts.
// The suite shares the extension's `vscode` API object (same extension folder), so replacing showErrorMessage
// here sees the notification the user would get, and keeps it from waiting for a click.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { errorsShown, labApi, openConfig, resultsRoot } from './lab';

type ShowError = typeof vscode.window.showErrorMessage;

function spyOnErrors(): { shown: string[]; spied: boolean; restore: () => void } {
  const shown: string[] = [];
  const window = vscode.window as { showErrorMessage: ShowError };
  const original = window.showErrorMessage;
  try {
    window.showErrorMessage = ((message: string) => {
      shown.push(message);
      return Promise.resolve(undefined);
    }) as ShowError;
  } catch {
    /* a frozen API object: the API's messages() still tells */
  }
  return { shown, spied: window.showErrorMessage !== original, restore: () => (window.showErrorMessage = original) };
}

describe('invalid config', () => {
  it('is refused with a message naming the field, and starts nothing', async () => {
    const before = (await labApi()).messages().length;
    const uri = await openConfig('bad-case.precond.json', {
      version: 1,
      name: 'bad-case',
      kind: 'noise',
      grid: { case: ['middle'], p: [0] },
    });
    const spy = spyOnErrors();
    let result: unknown;
    let rejected: Error | undefined;
    try {
      result = await vscode.commands.executeCommand('precondLab.runConfig', uri);
    } catch (e) {
      rejected = e as Error;
    } finally {
      spy.restore();
    }
    const messages = [...(await errorsShown(before)), ...spy.shown, ...(rejected ? [rejected.message] : [])];
    const named = messages.find((m) => m.includes('grid.case'));
    assert.ok(named, `no message names grid.case: ${JSON.stringify(messages)}`);
    assert.match(named, /"high".*"low"/, 'the message lists the allowed values');
    if (spy.spied)
      assert.ok(
        spy.shown.some((m) => m.includes('grid.case')),
        `the notification shown was ${JSON.stringify(spy.shown)}`,
      );
    assert.ok(
      !(result as { runs?: unknown } | undefined)?.runs,
      'runConfig returned a sweep summary for an invalid config',
    );
    assert.ok(
      !fs.existsSync(path.join(await resultsRoot(), 'bad-case')),
      'a results folder was created for an invalid config',
    );
  });
});
