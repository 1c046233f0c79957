// Paths that commands take from their arguments (src/host/safePaths.ts, src/host/targets.ts) stay inside the
// results folder: hostile names ('..', '%2e%2e', 'C:\\'), absolute paths and roots outside it, and symbolic links
// that lead out are refused with a message; honest names, folders and runs inside it resolve to where they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  checkSegment,
  experimentDir,
  insideResults,
  isExperimentFolder,
  PathRefused,
  rootArg,
} from '../../src/host/safePaths';
import { resolveTarget } from '../../src/host/targets';

/** A results folder with one experiment and one run, a folder beside it, and links in and out of it. */
function store(): { base: string; results: string; outside: string; cleanup: () => void } {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-paths-')));
  const results = path.join(base, 'results');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(results, 'exp1', 'runs', 'r1'), { recursive: true });
  fs.writeFileSync(path.join(results, 'exp1', 'experiment.json'), '{}');
  fs.writeFileSync(path.join(results, 'exp1', 'runs', 'r1', 'run.json'), '{}');
  fs.mkdirSync(path.join(outside, 'victim'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'victim', 'keep.txt'), 'keep');
  fs.symlinkSync(outside, path.join(results, 'escape')); // a link that leads out
  fs.symlinkSync(path.join(results, 'exp1'), path.join(results, 'alias')); // a link that stays inside
  fs.symlinkSync(outside, path.join(results, 'exp1', 'runs', 'r2')); // a "run" that is a link out
  return { base, results, outside, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) };
}

const refused = (f: () => unknown, mentions: RegExp): void => {
  assert.throws(
    f,
    (e: unknown) => e instanceof PathRefused && mentions.test(e.message),
    `expected a PathRefused matching ${mentions}`,
  );
};

test('checkSegment: names and run ids are single folder names', () => {
  for (const ok of ['exp1', 'fig1-cov-quick', 'high_p-1_snr1_s5', 'a.b', '..a', 'a..'])
    assert.equal(checkSegment(ok, 'experiment'), ok);
  for (const bad of [
    '..',
    '.',
    '',
    '/',
    '/home',
    'a/b',
    'a\\b',
    '%2e%2e',
    '%2e%2e%2f',
    'C:\\',
    'C:',
    'a\0b',
    ' ',
    'x'.repeat(201),
  ]) {
    refused(() => checkSegment(bad, 'experiment'), /experiment/);
  }
  for (const bad of [undefined, null, 3, {}, ['a']])
    refused(() => checkSegment(bad, 'runId'), /runId must be a non-empty folder name/);
});

test('insideResults: inside as written and after following links, or refused naming the path', () => {
  const s = store();
  try {
    assert.equal(insideResults(s.results, path.join(s.results, 'exp1'), 'folder'), path.join(s.results, 'exp1'));
    assert.equal(
      insideResults(s.results, 'exp1/runs/r1', 'folder'),
      path.join(s.results, 'exp1', 'runs', 'r1'),
      'relative paths are relative to the results folder',
    );
    assert.equal(
      insideResults(s.results, 'not-yet', 'folder'),
      path.join(s.results, 'not-yet'),
      'a folder that does not exist yet',
    );
    assert.equal(
      insideResults(s.results, 'alias', 'folder'),
      path.join(s.results, 'alias'),
      'a link that stays inside',
    );
    refused(() => insideResults(s.results, '..', 'folder'), /is not inside the results folder/);
    refused(() => insideResults(s.results, 'exp1/../..', 'folder'), /is not inside the results folder/);
    refused(() => insideResults(s.results, '/', 'folder'), /folder \/ is not inside/);
    refused(() => insideResults(s.results, '/home', 'folder'), /folder \/home is not inside/);
    refused(() => insideResults(s.results, s.outside, 'folder'), /is not inside/);
    // a sibling sharing the prefix
    refused(() => insideResults(s.results, `${s.results}-evil/exp1`, 'folder'), /is not inside/);
    refused(() => insideResults(s.results, s.results, 'folder'), /is not inside/); // strictly inside by default
    assert.equal(insideResults(s.results, s.results, 'root', false), s.results);
    refused(() => insideResults(s.results, 'escape', 'folder'), /symbolic link, outside the results folder/);
    refused(() => insideResults(s.results, 'escape/victim', 'folder'), /symbolic link/);
    // below a link, not yet existing
    refused(() => insideResults(s.results, 'escape/victim/new', 'folder'), /symbolic link/);
    refused(() => insideResults(s.results, 'exp1/runs/r2', 'folder'), /symbolic link/);
    refused(() => insideResults(s.results, 'a\0b', 'folder'), /NUL/);
    refused(() => insideResults(s.results, '', 'folder'), /non-empty path/);
  } finally {
    s.cleanup();
  }
});

test('rootArg and experimentDir: a root outside the results folder is refused, whatever the name', () => {
  const s = store();
  try {
    assert.equal(rootArg(s.results, undefined), s.results);
    assert.equal(rootArg(s.results, path.join(s.results, 'exp1')), path.join(s.results, 'exp1'));
    for (const root of ['/home', '/', s.outside, path.join(s.results, '..'), path.join(s.results, 'escape')])
      refused(() => rootArg(s.results, root), /root/);
    assert.equal(experimentDir(s.results, s.results, 'exp1'), path.join(s.results, 'exp1'));
    refused(() => experimentDir(s.results, s.results, '..'), /not a folder name/);
    refused(() => experimentDir(s.results, s.results, 'escape'), /symbolic link/);
    assert.equal(isExperimentFolder(path.join(s.results, 'exp1')), true);
    assert.equal(isExperimentFolder(path.join(s.results, 'exp1', 'runs')), false);
    assert.equal(isExperimentFolder(s.outside), false);
  } finally {
    s.cleanup();
  }
});

test('resolveTarget: the delete of issue 9 ({experiment: "..", root: "/home"}) and its relatives are refused', () => {
  const s = store();
  try {
    const hostile: unknown[] = [
      { experiment: '..', root: '/home', confirm: false },
      { experiment: '..' },
      { experiment: 'exp1', root: '/home' },
      { experiment: 'exp1', root: '/' },
      { experiment: 'exp1', root: path.join(s.results, '..') },
      { experiment: '%2e%2e' },
      { experiment: 'C:\\' },
      { experiment: '/etc' },
      { experiment: 'exp1', runId: '..' },
      { experiment: 'exp1', runId: '../../..' },
      { experiment: 'exp1', runId: 'r2' }, // a link out of the store
      { experiment: 'exp1', dir: '/home', kind: 'experiment' },
      { experiment: 'escape' },
      { experiment: 42 },
      '..',
      '/',
      '/home',
      '%2e%2e',
      'C:\\',
      'C:\\Windows\\System32',
      s.outside,
      path.join(s.results, 'escape', 'victim'),
      { fsPath: '/home' },
      { fsPath: path.join(s.results, '..') },
    ];
    for (const arg of hostile)
      assert.throws(() => resolveTarget(arg, s.results), PathRefused, `accepted ${JSON.stringify(arg)}`);
    // nothing outside was touched by resolving (resolving never writes, but the victim must still be there)
    assert.equal(fs.readFileSync(path.join(s.outside, 'victim', 'keep.txt'), 'utf8'), 'keep');
  } finally {
    s.cleanup();
  }
});

test('resolveTarget: honest targets resolve inside the results folder', () => {
  const s = store();
  try {
    const exp = path.join(s.results, 'exp1');
    assert.deepEqual(resolveTarget('exp1', s.results), { root: s.results, experiment: 'exp1', dir: exp });
    assert.deepEqual(resolveTarget(exp, s.results), { root: s.results, experiment: 'exp1', dir: exp });
    assert.deepEqual(resolveTarget({ fsPath: exp }, s.results), { root: s.results, experiment: 'exp1', dir: exp });
    assert.deepEqual(resolveTarget(path.join(exp, 'runs', 'r1'), s.results), {
      root: s.results,
      experiment: 'exp1',
      dir: exp,
      runId: 'r1',
    });
    assert.deepEqual(resolveTarget({ experiment: 'exp1', runId: 'r1' }, s.results), {
      root: s.results,
      experiment: 'exp1',
      dir: exp,
      runId: 'r1',
      configPath: undefined,
    });
    assert.deepEqual(resolveTarget({ experiment: 'exp1', root: s.results }, s.results)?.dir, exp);
    // a tree node of a run: its root is three levels above its folder
    assert.deepEqual(
      resolveTarget({ kind: 'run', experiment: 'exp1', runId: 'r1', dir: path.join(exp, 'runs', 'r1') }, s.results)
        ?.root,
      s.results,
    );
    assert.equal(resolveTarget({}, s.results), undefined, 'no experiment: the command asks');
    assert.equal(resolveTarget(undefined, s.results), undefined);
  } finally {
    s.cleanup();
  }
});
