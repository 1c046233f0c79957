// @ts-check
// The sample workspace the end-to-end tests open: a finished quick experiment made by the CLI before code-server
// starts (so the tree has something to show without the extension running anything), and a tiny config the
// palette test runs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const FINISHED = 'fig1-cov-quick';
export const SWEEP = 'e2e-sweep';
export const SWEEP_FILE = `${SWEEP}.precond.json`;
export const SWEEP_CONFIG = {
  version: 1,
  name: SWEEP,
  kind: 'noise',
  description: 'End-to-end test: a sweep small enough to finish in seconds.',
  grid: { case: ['high', 'low'], p: [-2, 2], snr: [1], seed: [42] },
  settings: { steps: 300, evalEvery: 50 },
};
export const SWEEP_RUNS = 4;

/** @param {string} repoRoot */
export function makeSampleWorkspace(repoRoot) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-e2e-ws-'));
  const cli = [
    path.join(repoRoot, 'dist/cli.js'),
    'run',
    'fig1-cov',
    '--quick',
    '--steps',
    '300',
    '--eval-every',
    '50',
    '--out',
    path.join(ws, '.precond-lab'),
  ];
  try {
    execFileSync(process.execPath, cli, { stdio: 'pipe' });
  } catch (err) {
    fs.rmSync(ws, { recursive: true, force: true });
    const e = /** @type {Error & { stderr?: Buffer }} */ (err); // execFileSync's error carries the child's stderr
    throw new Error(`the CLI could not make the sample experiment: ${e.stderr?.toString().slice(-2000) ?? e.message}`);
  }
  fs.writeFileSync(path.join(ws, SWEEP_FILE), JSON.stringify(SWEEP_CONFIG, null, 2));
  fs.mkdirSync(path.join(ws, '.vscode'));
  // small evaluation interval for anything the extension launches with its own defaults
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'precondLab.evalEvery': 50 }, null, 2));
  return ws;
}

/**
 * The experiment's summary.json as the tests read it, or undefined while it is missing or half written.
 * @param {string} ws
 * @param {string} name
 * @returns {{ runs: { status: string }[] } | undefined}
 */
export function summaryOf(ws, name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(ws, '.precond-lab', name, 'summary.json'), 'utf8'));
  } catch {
    return undefined;
  }
}
