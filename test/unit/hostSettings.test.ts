// Issue 14 defect 5: precondLab.resultsFolder is resource-scoped, and reading it without a resource made VS Code log
// "Accessing a resource scoped configuration without providing a resource" (961 times in one session). readSettings
// must pass the workspace folder. The vscode module is replaced by a recorder that behaves as VS Code does: it warns
// when a resource-scoped section is read without a resource.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';

const calls: { section: string; scope: unknown }[] = [];
const warnings: string[] = [];
const folderUri = { fsPath: '/ws/one', scheme: 'file' };
const fakeVscode = {
  workspace: {
    workspaceFolders: [{ uri: folderUri, name: 'one', index: 0 }],
    getConfiguration(section: string, scope?: unknown) {
      calls.push({ section, scope });
      return {
        get<T>(key: string, dflt: T): T {
          if (key === 'resultsFolder' && !scope)
            warnings.push(`Accessing a resource scoped configuration without providing a resource: ${section}.${key}`);
          return key === 'resultsFolder' ? ('results-here' as T) : dflt;
        },
      };
    },
  },
};

const mod = Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown };
const load = mod._load;
mod._load = (req: string, ...rest: unknown[]) => (req === 'vscode' ? fakeVscode : load(req, ...rest));

test('resultsFolder is read with its workspace folder, and resolved against it', async () => {
  const { readSettings } = await import('../../src/host/settings');
  const s = readSettings('/fallback');
  assert.equal(s.resultsRoot, '/ws/one/results-here');
  assert.deepEqual(warnings, []);
  assert.ok(calls.length > 0 && calls.every((c) => c.scope === folderUri));
});
