// @ts-check
// Shared helpers for the fault classes: run the built CLI as a real process, make and remove temp stores, and
// check a store's runs independently of the engine (record counts and steps read from the files themselves,
// checksums computed here with node:crypto).
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

/** A small regression sweep: 2 groups (SNR 1 and 2) of 2 runs (p = -2, 0), 200 steps, a record every 10 steps. */
export const SMALL = [
  'fig1-cov',
  '--quick',
  '--steps',
  '200',
  '--eval-every',
  '10',
  '--p',
  '-2,0',
  '--snr',
  '1,2',
  '--case',
  'high',
  '--workers',
  '1',
];
export const SMALL_EXPERIMENT = 'fig1-cov-quick';
export const SMALL_IDS = ['high_p-2_snr1_s42', 'high_p0_snr1_s42', 'high_p-2_snr2_s42', 'high_p0_snr2_s42'];
/** records at steps 0, 10, ..., 200 */
export const SMALL_RECORDS = 200 / 10 + 1;

/**
 * Runs the CLI; resolves with its exit code, signal and output (never rejects on a non-zero exit).
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, onSpawn?: (child: import('node:child_process').ChildProcess) => void,
 *   timeoutMs?: number }} [opts]
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }>}
 */
export function cli(args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // a safety net against a hung test, not a performance bound
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    opts.onSpawn?.(child);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** True when output holds a Node stack trace (an `at fn (file:line:col)` frame or an internal frame). */
export const hasStackTrace = (/** @type {string} */ text) =>
  /^\s+at .*(\(.*:\d+:\d+\)|:\d+:\d+)$/m.test(text) || /node:internal/.test(text);

/** A fresh temp folder; `cleanup` removes it. */
export function tempDir(/** @type {string} */ prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `precond-faults-${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

export const sha256 = (/** @type {Buffer} */ b) => crypto.createHash('sha256').update(b).digest('hex');

/**
 * Checks one run as a complete, single training: run.json done; metrics.jsonl with exactly `records` lines, each
 * JSON, steps strictly increasing from 0; weights.json present and parsing, its bytes matching the checksum in
 * run.json's manifest (computed here); no lock left behind. Returns what is wrong, or [] when it is all right.
 * @param {string} runDir @param {number} records @returns {string[]}
 */
export function checkRun(runDir, records) {
  const id = path.basename(runDir);
  const out = [];
  let run;
  try {
    run = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  } catch (e) {
    return [`${id}: run.json unreadable (${/** @type {Error} */ (e).message})`];
  }
  if (run.status !== 'done') out.push(`${id}: status ${run.status}${run.reason ? ` (${run.reason})` : ''}`);
  /** @type {string[]} */
  let lines = [];
  try {
    lines = fs.readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean);
  } catch {
    out.push(`${id}: metrics.jsonl missing`);
  }
  if (lines.length !== records) out.push(`${id}: ${lines.length} records, expected ${records}`);
  let last = -1;
  for (const [i, line] of lines.entries()) {
    let step;
    try {
      step = JSON.parse(line).step;
    } catch {
      out.push(`${id}: metrics line ${i + 1} is not JSON`);
      break;
    }
    if (!(step > last)) {
      out.push(`${id}: step ${step} after ${last} (records written twice?)`);
      break;
    }
    last = step;
  }
  try {
    const w = fs.readFileSync(path.join(runDir, 'weights.json'));
    JSON.parse(w.toString('utf8'));
    if (run.manifest?.weights?.sha256 !== sha256(w))
      out.push(`${id}: weights.json does not match the checksum in run.json`);
  } catch (e) {
    out.push(`${id}: weights.json missing or not JSON (${/** @type {Error} */ (e).message})`);
  }
  if (fs.existsSync(path.join(runDir, 'run.lock'))) out.push(`${id}: lock left behind`);
  return out;
}

/** Checks every run of the small sweep under `out`; returns { bad: number of bad runs, problems }. */
export function checkSmallStore(/** @type {string} */ out, ids = SMALL_IDS, records = SMALL_RECORDS) {
  const problems = [];
  let bad = 0;
  for (const id of ids) {
    const p = checkRun(path.join(out, SMALL_EXPERIMENT, 'runs', id), records);
    if (p.length) bad++;
    problems.push(...p);
  }
  return { bad, problems };
}

/** Statuses in run.json files of an experiment, by run id. */
export function statuses(/** @type {string} */ expDir) {
  /** @type {Record<string, string>} */
  const out = {};
  let ids = [];
  try {
    ids = fs.readdirSync(path.join(expDir, 'runs'));
  } catch {
    return out;
  }
  for (const id of ids) {
    try {
      out[id] = JSON.parse(fs.readFileSync(path.join(expDir, 'runs', id, 'run.json'), 'utf8')).status;
    } catch {
      out[id] = 'unreadable';
    }
  }
  return out;
}

/** Files under `dir` (recursively) whose names end in `.tmp`. */
export function temporaries(/** @type {string} */ dir) {
  /** @type {string[]} */
  const out = [];
  const walk = (/** @type {string} */ d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.tmp')) out.push(path.join(d, e.name));
    }
  };
  try {
    walk(dir);
  } catch {
    /* gone */
  }
  return out;
}

/** Runs `fn` for each fault case, tallying { tried, handled, lost, failures }. `fn` returns { ok, lost, why }. */
export async function tally(
  /** @type {string[]} */ cases,
  /** @type {(c: string) => Promise<{ ok: boolean, lost: number, why?: string }>} */ fn,
) {
  const r = { tried: 0, handled: 0, lost: 0, failures: /** @type {string[]} */ ([]) };
  for (const c of cases) {
    r.tried++;
    let res;
    try {
      res = await fn(c);
    } catch (e) {
      res = { ok: false, lost: 0, why: `threw ${/** @type {Error} */ (e)?.stack ?? e}` };
    }
    if (res.ok) r.handled++;
    else r.failures.push(`${c}: ${res.why}`);
    r.lost += res.lost;
    console.log(`  ${res.ok ? 'ok  ' : 'FAIL'} ${c}${res.ok ? '' : `: ${res.why}`}`);
  }
  return r;
}

/**
 * Starts the built CLI in the background, collecting its stdout and stderr in `out`; `children` tracks it until it
 * closes (so an `after` hook can kill what is left), and `outputs`, when given, receives its whole output then.
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, children: Set<import('node:child_process').ChildProcess>, outputs?: string[] }} o
 */
export function startCli(args, { env = process.env, children, outputs }) {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const p = { child, out: '', t0: Date.now() };
  child.stdout?.on('data', (d) => (p.out += d));
  child.stderr?.on('data', (d) => (p.out += d));
  const done = new Promise((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      outputs?.push(p.out);
      resolve({ code, signal });
    }),
  );
  return Object.assign(p, { done: /** @type {Promise<{ code: number | null, signal: string | null }>} */ (done) });
}

/** Polls `pred` every 50 ms until it holds; fails naming `what` after `ms`. @param {() => boolean} pred */
export async function waitFor(pred, /** @type {number} */ ms, /** @type {string} */ what) {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
