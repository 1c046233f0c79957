// The reproduction from the editor (issue 13): the command writes the report from the store (report only: training
// the whole reproduction is the CLI test's and the benchmark's job), and the Experiments tree shows its entry above
// the experiments with the verdicts counted from the verdicts.json the command wrote.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'mocha';
import { command, labApi, quickPresetSummary, readJson, resultsRoot, waitFor } from './lab';

describe('Reproduce the Paper', () => {
  it('writes the report from the store and lists it in the tree with its verdicts', async function () {
    this.timeout(60_000);
    // a store with one finished experiment, so the tree is not left to its welcome
    await quickPresetSummary();
    const root = await resultsRoot();
    const result = await command('precondLab.reproduce', { quick: true, reportOnly: true, open: false });
    assert.ok(result, 'the command returned its result');
    assert.equal(result.report, path.join(root, 'reproduction-quick', 'report.html'));
    assert.ok(fs.existsSync(result.report), 'report.html written');
    const written = readJson<Record<string, Record<string, { verdict: string }>>>(
      path.join(root, 'reproduction-quick', 'verdicts.json'),
    );
    assert.ok(written, 'verdicts.json written');
    // count the verdicts the file holds, independently of the tree's code
    const counts = new Map<string, number>();
    for (const bySetting of Object.values(written))
      for (const v of Object.values(bySetting)) counts.set(v.verdict, (counts.get(v.verdict) ?? 0) + 1);
    const api = await labApi();
    const entry = await waitFor(
      'the reproduction entry in the tree',
      () => api.tree().find((n) => n.kind === 'reproduction' && n.label === 'Paper reproduction (quick)'),
      15_000,
    );
    assert.equal(api.tree()[0].kind, 'reproduction', 'the entry is above the experiments');
    for (const [verdict, n] of counts)
      assert.ok(
        entry.description?.includes(`${n} ${verdict === 'holds' && n !== 1 ? 'hold' : verdict}`),
        `${n} ${verdict} in "${entry.description}"`,
      );
    assert.deepEqual(entry.reproduction, { quick: true, report: result.report });
  });
});
