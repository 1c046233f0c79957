// package.json's contributions against the code: every registered command declared with its title and category,
// every menu entry naming a declared command, the welcome view's buttons naming real presets, the settings the
// host reads declared with the defaults it assumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMAND_IDS, commandTitle, contributedCommands, type CommandId } from '../../src/host/commandIds';
import { presetNames } from '../../src/host/configs';
import { BACKEND_CHOICES } from '../../src/lab/backend';

const repo = path.resolve(__dirname, '../../..');
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const c = pkg.contributes;

test('every command is declared once, with its title and the one category', () => {
  const declared = c.commands.map((x: { command: string }) => x.command);
  assert.deepEqual([...declared].sort(), [...COMMAND_IDS].sort());
  for (const cmd of c.commands) {
    assert.equal(cmd.category, 'Preconditioning Lab', cmd.command);
    assert.equal(cmd.title, commandTitle(cmd.command as CommandId), cmd.command);
  }
});

test('contributes.commands is the command table written out (ids, titles, category, icons, order)', () => {
  assert.deepEqual(c.commands, contributedCommands());
});

test('menus name declared commands; tree menus are scoped to the view and to item kinds', () => {
  const ids = new Set<string>(COMMAND_IDS);
  for (const [menu, entries] of Object.entries<{ command: string; when?: string }[]>(c.menus)) {
    for (const e of entries) assert.ok(ids.has(e.command), `${menu}: ${e.command} is not a command`);
  }
  for (const e of c.menus['view/item/context']) {
    assert.match(e.when!, /^view == precondLab\.experiments && viewItem =~ \/\^/, e.command);
    // the regexes must compile and match the context values treeModel.ts writes
    const re = new RegExp(e.when!.match(/viewItem =~ \/(.*)\/$/)![1]);
    assert.ok(
      [
        'experiment results idle',
        'experiment results config active',
        'experiment config idle',
        'run done',
        'run running live',
        'run interrupted',
        'reproduction report',
        'reproduction new',
      ].some((v) => re.test(v)),
      e.command,
    );
  }
  const when = (cmd: string, value: string): boolean =>
    c.menus['view/item/context'].some(
      (e: { command: string; when: string }) =>
        e.command === cmd && new RegExp(e.when.match(/viewItem =~ \/(.*)\/$/)![1]).test(value),
    );
  // the reproduction entry (issue 13) offers the reproduction, with or without a report written
  assert.ok(when('precondLab.reproduce', 'reproduction report'));
  assert.ok(when('precondLab.reproduce', 'reproduction new'));
  assert.ok(!when('precondLab.reproduce', 'run done'));
  assert.ok(when('precondLab.rerun', 'run interrupted'));
  assert.ok(when('precondLab.rerun', 'run failed'));
  assert.ok(!when('precondLab.rerun', 'run running live'));
  assert.ok(when('precondLab.cancelRun', 'run running live'));
  assert.ok(when('precondLab.cancelRun', 'experiment results active'));
  assert.ok(!when('precondLab.cancelRun', 'run done'));
  assert.ok(when('precondLab.delete', 'experiment results idle'));
  assert.ok(!when('precondLab.delete', 'experiment results active'));
  assert.ok(!when('precondLab.delete', 'run running live'));
  assert.ok(when('precondLab.runConfig', 'experiment config idle'));
  const title = c.menus['view/title'].map((e: { command: string }) => e.command);
  for (const cmd of ['precondLab.sweepP', 'precondLab.refresh', 'precondLab.cancelAll'])
    assert.ok(title.includes(cmd), cmd);
});

test('the view lives in its own activity-bar container; the welcome view runs real presets', () => {
  const container = c.viewsContainers.activitybar[0];
  assert.equal(container.title, 'Preconditioning Lab');
  assert.ok(fs.existsSync(path.join(repo, container.icon)));
  assert.equal(c.views[container.id][0].id, 'precondLab.experiments');
  const welcome: string = c.viewsWelcome[0].contents;
  const links = [...welcome.matchAll(/\(command:([\w.]+)(?:\?([^)]*))?\)/g)];
  const presets = links.filter((m) => m[1] === 'precondLab.runPreset');
  assert.equal(presets.length, 2);
  for (const m of presets) {
    const [args] = JSON.parse(decodeURIComponent(m[2]));
    assert.ok(presetNames().includes(args.preset) && args.quick === true, m[2]);
  }
  for (const m of links) assert.ok(COMMAND_IDS.includes(m[1] as never) || m[1].startsWith('workbench.'), m[1]);
});

test('settings the host reads are declared with the defaults it assumes', () => {
  const p = c.configuration.properties;
  assert.equal(p['precondLab.resultsFolder'].default, '.precond-lab');
  assert.equal(p['precondLab.maxParallelRuns'].default, 0);
  assert.equal(p['precondLab.evalEvery'].default, 0);
  assert.deepEqual(p['precondLab.backend'].enum, [...BACKEND_CHOICES]);
  assert.ok(pkg.activationEvents.includes('workspaceContains:**/*.precond.json'));
});
