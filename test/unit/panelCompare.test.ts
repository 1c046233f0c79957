// Issue 14, the researcher's tools in the panels: pins kept per workspace, the comparison model over two real
// experiments (only the pinned runs read, one colour per pin, the differing parameters and settings highlighted),
// the hyperparameter table sorted by a metric (order checked against values read back from the store's run.json
// files), tags and notes in annotations.json (strict reads, a damaged file refused and kept, the lock), and the SVG
// export (well-formed, one group per series, no "Click" hints in captions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MetricRecord } from '../../src/shared/records';
import { PanelModel } from '../../src/host/panels/panelModel';
import { CompareModel } from '../../src/host/panels/compareModel';
import { MAX_PINS, Pins, parsePins, type Memento } from '../../src/host/panels/pins';
import { checkAnnotations, parseTagInput } from '../../src/shared/annotations';
import { compareView, sharedMetrics } from '../../src/shared/charts/compare';
import { hparamsView } from '../../src/shared/charts/hparams';
import { exportCaption, figuresToSvg } from '../../src/shared/charts/svg';
import { buildTab } from '../../src/shared/charts/tabs';
import type { ChartSpec, TableSpec } from '../../src/shared/charts/spec';
import { expandRuns, validateConfig, type ExperimentConfig } from '../../src/shared/config';
import { ANNOTATIONS_LOCK, readAnnotations, writeAnnotation } from '../../src/sweep/annotations';
import { selfOwner, takeLock } from '../../src/sweep/lock';
import { ENGINE_VERSION, ExperimentStore, type RunFile } from '../../src/sweep/store';

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-compare-'));

class MapMemento implements Memento {
  readonly map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.map.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.map.set(key, JSON.parse(JSON.stringify(value)));
  }
}

/** An experiment whose runs' final test MSE is a function of p and seed the test knows; metrics.jsonl per run. */
function write(root: string, name: string, grid: Partial<ExperimentConfig['grid']>, steps: number): ExperimentStore {
  const cfg = validateConfig({
    version: 1,
    name,
    kind: 'noise',
    grid: { case: ['high'], p: [0], snr: [1], seed: [1], ...grid },
    settings: { n: 600, width: 24, steps, evalEvery: 50 },
  });
  const store = new ExperimentStore(root, name);
  store.writeConfig(cfg);
  for (const spec of expandRuns(cfg)) {
    const p = spec.params.p ?? 0;
    const final = 0.5 + 0.1 * (p * p) + 0.01 * p + 0.013 * spec.params.seed;
    const run: RunFile = {
      id: spec.id,
      experiment: name,
      kind: 'noise',
      params: spec.params,
      settings: cfg.settings,
      key: 'k',
      weightsKey: 'w',
      status: 'done',
      engineVersion: ENGINE_VERSION,
      final: { testMSE: final, trainMSE: final / 2 },
    };
    store.writeRun(run);
    store.resetMetrics(spec.id);
    const recs: MetricRecord[] = [];
    for (let s = 0; s <= steps; s += 50)
      recs.push({ step: s, testMSE: 1 + final - s / steps, trainMSE: 0.5, alignment: 0.5 });
    store.appendMetrics(spec.id, recs);
  }
  store.writeSummary(cfg);
  return store;
}

test('pins: kept in the workspace memento in pin order, deduplicated, bounded; bad stored entries dropped', async () => {
  const m = new MapMemento();
  const pins = new Pins(m);
  let fired = 0;
  pins.onChange(() => fired++);
  assert.equal(
    await pins.add([
      { root: '/r', experiment: 'a', run: 'x' },
      { root: '/r', experiment: 'b', run: 'y' },
    ]),
    2,
  );
  assert.equal(await pins.add([{ root: '/r', experiment: 'a', run: 'x' }]), 0);
  assert.deepEqual(
    pins.list().map((p) => `${p.experiment}/${p.run}`),
    ['a/x', 'b/y'],
  );
  // a new Pins over the same memento (a reload) sees the same list
  assert.deepEqual(new Pins(m).list(), pins.list());
  assert.deepEqual([...pins.runsOf('/r', 'a')], ['x']);
  assert.equal(await pins.remove([{ root: '/r', experiment: 'a', run: 'x' }]), 1);
  assert.equal(fired, 2);
  assert.deepEqual(
    parsePins([{ root: '/r', experiment: '../x', run: 'y' }, 'junk', { root: '/r', experiment: 'e', run: 'r' }]),
    [{ root: '/r', experiment: 'e', run: 'r' }],
  );
  const many = Array.from({ length: MAX_PINS }, (_, i) => ({ root: '/r', experiment: 'm', run: `r${i}` }));
  await assert.rejects(pins.add(many), /at most 24 runs/);
});

test('comparison: two experiments, only pinned runs read; one curve per pin; differing params and settings highlighted', async () => {
  const root = tmp();
  write(root, 'expA', { p: [-1, 0, 1] }, 300);
  write(root, 'expB', { p: [2], seed: [1, 2] }, 500);
  const m = new MapMemento();
  const pins = new Pins(m);
  await pins.add([
    { root, experiment: 'expA', run: 'high_p1_snr1_s1' },
    { root, experiment: 'expB', run: 'high_p2_snr1_s2' },
  ]);
  const read: string[] = [];
  const model = new CompareModel(
    () => pins.list(),
    (dir, only) =>
      new PanelModel(dir, undefined, undefined, () => {
        const s = only();
        read.push(...[...s].map((id) => `${path.basename(dir)}/${id}`));
        return s;
      }),
  );
  const snap = model.snapshot();
  assert.equal(snap.compare, true);
  assert.deepEqual(
    snap.runs.map((r) => r.id),
    ['expA/high_p1_snr1_s1', 'expB/high_p2_snr1_s2'],
  );
  // each experiment's model read only its pinned run: its curve holds exactly its records
  assert.deepEqual(Object.keys(snap.curves).sort(), ['expA/high_p1_snr1_s1', 'expB/high_p2_snr1_s2']);
  assert.equal(snap.curves['expA/high_p1_snr1_s1'].step.length, 300 / 50 + 1);
  assert.equal(snap.curves['expB/high_p2_snr1_s2'].step.length, 500 / 50 + 1);
  assert.notEqual(snap.runs[0].color, snap.runs[1].color);
  assert.deepEqual(sharedMetrics(snap.runs, snap.curves), ['testMSE', 'trainMSE', 'alignment']);

  const view = buildTab('compare', snap, {});
  const chart = view.figures.find((f) => f.id === 'compare-curves') as ChartSpec;
  assert.equal(chart.series.length, 2);
  assert.equal(chart.legend, true);
  // the drawn values are the stored records of each run
  const storedA = new ExperimentStore(root, 'expA').readMetrics('high_p1_snr1_s1').map((r) => r.testMSE);
  const drawn = chart.series[0].points.map((p) => p.y!);
  assert.equal(drawn.length, storedA.length);
  drawn.forEach((y, i) => assert.ok(Math.abs(y - storedA[i]!) < 1e-5 * Math.abs(storedA[i]!), `point ${i}`));
  const table = view.figures.find((f) => f.id === 'compare-table') as TableSpec;
  const col = (key: string): number => table.columns.findIndex((c) => c.key === key);
  // p and seed differ (1 vs 2, 1 vs 2), case and snr do not; steps differ between the experiments' settings
  assert.equal(table.rows[0].highlight![col('param:p')], true);
  assert.equal(table.rows[0].highlight![col('param:seed')], true);
  assert.equal(table.rows[0].highlight![col('param:case')], false);
  assert.equal(table.rows[0].highlight![col('param:snr')], false);
  assert.ok(col('setting:steps') >= 0, 'the differing setting steps is a column');
  assert.deepEqual(
    table.rows.map((r) => r.cells[col('setting:steps')]),
    [300, 500],
  );
  assert.ok(col('setting:width') < 0, 'settings that agree are left out');
  // unpinning drops the run (sync reports it removed)
  await pins.remove([{ root, experiment: 'expB', run: 'high_p2_snr1_s2' }]);
  const after = model.snapshot();
  assert.deepEqual(
    after.runs.map((r) => r.id),
    ['expA/high_p1_snr1_s1'],
  );
  assert.ok(!read.some((id) => id.startsWith('expA/') && id !== 'expA/high_p1_snr1_s1'));
});

test('comparison: a metric the runs do not share is not offered; a deleted pinned run is a warning', async () => {
  const root = tmp();
  write(root, 'expA', { p: [0] }, 100);
  const pins = new Pins(new MapMemento());
  await pins.add([
    { root, experiment: 'expA', run: 'high_p0_snr1_s1' },
    { root, experiment: 'gone', run: 'x' },
  ]);
  const model = new CompareModel(
    () => pins.list(),
    (dir, only) => new PanelModel(dir, undefined, undefined, only),
  );
  const snap = model.snapshot();
  assert.equal(snap.runs.length, 1);
  assert.match(snap.warnings.join('\n'), /gone\/x is pinned but no longer in the store/);
  const v = compareView(snap, { metric: 'oodLeftAcc' });
  assert.match((v.figures[0] as ChartSpec).title, /test MSE/);
});

test('hyperparameter view: sorted by a metric, both directions, against values read from the store', () => {
  const root = tmp();
  write(root, 'sweep', { p: [-2, -1, 0, 1, 2], seed: [1, 2] }, 100);
  const snap = new PanelModel(path.join(root, 'sweep')).snapshot();
  const store = new ExperimentStore(root, 'sweep');
  const stored = store.listRunIds().map((id) => ({ id, v: store.readRun(id)!.final.testMSE }));
  const expectAsc = [...stored].sort((a, b) => a.v - b.v).map((r) => r.id);
  const table = (opts: Parameters<typeof hparamsView>[1]): TableSpec =>
    hparamsView(snap, opts).figures.find((f) => f.kind === 'table') as TableSpec;
  const asc = table({ sort: { key: 'final:testMSE', desc: false } });
  assert.deepEqual(
    asc.rows.map((r) => r.runId),
    expectAsc,
  );
  assert.deepEqual(
    table({ sort: { key: 'final:testMSE', desc: true } }).rows.map((r) => r.runId),
    [...stored].sort((a, b) => b.v - a.v).map((r) => r.id),
  );
  // the default sort is the headline metric, best first (lowest test MSE)
  assert.deepEqual(
    table({}).rows.map((r) => r.runId),
    expectAsc,
  );
  // by a parameter: p ascending, stable within
  const byP = table({ sort: { key: 'param:p', desc: false } });
  const pCol = byP.columns.findIndex((c) => c.key === 'param:p');
  const ps = byP.rows.map((r) => r.cells[pCol] as number);
  assert.deepEqual(
    ps,
    [...ps].sort((a, b) => a - b),
  );
  // an unknown sort key falls back to the default
  assert.deepEqual(
    table({ sort: { key: 'nope', desc: true } }).rows.map((r) => r.runId),
    expectAsc,
  );
  // the parallel coordinates: one line per finished run over the swept axes and the metric
  const pc = hparamsView(snap, {}).figures.find((f) => f.id === 'hparams-parallel') as ChartSpec;
  assert.equal(pc.series.length, stored.length);
  assert.deepEqual(pc.x.categories, ['p', 'seed', 'test MSE']);
  // the CSV is the table in the order shown
  const csv = hparamsView(snap, { sort: { key: 'final:testMSE', desc: false } }).table;
  assert.deepEqual(
    csv.rows.map((r) => r[0]),
    expectAsc,
  );
});

test('tags and notes: typed input parsed, annotations.json written under its lock and read strictly', () => {
  assert.deepEqual(parseTagInput('best, #baseline  best'), { ok: true, tags: ['best', 'baseline'] });
  assert.equal(parseTagInput('a<b').ok, false);
  const root = tmp();
  write(root, 'exp', { p: [0, 1] }, 100);
  const dir = path.join(root, 'exp');
  writeAnnotation(dir, 'high_p1_snr1_s1', ['best'], 'lowest late band');
  writeAnnotation(dir, undefined, ['fig1'], undefined);
  const r = readAnnotations(dir);
  assert.ok(r.ok);
  assert.deepEqual(r.value.runs.high_p1_snr1_s1, { tags: ['best'], note: 'lowest late band' });
  assert.deepEqual(r.value.experiment, { tags: ['fig1'] });
  assert.ok(!fs.existsSync(path.join(dir, ANNOTATIONS_LOCK)), 'the lock is released');
  // the panel model shows them
  const snap = new PanelModel(dir).snapshot();
  assert.deepEqual(snap.runs.find((x) => x.id === 'high_p1_snr1_s1')?.tags, ['best']);
  assert.deepEqual(snap.experiment?.tags, ['fig1']);
  // clearing removes the entry
  writeAnnotation(dir, 'high_p1_snr1_s1', [], '');
  const cleared = readAnnotations(dir);
  assert.ok(cleared.ok && !('high_p1_snr1_s1' in cleared.value.runs));
  // strictness
  assert.equal(checkAnnotations({ version: 1, runs: { a: { tags: ['x y'] } } }).ok, false);
  assert.equal(checkAnnotations({ version: 1, runs: { '../a': { tags: [] } } }).ok, false);
  assert.equal(checkAnnotations({ version: 2, runs: {} }).ok, false);
  assert.equal(checkAnnotations({ version: 1, runs: {}, extra: 1 }).ok, false);
});

test('tags and notes: a damaged annotations.json is reported, never overwritten; a held lock is reported', () => {
  const root = tmp();
  write(root, 'exp', { p: [0] }, 100);
  const dir = path.join(root, 'exp');
  const file = path.join(dir, 'annotations.json');
  const damaged = '{"version":1,"runs":{"high_p0_snr1_s1":{"tags":["kept"]}';
  fs.writeFileSync(file, damaged);
  const r = readAnnotations(dir);
  assert.ok(!r.ok);
  assert.match(r.error, /not valid JSON/);
  assert.throws(() => writeAnnotation(dir, 'high_p0_snr1_s1', ['new'], undefined), /nothing in it is lost/);
  assert.equal(fs.readFileSync(file, 'utf8'), damaged, 'the damaged file is left exactly as it was');
  // the panel says so and shows no tags
  const snap = new PanelModel(dir).snapshot();
  assert.match(snap.warnings.join('\n'), /tags and notes: .*annotations\.json is not valid JSON/);
  fs.rmSync(file);
  // a live writer holds the lock (this process, under another token): the write waits, then says who holds it
  const held = takeLock(path.join(dir, ANNOTATIONS_LOCK), selfOwner('another window'));
  assert.ok(held.ok);
  assert.throws(() => writeAnnotation(dir, 'high_p0_snr1_s1', ['x'], undefined), /held by another window/);
  held.lock.release();
  writeAnnotation(dir, 'high_p0_snr1_s1', ['x'], undefined);
  assert.ok(readAnnotations(dir).ok);
});

test('SVG export: one group per series, the chart titles, no "Click" hints; captions cleaned for the PNG too', () => {
  const root = tmp();
  write(root, 'sweep', { p: [-1, 0, 1] }, 100);
  const snap = new PanelModel(path.join(root, 'sweep')).snapshot();
  const view = buildTab('summary', snap, {});
  const theme = {
    bg: '#ffffff',
    fg: '#333333',
    muted: '#717171',
    grid: 'rgba(0,0,0,0.1)',
    border: '#cccccc',
    font: '"Segoe UI", sans-serif',
    fontSize: 13,
    resolve: (c: string) => (c.startsWith('theme:') ? '#333333' : c),
  };
  const svg = figuresToSvg(view.figures, 'sweep · Summary', theme);
  assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const charts = view.figures.filter((f): f is ChartSpec => f.kind === 'chart');
  const groups = [...svg.matchAll(/<g class="series[^"]*" data-label="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(
    groups.length,
    charts.reduce((n, c) => n + c.series.length, 0),
  );
  for (const c of charts) assert.ok(svg.includes(`data-figure="${c.id}"`));
  assert.ok(!/Click/.test(svg), 'no click hints in an exported file');
  // balanced tags: every opened element is closed (a cheap well-formedness check; the e2e test parses it)
  const opened = (svg.match(/<(g|svg|clipPath)\b/g) ?? []).length;
  const closed = (svg.match(/<\/(g|svg|clipPath)>/g) ?? []).length;
  assert.equal(opened, closed);
  assert.ok(!/[<>&](?![a-zA-Z/?!#])/.test(svg.replace(/<[^>]*>/g, '')), 'no raw markup characters in text');
  assert.equal(
    exportCaption('Lower is better. Click a point for its training curves. Dotted = floor.'),
    'Lower is better. Dotted = floor.',
  );
  assert.equal(exportCaption('Spread. Click a bar for its curves.'), 'Spread.');
});
