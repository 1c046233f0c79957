// Opening a store (src/sweep/recovery.ts): runs left queued or running by a dead owner become `interrupted`, a
// live owner's runs are left alone, dead writers' temporaries are removed; and the integrity check of a done run
// (src/sweep/integrity.ts) against the manifest in its run.json, with sizes and checksums computed here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandRuns, validateConfig, type ExperimentConfig } from '../../src/shared/config';
import { ExperimentStore, ENGINE_VERSION, type RunFile } from '../../src/sweep/store';
import { runKey, weightsKey } from '../../src/sweep/keys';
import { selfOwner, takeLock } from '../../src/sweep/lock';
import { recoverExperiment, refreshExperiment } from '../../src/sweep/recovery';
import { MetricsTally, checkManifest, checkWithoutManifest } from '../../src/sweep/integrity';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-recovery-'));
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid;

function config(): ExperimentConfig {
  return validateConfig({
    version: 1,
    name: 'rec',
    kind: 'noise',
    grid: { case: ['high'], p: [-1, 0, 1], snr: [1], seed: [5] },
    settings: { n: 600, width: 24, steps: 300, evalEvery: 50 },
  });
}

function seed(root: string, statuses: RunFile['status'][]): { store: ExperimentStore; ids: string[] } {
  const c = config();
  const store = new ExperimentStore(root, c.name);
  store.writeConfig(c);
  const specs = expandRuns(c);
  specs.forEach((s, i) =>
    store.writeRun({
      id: s.id,
      experiment: c.name,
      kind: c.kind,
      params: s.params,
      settings: c.settings,
      key: runKey(c, s.params),
      weightsKey: weightsKey(c, s.params),
      status: statuses[i],
      engineVersion: ENGINE_VERSION,
      final: {},
    }),
  );
  return { store, ids: specs.map((s) => s.id) };
}

test('runs left queued or running by a dead owner are marked interrupted; a live owner keeps its run', () => {
  const { store, ids } = seed(tmp(), ['running', 'queued', 'running']);
  // run 0: its owner died (a lock naming a dead pid); run 1: no lock at all (an older store); run 2: held by us
  fs.writeFileSync(
    store.lockPath(ids[0]),
    JSON.stringify({
      kind: 'process',
      pid: deadPid(),
      host: os.hostname(),
      label: 'precond-lab run',
      since: 'then',
      token: 'x',
    }),
  );
  const mine = takeLock(store.lockPath(ids[2]), selfOwner('live sweep'));
  assert.ok(mine.ok);
  const r = recoverExperiment(store);
  assert.deepEqual(r.interrupted.sort(), [ids[0], ids[1]].sort());
  assert.equal(store.readRun(ids[0])!.status, 'interrupted');
  assert.match(store.readRun(ids[0])!.reason!, /precond-lab run \(pid \d+/);
  assert.equal(store.readRun(ids[1])!.status, 'interrupted');
  assert.equal(store.readRun(ids[2])!.status, 'running');
  assert.equal(fs.existsSync(store.lockPath(ids[0])), false, 'the stale lock is gone');
  mine.lock.release();
});

test('report rewrites a stale summary from the run.json files', () => {
  const { store, ids } = seed(tmp(), ['done', 'running', 'queued']);
  fs.writeFileSync(
    store.summaryPath(),
    JSON.stringify({
      experiment: config(),
      runs: ids.map((id) => ({ id, params: {}, status: 'queued', final: {} })),
      updatedAt: 'x',
    }),
  );
  const warnings = refreshExperiment(store.dir);
  assert.match(warnings.join('\n'), /2 runs left queued or running .* interrupted/);
  const summary = JSON.parse(fs.readFileSync(store.summaryPath(), 'utf8')) as { runs: { status: string }[] };
  assert.deepEqual(
    summary.runs.map((r) => r.status),
    ['done', 'interrupted', 'interrupted'],
  );
});

test("temporaries of dead writers are removed, a live process's are kept", () => {
  const { store, ids } = seed(tmp(), ['done', 'done', 'done']);
  const dead = path.join(store.runDir(ids[0]), `weights.json.${deadPid()}.1700000000000.tmp`);
  const live = path.join(store.dir, `summary.json.${process.ppid}.1700000000000.tmp`);
  fs.writeFileSync(dead, '{');
  fs.writeFileSync(live, '{');
  assert.equal(recoverExperiment(store).temporaries, 1);
  assert.equal(fs.existsSync(dead), false);
  assert.equal(fs.existsSync(live), true);
});

test('the manifest check finds every change to a finished run', () => {
  const dir = tmp();
  const lines = [0, 50, 100].map((step) => JSON.stringify({ step, trainMSE: 1 / (step + 1) }) + '\n');
  const tally = new MetricsTally();
  tally.add(lines[0] + lines[1], 2);
  tally.add(lines[2], 1);
  const text = lines.join('');
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), text);
  const weights = '{"W": [1, 2, 3]}\n';
  fs.writeFileSync(path.join(dir, 'weights.json'), weights);
  const sha = (s: string): string => crypto.createHash('sha256').update(s).digest('hex');
  const manifest = { metrics: tally.digest(), weights: { bytes: Buffer.byteLength(weights), sha256: sha(weights) } };
  assert.deepEqual(manifest.metrics, { records: 3, bytes: Buffer.byteLength(text), sha256: sha(text) });
  assert.equal(checkManifest(dir, manifest), undefined);
  const expectDamage = (pattern: RegExp, damage: () => void): void => {
    damage();
    assert.match(checkManifest(dir, manifest) ?? 'not detected', pattern);
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), text);
    fs.writeFileSync(path.join(dir, 'weights.json'), weights);
  };
  expectDamage(/metrics.jsonl has 2 records/, () =>
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines[0] + lines[1]),
  );
  expectDamage(/metrics.jsonl has 4 records/, () => fs.appendFileSync(path.join(dir, 'metrics.jsonl'), lines[2]));
  expectDamage(/metrics.jsonl does not match the checksum/, () =>
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), text.replace('"step":50', '"step":60')),
  );
  expectDamage(/weights.json is missing/, () => fs.unlinkSync(path.join(dir, 'weights.json')));
  expectDamage(/weights.json does not match the checksum/, () =>
    fs.writeFileSync(path.join(dir, 'weights.json'), weights.replace('1', '7')),
  );
  expectDamage(/weights.json has 3 bytes/, () => fs.writeFileSync(path.join(dir, 'weights.json'), 'abc'));
  assert.match(checkManifest(dir, { metrics: {} } as never) ?? '', /malformed/);
});

test('a run from before manifests: its files must parse with increasing steps', () => {
  const dir = tmp();
  const m = path.join(dir, 'metrics.jsonl');
  fs.writeFileSync(path.join(dir, 'weights.json'), '{"W": []}');
  fs.writeFileSync(m, '{"step":0}\n{"step":10}\n');
  assert.equal(checkWithoutManifest(dir, true), undefined);
  fs.writeFileSync(m, '{"step":0}\n{"step":10}\n{"step":0}\n');
  assert.match(checkWithoutManifest(dir, true)!, /step 0 does not follow step 10/);
  fs.writeFileSync(m, '{"step":0}\n{"st');
  assert.match(checkWithoutManifest(dir, true)!, /cut-off line/);
  fs.writeFileSync(m, '{"step":0}\n');
  fs.writeFileSync(path.join(dir, 'weights.json'), '{"W": [');
  assert.match(checkWithoutManifest(dir, true)!, /weights.json is not valid JSON/);
  assert.equal(checkWithoutManifest(dir, false), undefined, 'a run that keeps no weights');
});
