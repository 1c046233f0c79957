// The results store: <root>/<experiment>/{experiment.json, summary.json, runs/<id>/{run.json, metrics.jsonl,
// weights.json}}. run.json files are the source of truth; summary.json is derived from them and can always be
// rebuilt, so a corrupt summary loses nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig, RunParams } from '../shared/config';
import type { FinalMetrics, MetricRecord } from '../lab/experiments/records';
import type { StaticSpectra } from '../lab/spectra';
import type { ParamsJson } from '../lab/model';
import { readJson, writeJsonAtomic } from './files';

export const ENGINE_VERSION = '0.1.0';

export type RunStatus = 'queued' | 'running' | 'done' | 'failed' | 'diverged' | 'cancelled';
export const FINAL_STATUSES: readonly RunStatus[] = ['done', 'failed', 'diverged', 'cancelled'];

export interface RunFile {
  id: string;
  experiment: string;
  kind: ExperimentConfig['kind'];
  params: RunParams;
  settings: ExperimentConfig['settings'];
  /** identifies the full run (skip on resume); weightsKey identifies what determines the trained weights */
  key: string;
  weightsKey: string;
  status: RunStatus;
  reason?: string;
  engineVersion: string;
  backend?: string;
  kernel?: string;
  startedAt?: string;
  finishedAt?: string;
  seconds?: number;
  final: FinalMetrics;
  spectra?: StaticSpectra;
  reusedTask1?: string;
}

export interface SummaryRun {
  id: string;
  params: RunParams;
  status: RunStatus;
  final: FinalMetrics;
  backend?: string;
  seconds?: number;
  reason?: string;
}

export interface Summary {
  experiment: ExperimentConfig;
  runs: SummaryRun[];
  updatedAt: string;
}

export class ExperimentStore {
  readonly dir: string;
  constructor(readonly root: string, readonly name: string) {
    this.dir = path.join(root, name);
  }
  runDir(id: string): string {
    return path.join(this.dir, 'runs', id);
  }
  writeConfig(config: ExperimentConfig): void {
    writeJsonAtomic(path.join(this.dir, 'experiment.json'), config);
  }
  readConfig(): ExperimentConfig | undefined {
    const r = readJson<ExperimentConfig>(path.join(this.dir, 'experiment.json'));
    return r.ok ? r.value : undefined;
  }
  readRun(id: string): RunFile | undefined {
    const r = readJson<RunFile>(path.join(this.runDir(id), 'run.json'));
    return r.ok ? r.value : undefined;
  }
  writeRun(run: RunFile): void {
    writeJsonAtomic(path.join(this.runDir(run.id), 'run.json'), run);
  }
  resetMetrics(id: string): void {
    fs.mkdirSync(this.runDir(id), { recursive: true });
    fs.writeFileSync(path.join(this.runDir(id), 'metrics.jsonl'), '');
  }
  appendMetrics(id: string, records: MetricRecord[]): void {
    fs.appendFileSync(path.join(this.runDir(id), 'metrics.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  /** Records of a run; a line cut short by a crash is skipped, not fatal. */
  readMetrics(id: string): MetricRecord[] {
    let text = '';
    try {
      text = fs.readFileSync(path.join(this.runDir(id), 'metrics.jsonl'), 'utf8');
    } catch {
      return [];
    }
    const out: MetricRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as MetricRecord);
      } catch {
        /* a partial last line after a kill */
      }
    }
    return out;
  }
  writeWeights(id: string, weights: ParamsJson): void {
    writeJsonAtomic(path.join(this.runDir(id), 'weights.json'), weights);
  }
  readWeights(id: string): ParamsJson | undefined {
    const r = readJson<ParamsJson>(path.join(this.runDir(id), 'weights.json'));
    return r.ok ? r.value : undefined;
  }
  listRunIds(): string[] {
    try {
      return fs.readdirSync(path.join(this.dir, 'runs')).sort();
    } catch {
      return [];
    }
  }
  summaryPath(): string {
    return path.join(this.dir, 'summary.json');
  }
  /** Rebuilds summary.json from run.json files, in the order of `ids` (default: all runs on disk). */
  writeSummary(config: ExperimentConfig, ids: string[] = this.listRunIds()): Summary {
    const runs: SummaryRun[] = [];
    for (const id of ids) {
      const r = this.readRun(id);
      if (!r) continue;
      runs.push({ id, params: r.params, status: r.status, final: r.final, backend: r.backend, seconds: r.seconds, ...(r.reason ? { reason: r.reason } : {}) });
    }
    const summary = { experiment: config, runs, updatedAt: new Date().toISOString() };
    writeJsonAtomic(this.summaryPath(), summary);
    return summary;
  }
}

/** Reads a summary, rebuilding it from run.json files when it is missing or corrupt. */
export function loadSummary(dir: string): { summary: Summary; warning?: string } {
  const root = path.dirname(path.resolve(dir));
  const store = new ExperimentStore(root, path.basename(path.resolve(dir)));
  const r = readJson<Summary>(store.summaryPath());
  if (r.ok && r.value && Array.isArray(r.value.runs)) return { summary: r.value };
  const config = store.readConfig();
  if (!config) {
    throw new Error(`${dir} does not look like an experiment folder: ${r.ok ? 'summary.json has no runs' : r.error}, and experiment.json is missing or corrupt.`);
  }
  const summary = store.writeSummary(config);
  return { summary, warning: `${r.ok ? 'summary.json had no runs' : r.error}; rebuilt it from ${summary.runs.length} run.json files.` };
}

/** Finds a finished run anywhere under root whose trained weights are determined by `weightsKey`. */
export function findWeights(root: string, weightsKey: string): { from: string; weights: ParamsJson; final: FinalMetrics } | undefined {
  let experiments: string[] = [];
  try {
    experiments = fs.readdirSync(root);
  } catch {
    return undefined;
  }
  for (const name of experiments) {
    const store = new ExperimentStore(root, name);
    for (const id of store.listRunIds()) {
      const run = store.readRun(id);
      if (!run || run.status !== 'done' || run.weightsKey !== weightsKey) continue;
      const weights = store.readWeights(id);
      if (weights) return { from: `${name}/${id}`, weights, final: run.final };
    }
  }
  return undefined;
}
