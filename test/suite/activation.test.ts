// The extension loads from the development folder, activates, and hands tests its API object.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import { extension, labApi, workspaceRoot } from './lab';

describe('activation', () => {
  it('activates', async () => {
    const ext = extension();
    await ext.activate();
    assert.ok(ext.isActive);
  });

  it('activate() returns the API: the tree as data, the results folder, the messages shown', async () => {
    const api = await labApi();
    assert.ok(Array.isArray(api.tree()), 'tree() must return the top-level nodes');
    assert.equal(
      api.storeRoot(),
      path.join(workspaceRoot(), '.precond-lab'),
      'the default results folder is .precond-lab in the workspace',
    );
    assert.ok(Array.isArray(api.messages()));
  });
});
