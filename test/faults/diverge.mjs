// @ts-check
// Diverging runs. Specified (issue 9 item 8): every record is checked from step 0; a non-finite loss, one above
// 1e12, or one above 1e6 times the step-0 loss ends the run `diverged` (never `done`) with a reason naming the
// step, the record that shows it is still written (non-finite values left out, so no line holds null), every
// metrics line parses, the CLI and a later `report` exit without a stack trace, and a run that trains normally
// stays `done`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, hasStackTrace, statuses, tally, tempDir } from './lib.mjs';

export const name = 'diverge';

const DX = 10; // the presets' dx (README: --init takes W1 width x dx, b1 width, W2 1 x width, b2 1)
const WIDTH = 8;
const BASE = [
  '--quick',
  '--case',
  'high',
  '--p',
  '0',
  '--snr',
  '1',
  '--seeds',
  '42',
  '--steps',
  '60',
  '--eval-every',
  '10',
  '--workers',
  '1',
];

/** A weights.json of the right shapes with every entry `v`. */
function weightsFile(/** @type {string} */ file, /** @type {number} */ v) {
  const row = (/** @type {number} */ n) => Array.from({ length: n }, () => v);
  fs.writeFileSync(
    file,
    JSON.stringify({ W1: Array.from({ length: WIDTH }, () => row(DX)), b1: row(WIDTH), W2: [row(WIDTH)], b2: [v] }),
  );
  return file;
}

/**
 * @typedef {{ args: (dir: string) => string[], experiment: string, status: 'diverged' | 'done', step?: RegExp }} Case
 * @type {Record<string, Case>}
 */
const CASES = {
  '--init weights of 1e30 (noise): diverged at step 0': {
    args: (d) => [
      'run',
      'fig1-cov',
      ...BASE,
      '--width',
      String(WIDTH),
      '--init',
      weightsFile(path.join(d, 'w30.json'), 1e30),
      '--name',
      'init30',
    ],
    experiment: 'init30',
    status: 'diverged',
    step: /^diverged at step 0: /,
  },
  '--init weights of 1e4 (finite loss above 1e12): diverged at step 0': {
    args: (d) => [
      'run',
      'fig1-cov',
      ...BASE,
      '--width',
      String(WIDTH),
      '--init',
      weightsFile(path.join(d, 'w4.json'), 1e4),
      '--name',
      'init4',
    ],
    experiment: 'init4',
    status: 'diverged',
    step: /^diverged at step 0: train MSE \S+ is above the bound 1e\+12/,
  },
  '--init weights of 1e30 (transfer, Task 1): diverged at step 0': {
    args: (d) => [
      'run',
      'fig3-cov',
      ...BASE,
      '--width',
      String(WIDTH),
      '--init',
      weightsFile(path.join(d, 'w30t.json'), 1e30),
      '--name',
      'init30t',
    ],
    experiment: 'init30t',
    status: 'diverged',
    step: /^diverged at step 0: /,
  },
  'learning rate 50 (noise): diverged later, at a named step': {
    args: () => ['run', 'fig1-cov', ...BASE, '--lr', '50', '--name', 'hotlr'],
    experiment: 'hotlr',
    status: 'diverged',
    step: /^diverged at step [1-9]\d*: /,
  },
  'OOD, gd with lr 1000 (cross-entropy): diverged later, at a named step': {
    args: () => [
      'run',
      'fig2-optimizers',
      '--quick',
      '--optimizer',
      'gd',
      '--optim',
      'gd.lr=1000',
      '--steps',
      '20',
      '--eval-every',
      '5',
      '--workers',
      '1',
      '--name',
      'oodhot',
    ],
    experiment: 'oodhot',
    status: 'diverged',
    step: /^diverged at step [1-9]\d*: train loss /,
  },
  'a normal run: stays done': {
    args: () => ['run', 'fig1-cov', ...BASE, '--name', 'calm'],
    experiment: 'calm',
    status: 'done',
  },
};

/** What is wrong with an experiment's store after the case ran: statuses, reasons, metrics lines. */
function checkStore(/** @type {string} */ expDir, /** @type {Case} */ c) {
  const problems = [];
  const st = statuses(expDir);
  const ids = Object.keys(st);
  if (!ids.length) problems.push('no runs written');
  for (const id of ids) {
    if (st[id] !== c.status) problems.push(`${id}: status ${st[id]}, expected ${c.status}`);
    const runDir = path.join(expDir, 'runs', id);
    let run;
    try {
      run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
    } catch {
      continue; // counted above as 'unreadable'
    }
    if (c.step && !(typeof run.reason === 'string' && c.step.test(run.reason)))
      problems.push(`${id}: reason ${JSON.stringify(run.reason)} does not match ${c.step}`);
    /** @type {string[]} */
    let lines = [];
    try {
      lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean);
    } catch {
      problems.push(`${id}: metrics.jsonl missing`);
    }
    if (!lines.length) problems.push(`${id}: no records (the record that shows the divergence must be written)`);
    lines.forEach((l, i) => {
      try {
        JSON.parse(l);
      } catch {
        problems.push(`${id}: metrics line ${i + 1} is not JSON`);
      }
      if (/:null\b/.test(l))
        problems.push(`${id}: metrics line ${i + 1} holds null (a non-finite value written as JSON null)`);
    });
    if (c.status === 'diverged' && lines.length) {
      const last = JSON.parse(lines[lines.length - 1]);
      const at = /^diverged at step (\d+)/.exec(run.reason ?? '');
      if (at && last.step !== Number(at[1]))
        problems.push(`${id}: last record is step ${last.step}, the reason names step ${at[1]}`);
    }
  }
  return problems;
}

export async function run() {
  const { dir, cleanup } = tempDir('diverge');
  try {
    return await tally(Object.keys(CASES), async (label) => {
      const c = CASES[label];
      const out = path.join(dir, 'out');
      const r = await cli([...c.args(dir), '--out', out]);
      const why = [];
      if (hasStackTrace(r.stderr + r.stdout)) why.push('stack trace in the output');
      const wantCode = c.status === 'done' ? 0 : 1;
      if (r.code !== wantCode)
        why.push(`run exited ${r.code} (expected ${wantCode}): ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
      const problems = checkStore(path.join(out, c.experiment), c);
      why.push(...problems);
      const rep = await cli(['report', c.experiment, '--out', out]);
      if (rep.code !== 0) why.push(`report exited ${rep.code}: ${rep.stderr.trim()}`);
      if (hasStackTrace(rep.stderr + rep.stdout)) why.push('stack trace in report');
      if (!rep.stdout.includes(c.status === 'done' ? ' done ' : ' diverged '))
        why.push(`report does not show the run as ${c.status}`);
      return {
        ok: why.length === 0,
        lost: problems.some((p) => p.includes('not JSON') || p.includes('no runs')) ? 1 : 0,
        why: why.join('; '),
      };
    });
  } finally {
    cleanup();
  }
}
