// @ts-check
// Judging one CLI outcome against a hand-written label (used by the corpus and bounds classes): the exit code,
// the field the message must name, no stack trace or raw JS error name, bounded output, and nothing written
// outside the files the case itself put in its temp folder.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, hasStackTrace } from './lib.mjs';

/**
 * Runs the built CLI in `cwd` (so a stray relative write lands in the case's temp folder, where it is seen);
 * output beyond 4 MB is counted, not kept.
 * @param {string[]} args @param {string} cwd
 * @returns {Promise<{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string,
 *   bytes: number }>}
 */
export function cliIn(args, cwd) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let bytes = 0;
    const keep = (/** @type {string} */ s, /** @type {Buffer} */ d) => (
      (bytes += d.length),
      s.length < 4e6 ? s + d : s
    );
    child.stdout.on('data', (d) => (stdout = keep(stdout, d)));
    child.stderr.on('data', (d) => (stderr = keep(stderr, d)));
    // a safety net against a hung case (e.g. reading /dev/zero forever), not a performance bound
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, bytes });
    });
  });
}

/** Output above this is a flood (10^6 bad values once printed 57 MB). */
export const MAX_OUTPUT = 10_000;

/**
 * @param {{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }} r
 * @param {{ refused?: string, accepted?: boolean }} expect
 * @param {string} dir the case's temp folder (the process's cwd, with --out under it)
 * @param {string[]} own the names the case itself created in dir
 * @returns {string | undefined} why the outcome differs from the label, or undefined when it matches
 */
export function judge(r, expect, dir, own) {
  const text = `${r.stdout}\n${r.stderr}`;
  if (r.signal) return `killed by ${r.signal}`;
  if (hasStackTrace(text) || /^ {4}at /m.test(text)) return `stack trace in output: ${text.slice(0, 300)}`;
  if (/\b(TypeError|RangeError|ReferenceError|EISDIR|ENOENT|EACCES)\b/.test(text))
    return `raw error text in output: ${text.slice(0, 300)}`;
  const bytes = 'bytes' in r && typeof r.bytes === 'number' ? r.bytes : text.length;
  if (bytes > MAX_OUTPUT) return `${bytes} bytes of output (more than ${MAX_OUTPUT})`;
  const extra = fs.readdirSync(dir).filter((f) => !own.includes(f));
  if (extra.length) return `wrote ${extra.map((f) => path.join(dir, f)).join(', ')}`;
  if (expect.accepted) {
    if (r.code !== 0) return `expected accepted, got exit ${r.code}: ${r.stderr.trim().slice(0, 300)}`;
    if (!/valid/.test(r.stdout)) return `accepted but did not say so: ${r.stdout.slice(0, 200)}`;
    return undefined;
  }
  if (r.code !== 2) return `expected refused (exit 2), got exit ${r.code}: ${text.trim().slice(0, 300)}`;
  if (!expect.refused || !r.stderr.includes(expect.refused))
    return `message does not name '${expect.refused}': ${r.stderr.trim().slice(0, 400)}`;
  return undefined;
}

/**
 * Runs `fn` over items, `width` at a time (the machines have 2 cores); resolves the results in order.
 * @template T, R @param {T[]} items @param {number} width @param {(item: T) => Promise<R>} fn @returns {Promise<R[]>}
 */
export async function pool(items, width, fn) {
  const out = /** @type {R[]} */ (new Array(items.length));
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}
