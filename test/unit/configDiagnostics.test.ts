// Issue 14, defect 6: config problems are errors on the field they name (VS Code's JSON support shows schema
// mismatches as warnings only). The engine's problems, each located in the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonLocations, locateProblems, problemPath } from '../../src/host/configProblems';

const TEXT = `{
  "version": 1,
  "name": "x",
  "kind": "noise",
  "grid": { "p": [0, 9], "case": ["mid"] },
  "settings": { "lr": 500, "bogus": 1 },
  "extra": 2
}`;

const at = (needle: string, nth = 0): number => {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = TEXT.indexOf(needle, i + 1);
  assert.ok(i >= 0, needle);
  return i;
};

test('problem paths and JSON locations', () => {
  assert.deepEqual(problemPath('grid.p[1]: must be a number'), ['grid', 'p', 1]);
  assert.deepEqual(problemPath('settings.optim.lbfgs.lr: too big'), ['settings', 'optim', 'lbfgs', 'lr']);
  assert.equal(problemPath('Invalid JSON at line 3'), undefined);
  const where = jsonLocations(TEXT);
  assert.deepEqual(where.get('settings.lr'), [at('"lr"'), at('"lr"') + 4]);
  assert.deepEqual(where.get('grid.p.1'), [at('9'), at('9') + 1]);
  assert.deepEqual(where.get('grid.case.0'), [at('"mid"'), at('"mid"') + 5]);
  // a file cut mid-edit still locates what comes before the cut
  assert.ok(jsonLocations(TEXT.slice(0, at('"settings"'))).has('grid.p.0'));
});

test('every engine problem is placed on its field', () => {
  const found = locateProblems(TEXT, 'x.precond.json');
  const by = (field: string): { start: number; end: number } => {
    const p = found.find((x) => x.message.startsWith(`${field}:`));
    assert.ok(p, `${field} among ${found.map((x) => x.message).join(' | ')}`);
    return p;
  };
  assert.equal(found.length, 5);
  assert.equal(by('extra').start, at('"extra"'));
  assert.equal(by('grid.case[0]').start, at('"mid"'));
  assert.equal(by('grid.p[1]').start, at('9'));
  assert.equal(by('settings.lr').start, at('"lr"'));
  assert.equal(by('settings.bogus').start, at('"bogus"'));
  assert.deepEqual(
    locateProblems(
      TEXT.replace('500', '0.1')
        .replace(', "bogus": 1', '')
        .replace(',\n  "extra": 2', '')
        .replace('9', '1')
        .replace('mid', 'low'),
      'ok.json',
    ),
    [],
  );
  // a file that is not JSON: one problem at the start
  const bad = locateProblems('{ "version": ', 'bad.json');
  assert.equal(bad.length, 1);
  assert.equal(bad[0].start, 0);
});
