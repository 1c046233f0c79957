// The Experiments tree's reproduction entry (issue 13): read from <root>/reproduction*/verdicts.json (hand-written
// here), counted and listed; unreadable files named; shown above the experiments only when the tree is not left to
// its welcome, and hidden under a filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readReproductions, verdictCounts } from '../../src/host/reproductionEntry';
import { buildTree } from '../../src/host/treeModel';
import { parseQuery } from '../../src/host/treeFilter';
import type { StoredExperiment } from '../../src/host/storeReader';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-repro-entry-'));

const VERDICTS = {
  fig1ab: { paper: { verdict: 'holds', finished: 50 }, corrected: { verdict: 'holds', finished: 50 } },
  fig1cd: { paper: { verdict: 'mixed' }, corrected: { verdict: 'not measured' } },
  fig2a: { paper: { verdict: 'does not hold' }, corrected: { verdict: 'not measured' } },
};

test('a written reproduction is read with its verdicts, counted as a reader would count them', () => {
  const root = tmp();
  fs.mkdirSync(path.join(root, 'reproduction'));
  fs.writeFileSync(path.join(root, 'reproduction', 'verdicts.json'), JSON.stringify(VERDICTS));
  fs.writeFileSync(path.join(root, 'reproduction', 'report.html'), '<html></html>');
  const [e, ...rest] = readReproductions(root);
  assert.equal(rest.length, 0);
  assert.equal(e.quick, false);
  assert.equal(e.report, path.join(root, 'reproduction', 'report.html'));
  assert.deepEqual(e.verdicts?.fig1cd, { paper: 'mixed', corrected: 'not measured' });
  // 6 verdicts: holds x2, mixed x1, does not hold x1, not measured x2
  assert.equal(verdictCounts(e.verdicts!), '2 hold · 1 mixed · 1 does not hold · 2 not measured');
});

test('a damaged, wrong-shaped or oversized verdicts.json is named, not trusted', () => {
  const cases: [string, RegExp][] = [
    ['{"fig1ab": ', /cannot be read/],
    ['[1, 2]', /not a JSON object/],
    ['{"fig1ab": {"paper": {"finished": 3}}}', /fig1ab\.paper has no verdict/],
    [`{"x": "${'a'.repeat(70 * 1024)}"}`, /over 65536: not read/],
  ];
  for (const [text, problem] of cases) {
    const root = tmp();
    fs.mkdirSync(path.join(root, 'reproduction-quick'));
    fs.writeFileSync(path.join(root, 'reproduction-quick', 'verdicts.json'), text);
    const [e] = readReproductions(root);
    assert.equal(e.quick, true);
    assert.equal(e.verdicts, undefined);
    assert.match(e.problem ?? '', problem);
  }
  assert.deepEqual(readReproductions(path.join(tmp(), 'absent')), []);
});

test('the tree shows the entry above the experiments, not on an empty store, not under a filter', () => {
  const experiment: StoredExperiment = { name: 'e', dir: '/s/e', runs: [], warnings: [], late: new Map() };
  const root = tmp();
  fs.mkdirSync(path.join(root, 'reproduction'));
  fs.writeFileSync(path.join(root, 'reproduction', 'verdicts.json'), JSON.stringify(VERDICTS));
  const reproductions = readReproductions(root);
  // empty store: the welcome view, whatever the folder holds
  assert.deepEqual(buildTree({ experiments: [], configs: [], live: new Map(), reproductions }), []);
  const tree = buildTree({ experiments: [experiment], configs: [], live: new Map(), reproductions });
  assert.equal(tree[0].kind, 'reproduction');
  assert.equal(tree[0].label, 'Paper reproduction');
  assert.equal(tree[0].description, '2 hold · 1 mixed · 1 does not hold · 2 not measured');
  assert.deepEqual(tree[0].reproduction, { quick: false });
  assert.match(tree[0].tooltip ?? '', /fig2a: paper \*does not hold\*, corrected \*not measured\*/);
  // no report written yet: one row that starts a reproduction
  const fresh = buildTree({ experiments: [experiment], configs: [], live: new Map(), reproductions: [] });
  assert.equal(fresh[0].label, 'Reproduce the paper');
  assert.equal(fresh[0].reproduction, undefined);
  const filtered = buildTree({
    experiments: [experiment],
    configs: [],
    live: new Map(),
    reproductions,
    query: parseQuery('p=0'),
  });
  assert.ok(filtered.every((n) => n.kind !== 'reproduction'));
});
