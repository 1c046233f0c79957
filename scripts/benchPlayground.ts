// The playground's latencies, over the real warm runner (dist/playgroundRunner.js) as the panel drives it: for each
// backend that loads (native, wasm), 20 changes of p at the default budget (1000 steps on native, 600 on wasm;
// width 500, test MSE every 10) in Case High and in Case Low, each awaited: change -> first record and change ->
// final point on the host, median and spread; then 20 changes made while a retrain runs: how long the superseded
// run takes to stop (runner-measured, the 50 ms goal) and change -> first record of the new run. Prints the traced
// p curve of both cases (final test MSE per p). Writes test-output/bench-playground.json. Part of `npm run bench`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadavg } from 'node:os';
import { defaultControls, type PlaygroundControls } from '../src/shared/playground/controls';
import { PlaygroundSession, type RequestTiming } from '../src/host/playground/session';
import { WarmRunner } from '../src/host/playground/warmRunner';
import type { BackendChoice } from '../src/shared/protocol';

const runnerPath = path.resolve(__dirname, 'playgroundRunner.js');
const CHANGES = 20;
const P_VALUES = Array.from({ length: CHANGES }, (_, i) => Math.round((-3 + 0.3 * i) * 100) / 100);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const stats = (xs: number[]) => ({
  median: median(xs),
  min: Math.min(...xs),
  max: Math.max(...xs),
  n: xs.length,
});
const ms = (x: number): string => `${x.toFixed(0)} ms`;

async function benchBackend(backend: BackendChoice) {
  const runner = new WarmRunner(runnerPath, () => backend);
  const session = new PlaygroundSession(runner, undefined);
  const info = await session.start(false).catch((e: Error) => {
    session.dispose();
    return e;
  });
  if (info instanceof Error) return { backend, skipped: info.message };
  if (info.backend !== backend) {
    session.dispose();
    return { backend, skipped: `backend ${backend} did not load (got ${info.backend})` };
  }
  const steps = session.controls.steps;
  const out: Record<string, unknown> = { backend, kernel: info.kernel, steps };
  const curves: Record<string, { p: number; testMSE: number | null }[]> = {};
  for (const spectrum of ['high', 'low'] as const) {
    const first: number[] = [];
    const final: number[] = [];
    // one warm-up retrain at these settings (the first evaluation on a fresh kernel compiles and allocates)
    await session.change({ ...defaultControls(backend), steps, spectrum, p: 3.1 - 0.05 });
    for (const p of P_VALUES) {
      const t = (await session.change({ ...session.controls, spectrum, p })) as RequestTiming;
      if (t.cached) throw new Error('a bench change hit the cache');
      first.push(t.firstRecordMs!);
      final.push(t.finalMs!);
    }
    curves[spectrum] = session.curves
      .points({ ...session.controls, spectrum } as PlaygroundControls)
      .filter((pt) => P_VALUES.includes(pt.p))
      .map(({ p, testMSE }) => ({ p, testMSE }));
    out[spectrum] = { firstRecordMs: stats(first), finalMs: stats(final) };
  }
  // supersession: a change while a retrain runs (after its first records), 20 times
  const stops: number[] = [];
  const runnerStops: number[] = [];
  const firstAfter: number[] = [];
  session.on('stopped', (_id, hostMs, runnerMs) => {
    stops.push(hostMs);
    runnerStops.push(runnerMs);
  });
  for (let i = 0; i < CHANGES; i++) {
    const long = session.change({ ...session.controls, spectrum: 'high', p: -2.95 + 0.01 * i, steps: steps * 20 });
    await new Promise<void>((resolve) => {
      const on = (m: { type: string }): void => {
        if (m.type !== 'records') return;
        session.off('view', on);
        resolve();
      };
      session.on('view', on);
    });
    const t = (await session.change({ ...session.controls, p: 2.95 - 0.01 * i, steps })) as RequestTiming;
    await long;
    firstAfter.push(t.firstRecordMs!);
  }
  await new Promise((r) => setTimeout(r, 200));
  out.supersede = { stopMs: stats(stops), runnerStopMs: stats(runnerStops), firstRecordMs: stats(firstAfter) };
  out.runnerStarts = runner.starts;
  out.curves = curves;
  session.dispose();
  return out;
}

async function main(): Promise<void> {
  if (!fs.existsSync(runnerPath)) throw new Error(`${runnerPath} is missing: run npm run build first`);
  console.log(`\nPlayground latency (warm runner, ${CHANGES} changes each; load average ${loadavg()[0].toFixed(2)})`);
  const results = [];
  for (const backend of ['native', 'wasm'] as const) {
    const r = await benchBackend(backend);
    results.push(r);
    if ('skipped' in r) {
      console.log(`  ${backend}: skipped (${r.skipped})`);
      continue;
    }
    type S = { median: number; min: number; max: number };
    const row = (label: string, s: S) =>
      console.log(`    ${label.padEnd(46)} median ${ms(s.median)} (min ${ms(s.min)}, max ${ms(s.max)})`);
    console.log(`  ${backend} (${r.kernel}), ${r.steps} steps, test MSE every 10:`);
    for (const c of ['high', 'low'] as const) {
      const x = r[c] as { firstRecordMs: S; finalMs: S };
      row(`Case ${c}: change -> first record`, x.firstRecordMs);
      row(`Case ${c}: change -> final point`, x.finalMs);
    }
    const sup = r.supersede as { stopMs: S; runnerStopMs: S; firstRecordMs: S };
    row('change -> superseded run stopped (goal 50 ms)', sup.stopMs);
    row('  of which in the runner after reading it', sup.runnerStopMs);
    row('superseding change -> first record', sup.firstRecordMs);
    console.log(`    runner processes started: ${r.runnerStarts}`);
    for (const c of ['high', 'low'] as const) {
      const pts = (r.curves as Record<string, { p: number; testMSE: number | null }[]>)[c];
      const best = pts.filter((p) => p.testMSE !== null).sort((a, b) => a.testMSE! - b.testMSE!)[0];
      console.log(
        `    Case ${c} p curve: ` +
          pts.map((p) => `${p.p}:${p.testMSE === null ? 'div' : p.testMSE.toFixed(3)}`).join(' ') +
          (best ? `  (best p ${best.p})` : ''),
      );
    }
  }
  const file = path.resolve(__dirname, '../test-output/bench-playground.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), load: loadavg()[0], results }, null, 1));
  console.log(`  written to ${path.relative(process.cwd(), file)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
