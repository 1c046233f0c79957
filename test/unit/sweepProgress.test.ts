// Sweep progress (issue 14, defect 4): steps done across the sweep with the time left estimated from the rate of
// steps seen, the same in the notification, the status bar and the tree; run rows always show a percentage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateConfig } from '../../src/shared/config';
import { LabRunner } from '../../src/host/labRunner';
import { runDescription, runView } from '../../src/host/runView';
import {
  fmtLeft,
  MIN_ESTIMATE_MS,
  progressShort,
  progressText,
  SweepProgress,
  SweepProgressBook,
} from '../../src/host/sweepProgress';

const runnerPath = path.resolve(__dirname, '../../runner.js');

test('steps done count running runs by their step and ended runs whole; skipped runs count for neither', () => {
  const p = new SweepProgress('e', ['a', 'b', 'c', 'd'], 1000);
  p.started = true;
  p.state('d', 'skipped'); // already in the store
  p.progress('a', 100, 1000, 10_000);
  p.progress('b', 50, 1000, 10_000);
  let v = p.view(10_000, 2);
  assert.equal(v.stepsTotal, 3000);
  assert.equal(v.stepsDone, 150);
  assert.equal(v.runsTotal, 3);
  assert.equal(v.secondsLeft, undefined, 'no estimate from one report');
  assert.match(progressText(v), /^150\/3,000 steps \(5%\) · 2 runs running · estimating time left$/);
  // 4 s after the first report: 950 steps done -> 237.5 steps/s; 2050 left -> 8.63 s
  p.progress('a', 500, 1000, 14_000);
  p.progress('b', 450, 1000, 14_000);
  v = p.view(14_000, 2);
  assert.equal(v.stepsDone, 950);
  assert.ok(Math.abs(v.secondsLeft! - 2050 / 237.5) < 1e-9, String(v.secondsLeft));
  assert.equal(progressShort(v), '31% · 9 s left');
  // a ends early (diverged): all its steps count as done; c has not reported yet and keeps the config's steps
  p.state('a', 'diverged');
  v = p.view(14_000, 1);
  assert.equal(v.stepsDone, 1450);
  assert.equal(v.runsEnded, 1);
  assert.match(progressText(v), /^1,450\/3,000 steps \(48%\) · 1 run running · about \d+ s left$/);
});

test('the estimate waits for MIN_ESTIMATE_MS of observed progress; a run reporting other steps resizes the total', () => {
  const p = new SweepProgress('e', ['a'], 100);
  p.started = true;
  p.progress('a', 10, 400, 0);
  p.progress('a', 20, 400, MIN_ESTIMATE_MS - 1);
  assert.equal(p.view(MIN_ESTIMATE_MS - 1).secondsLeft, undefined);
  assert.equal(p.view(MIN_ESTIMATE_MS - 1).stepsTotal, 400);
  p.progress('a', 30, 400, MIN_ESTIMATE_MS);
  // 30 steps in 2 s -> 15/s; 370 left -> 24.67 s
  assert.ok(Math.abs(p.view(MIN_ESTIMATE_MS).secondsLeft! - 370 / 15) < 1e-9);
});

test('time left reads in s, min and h', () => {
  assert.equal(fmtLeft(0.2), '1 s');
  assert.equal(fmtLeft(59), '59 s');
  assert.equal(fmtLeft(150), '3 min');
  assert.equal(fmtLeft(4800), '1 h 20 min');
});

test('a queued sweep says so; a sweep with nothing to train says so', () => {
  const p = new SweepProgress('e', ['a'], 100);
  assert.equal(progressText(p.view(0)), 'queued behind the running sweep');
  p.started = true;
  p.state('a', 'skipped');
  assert.match(progressText(p.view(0)), /nothing to train/);
});

test('run rows: a percentage for every running run, "finishing" (not "running 100%") once its steps are done', () => {
  const params = { case: 'high', p: 1, snr: 1, seed: 1 } as const;
  assert.equal(runDescription(runView('r', undefined, { state: 'running', params })), 'running 0%');
  assert.equal(
    runDescription(runView('r', undefined, { state: 'running', params, step: 299, steps: 300 })),
    'running 99%',
  );
  const end = runDescription(runView('r', undefined, { state: 'running', params, step: 300, steps: 300 }));
  assert.doesNotMatch(end, /100%/);
  assert.match(end, /finishing/);
});

test('a real sweep: the book starts at 0 of runs x steps before any run reports and ends with all steps done', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-progress-'));
  const lab = new LabRunner({ runnerPath, workers: () => 2, backend: () => 'auto', graceSeconds: 5 });
  const book = new SweepProgressBook(lab);
  const config = validateConfig({
    version: 1,
    name: 'prog',
    kind: 'noise',
    grid: { case: ['high'], p: [-1, 1], snr: [1], seed: [5] },
    settings: { n: 600, width: 24, steps: 300, evalEvery: 50 },
  });
  const seen: number[] = [];
  let atStart: ReturnType<SweepProgressBook['view']>;
  lab.on('sweep', (h, phase) => {
    if (phase === 'started') atStart = book.view(h.id);
  });
  lab.on('progress', () => {
    const v = book.currentView();
    if (v) seen.push(v.stepsDone);
  });
  let beforeEnd: ReturnType<SweepProgressBook['view']>;
  lab.on('state', (_e, _id, s) => {
    if (s === 'done') beforeEnd = book.currentView();
  });
  const h = lab.enqueue({ config, root });
  await h.done;
  assert.equal(atStart!.started, true);
  assert.equal(atStart!.stepsDone, 0);
  assert.equal(atStart!.stepsTotal, 2 * 300);
  assert.match(progressShort(atStart!), /^0% · estimating$/);
  assert.ok(seen.length > 0, 'progress was reported');
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], 'steps done never go back');
  assert.ok(beforeEnd!.stepsDone <= 600 && beforeEnd!.stepsDone >= 300, String(beforeEnd!.stepsDone));
  assert.equal(book.view(h.id), undefined, 'a finished sweep leaves the book');
  fs.rmSync(root, { recursive: true, force: true });
});
