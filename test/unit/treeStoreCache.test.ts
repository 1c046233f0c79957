// Issue 14, defect 5 (the host stalls during sweeps): the tree rebuilds several times a second while a sweep runs and
// each rebuild reads the store. A run.json is read and parsed again only when it changed; an unchanged store costs a
// stat per run. Checked by counting the reads of run.json files through the fs module the reader uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandRuns, validateConfig } from '../../src/shared/config';
import { ENGINE_VERSION, ExperimentStore, type RunFile } from '../../src/sweep/store';
import { readStore } from '../../src/host/storeReader';

test('a rebuild over an unchanged store reads no run.json; a changed run is read again', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-cache-'));
  const cfg = validateConfig({
    version: 1,
    name: 'cached',
    kind: 'noise',
    grid: { case: ['high', 'low'], p: [-1, 0, 1] },
    settings: { n: 600, width: 24, steps: 300, evalEvery: 50 },
  });
  const store = new ExperimentStore(root, cfg.name);
  store.writeConfig(cfg);
  const runs: RunFile[] = expandRuns(cfg).map((spec) => ({
    id: spec.id,
    experiment: cfg.name,
    kind: cfg.kind,
    params: spec.params,
    settings: cfg.settings,
    key: 'k',
    weightsKey: 'w',
    status: 'done',
    engineVersion: ENGINE_VERSION,
    final: { testMSE: 0.5 },
  }));
  runs.forEach((r) => store.writeRun(r));
  const reads: string[] = [];
  // the module object itself (the bundle's imports read through to it), which an ES import cannot assign to
  const realFs = createRequire(__filename)('node:fs') as { readFileSync: typeof fs.readFileSync };
  const original = realFs.readFileSync;
  const patched = ((file: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
    if (typeof file === 'string' && file.endsWith('run.json')) reads.push(file);
    return (original as (...a: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.readFileSync;
  realFs.readFileSync = patched;
  try {
    const first = readStore(root);
    // first pass: every run.json once (other tests' runs are in other folders)
    assert.equal(reads.length, runs.length);
    assert.equal(first[0].runs.length, runs.length);
    reads.length = 0;
    const second = readStore(root);
    assert.deepEqual(reads, [], 'an unchanged store is not read again');
    assert.deepEqual(second[0].runs, first[0].runs);
    // one run finishes again with another value: that file alone is read, and the new value shows
    store.writeRun({ ...runs[2], final: { testMSE: 0.25 } });
    reads.length = 0;
    const third = readStore(root);
    assert.equal(reads.length, 1);
    assert.ok((reads as string[])[0].endsWith(path.join(runs[2].id, 'run.json')));
    assert.equal(third[0].runs.find((r) => r.id === runs[2].id)?.final.testMSE, 0.25);
    // a deleted run disappears
    fs.rmSync(store.runDir(runs[0].id), { recursive: true });
    assert.equal(readStore(root)[0].runs.length, runs.length - 1);
  } finally {
    realFs.readFileSync = original;
  }
});
