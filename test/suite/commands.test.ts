// Every command in package.json is registered at run time and sits in the palette under one category; the
// activity-bar container and the Experiments view are contributed.
import * as assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import * as vscode from 'vscode';
import { CATEGORY, EXPECTED_COMMANDS } from './contract';
import { extension } from './lab';

interface Contributes {
  commands?: { command: string; title: string; category?: string }[];
  viewsContainers?: { activitybar?: { id: string; title: string }[] };
  views?: Record<string, { id: string; name: string }[]>;
}

const contributes = (): Contributes => (extension().packageJSON as { contributes?: Contributes }).contributes ?? {};

describe('commands', () => {
  it('registers every command package.json contributes', async () => {
    await extension().activate();
    const contributed = (contributes().commands ?? []).map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(
      contributed.filter((c) => !registered.has(c)),
      [],
      'contributed but not registered',
    );
  });

  it(`puts every command under the "${CATEGORY}" category`, () => {
    const stray = (contributes().commands ?? []).filter((c) => c.category !== CATEGORY).map((c) => c.command);
    assert.deepEqual(stray, []);
  });

  it('contributes every command the extension issue asks for', () => {
    const contributed = new Set((contributes().commands ?? []).map((c) => c.command));
    assert.deepEqual(
      EXPECTED_COMMANDS.filter((c) => !contributed.has(c)),
      [],
      'missing from contributes.commands',
    );
  });

  it(`contributes the "${CATEGORY}" activity-bar container with an Experiments view`, () => {
    const c = contributes();
    const container = c.viewsContainers?.activitybar?.find((v) => v.title === CATEGORY);
    assert.ok(container, `no activity-bar container titled "${CATEGORY}"`);
    const views = c.views?.[container.id] ?? [];
    assert.ok(
      views.some((v) => v.name === 'Experiments'),
      `container ${container.id} has no "Experiments" view`,
    );
  });
});
