// The extension's settings, read fresh each time they are needed so a change applies to the next sweep.
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BACKEND_CHOICES as BACKENDS, type BackendChoice } from '../shared/protocol';
import { DEFAULT_MAX_RUNS, MAX_RUNS_CEILING } from '../shared/inputLimits';
import { executorSettingsOf, type ExecutorSettings } from './executorSettings';

export interface LabSettings {
  /** absolute folder holding one folder per experiment */
  resultsRoot: string;
  maxParallelRuns: number;
  backend: BackendChoice;
  /** 0 = keep each config's own evaluation interval */
  evalEvery: number;
  /** runs one sweep may have (precondLab.maxRuns; the engine's default when unset or out of range) */
  maxRuns: number;
  /** where sweeps train (precondLab.executor) and the executors' own settings (precondLab.slurm.*, .bullmq.*) */
  executors: ExecutorSettings;
}

export function readSettings(fallbackRoot: string): LabSettings {
  // resultsFolder is resource-scoped: read with the folder it applies to (no "resource scoped configuration without a
  // resource" warning, and a folder-level setting in a multi-root workspace is honoured)
  const first = vscode.workspace.workspaceFolders?.[0];
  const c = vscode.workspace.getConfiguration('precondLab', first?.uri ?? null);
  const folder = c.get<string>('resultsFolder', '.precond-lab') || '.precond-lab';
  // Relative to the first workspace folder; with no folder open, the extension's own storage keeps results.
  const base = first?.uri.fsPath ?? fallbackRoot;
  const resultsRoot = path.isAbsolute(folder) ? folder : path.join(base, folder);
  const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const wanted = c.get<number>('maxParallelRuns', 0);
  const maxParallelRuns = Number.isInteger(wanted) && wanted > 0 ? wanted : cores;
  const b = c.get<string>('backend', 'auto') as BackendChoice;
  const evalEvery = c.get<number>('evalEvery', 0);
  const maxRuns = c.get<number>('maxRuns', DEFAULT_MAX_RUNS);
  return {
    resultsRoot,
    maxParallelRuns,
    backend: BACKENDS.includes(b) ? b : 'auto',
    evalEvery: Number.isInteger(evalEvery) && evalEvery > 0 ? evalEvery : 0,
    maxRuns: Number.isInteger(maxRuns) && maxRuns >= 1 && maxRuns <= MAX_RUNS_CEILING ? maxRuns : DEFAULT_MAX_RUNS,
    executors: executorSettingsOf((key) => c.get(key)),
  };
}
