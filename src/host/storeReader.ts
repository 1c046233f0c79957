// Reads the results store for the tree and the commands: every experiment folder under the root with its config
// and the run.json of each run. run.json files are the source of truth (summary.json lags behind a live sweep),
// and an unreadable file is reported, never fatal, so one bad folder does not hide the others.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../shared/config';
import { ExperimentStore, type RunFile } from '../sweep/store';
import { interruptIfOrphaned } from '../sweep/recovery';
import type { LateWindow } from '../shared/charts/lateWindow';
import { metricsSource, type LateBands } from './lateBands';
import type { Annotations } from '../shared/annotations';
import { readAnnotations } from '../sweep/annotations';

export interface StoredExperiment {
  name: string;
  dir: string;
  config?: ExperimentConfig;
  runs: RunFile[];
  /** what could not be read, for the tooltip and the output channel */
  warnings: string[];
  /** run id -> the late window of its records, for the runs whose records have been read (lateBands.ts) */
  late: Map<string, LateWindow>;
  /** tags and notes (annotations.json); absent when there are none or the file is damaged (then a warning) */
  annotations?: Annotations;
}

const isDir = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** True when `dir` holds an experiment written by the engine (experiment.json or a runs folder). */
export function isExperimentDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'experiment.json')) || isDir(path.join(dir, 'runs'));
}

/**
 * The tree rebuilds several times a second while sweeps run, and each rebuild reads the whole store: run.json files
 * are read and checked again only when they changed (size or modification time; the engine replaces them by
 * rename), so a rebuild costs a stat per run instead of a read and parse.
 */
const runCache = new Map<string, { mtimeMs: number; size: number; run: RunFile | undefined }>();
const RUN_CACHE_MAX = 50_000;

function readRunCached(store: ExperimentStore, id: string): RunFile | undefined {
  const file = path.join(store.runDir(id), 'run.json');
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    runCache.delete(file);
    return undefined;
  }
  const hit = runCache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.run;
  const run = store.readRun(id);
  if (runCache.size >= RUN_CACHE_MAX) runCache.clear();
  runCache.set(file, { mtimeMs: st.mtimeMs, size: st.size, run });
  return run;
}

function readExperiment(dir: string, bands?: LateBands): StoredExperiment {
  const abs = path.resolve(dir);
  const store = new ExperimentStore(path.dirname(abs), path.basename(abs));
  const warnings: string[] = [];
  const config = store.readConfig();
  if (!config && fs.existsSync(path.join(abs, 'experiment.json'))) warnings.push('experiment.json cannot be read');
  const runs: RunFile[] = [];
  for (const id of store.listRunIds()) {
    const run = readRunCached(store, id);
    // a run left queued or running by a process that died is recorded as interrupted (a live owner's lock keeps it)
    if (run && run.params && typeof run.status === 'string') runs.push(orphanCheck(store, run, warnings));
    // A run folder without a readable run.json is a run that was being created when the process died.
    else warnings.push(`runs/${id}/run.json is missing or unreadable`);
  }
  const late = new Map<string, LateWindow>();
  if (bands)
    for (const r of runs) {
      if (r.status !== 'done' && r.status !== 'cancelled') continue;
      const band = bands.get(metricsSource(path.dirname(abs), store.runDir(r.id), r), r.kind ?? config?.kind);
      if (band) late.set(r.id, band);
    }
  const notes = readAnnotations(abs);
  if (!notes.ok) warnings.push(`tags and notes: ${notes.error}`);
  const annotations = notes.ok && !notes.missing ? notes.value : undefined;
  return { name: path.basename(abs), dir: abs, config, runs, warnings, late, ...(annotations ? { annotations } : {}) };
}

function orphanCheck(store: ExperimentStore, run: RunFile, warnings: string[]): RunFile {
  if (run.status !== 'queued' && run.status !== 'running') return run;
  try {
    return interruptIfOrphaned(store, run);
  } catch (e) {
    warnings.push(`runs/${run.id}: could not record it as interrupted (${(e as Error).message})`);
    return run;
  }
}

/**
 * Every experiment under `root`, sorted by name; an absent root is an empty store. With `bands`, each finished run's
 * late window once it has been read (asynchronously: never on this call).
 */
export function readStore(root: string, bands?: LateBands): StoredExperiment[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  return names
    .map((n) => path.join(root, n))
    .filter((d) => isDir(d) && isExperimentDir(d))
    .map((d) => readExperiment(d, bands))
    .sort((a, b) => a.name.localeCompare(b.name));
}
