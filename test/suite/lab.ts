// Helpers shared by the test files: the extension and its API, the workspace and results store, polling, and the
// quick preset sweep that several tests inspect (run once per extension host, whichever test asks first).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  EXTENSION_ID,
  type CommandArgs,
  type CommandId,
  type CommandResult,
  type LabApi,
  type RunPresetArgs,
  type SweepSummary,
} from './contract';

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

export async function labApi(): Promise<LabApi> {
  const api = (await extension().activate()) as Partial<LabApi> | undefined;
  assert.ok(api && typeof api === 'object', 'activate() returned no API object');
  for (const fn of ['tree', 'refresh', 'storeRoot', 'messages'] as const) {
    assert.equal(typeof api[fn], 'function', `the API object has no ${fn}()`);
  }
  return api as LabApi;
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test window has no workspace folder');
  return folder.uri.fsPath;
}

export async function resultsRoot(): Promise<string> {
  return (await labApi()).storeRoot();
}

/** The errors the extension showed since `since` (an index into messages()), for assertion messages. */
export async function errorsShown(since = 0): Promise<string[]> {
  const api = (await extension().activate()) as Partial<LabApi> | undefined;
  return (api?.messages?.() ?? [])
    .slice(since)
    .filter((m) => m.level === 'error')
    .map((m) => m.text);
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ` +
          `${what}${lastError ? `: ${(lastError as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export interface RunOnDisk {
  id: string;
  status: string;
  final: Record<string, number>;
}

export const runFile = (root: string, experiment: string, id: string): string =>
  path.join(root, experiment, 'runs', id, 'run.json');

/** Writes a config file into the workspace, opens it in an editor, and returns its Uri. */
export async function openConfig(name: string, config: unknown): Promise<vscode.Uri> {
  const file = path.join(workspaceRoot(), name);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
  return uri;
}

/** Runs a sweep command; the extension answers errors with a notification and `undefined`, so say what it showed. */
/** executeCommand typed by the extension's command contract (src/host/commandArgs.ts). */
export function command<K extends CommandId>(id: K, ...args: CommandArgs<K>): Thenable<CommandResult<K>> {
  return vscode.commands.executeCommand<CommandResult<K>>(id, ...args);
}

export async function sweepCommand(command: string, ...args: unknown[]): Promise<SweepSummary> {
  const before = (await labApi()).messages().length;
  const summary = (await vscode.commands.executeCommand(command, ...args)) as SweepSummary | undefined;
  assert.ok(
    summary && Array.isArray(summary.runs),
    `${command} resolved with ${JSON.stringify(summary)?.slice(0, 200)}, not a sweep summary; errors shown: ` +
      `${JSON.stringify(await errorsShown(before))}`,
  );
  return summary;
}

export const QUICK: RunPresetArgs = { preset: 'fig1-cov', quick: true, overrides: { steps: 200, evalEvery: 50 } };
export const QUICK_NAME = 'fig1-cov-quick';

/** Runs the quick preset through the command API once per extension host; every caller gets the same summary. */
export function quickPresetSummary(): Promise<SweepSummary> {
  const g = globalThis as { __precondQuickSweep?: Promise<SweepSummary> };
  g.__precondQuickSweep ??= sweepCommand('precondLab.runPreset', QUICK);
  return g.__precondQuickSweep;
}
