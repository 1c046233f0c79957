// The results store: <root>/<experiment>/{experiment.json, summary.json, runs/<id>/{run.json, metrics.jsonl,
// weights.json}}. run.json files are the source of truth; summary.json is derived from them and can always be
// rebuilt, so a corrupt summary loses nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../shared/config';
import type { FinalMetrics, MetricRecord, ParamsJson } from '../shared/records';
import { guardWrite, readJson, writeJsonAtomic, writeTextAtomic } from './files';
import { listProblems } from '../shared/inputLimits';
import { checkExperimentConfig, checkRecord, checkRunFile, checkSummary, checkWeights } from './storeSchema';
import { checkManifest, checkWithoutManifest, digestOf, type FileDigest } from './integrity';

export const ENGINE_VERSION = '0.1.0';

export type { RunStatus } from '../shared/records';

export type { RunFile, Summary, SummaryRun } from './storeTypes';
import type { RunFile, Summary, SummaryRun } from './storeTypes';

export class ExperimentStore {
  readonly dir: string;
  constructor(
    readonly root: string,
    readonly name: string,
  ) {
    this.dir = path.join(root, name);
  }
  runDir(id: string): string {
    return path.join(this.dir, 'runs', id);
  }
  writeConfig(config: ExperimentConfig): void {
    writeJsonAtomic(path.join(this.dir, 'experiment.json'), config);
  }
  /** The stored config, checked as strictly as a config file; why it cannot be used goes to `problems`. */
  readConfig(problems?: string[]): ExperimentConfig | undefined {
    const file = path.join(this.dir, 'experiment.json');
    const r = readJson<unknown>(file);
    if (!r.ok) return void problems?.push(r.error.replace(file, 'experiment.json'));
    const c = checkExperimentConfig(r.value);
    if (!c.ok) return void problems?.push(...c.problems);
    return c.value;
  }
  /** A run.json, checked (storeSchema.ts); why it cannot be used goes to `problems`, named runs/<id>/run.json. */
  readRun(id: string, problems?: string[]): RunFile | undefined {
    const file = path.join(this.runDir(id), 'run.json');
    const r = readJson<unknown>(file);
    if (!r.ok) return void problems?.push(r.error.replace(file, `runs/${id}/run.json`));
    const c = checkRunFile(r.value, id);
    if (!c.ok)
      return void problems?.push(
        `runs/${id}/run.json: ${listProblems(
          c.problems.map((p) => p.replace(/^run\.json(\.|: )/, '')),
          5,
        ).join('; ')}`,
      );
    return c.value;
  }
  writeRun(run: RunFile): void {
    writeJsonAtomic(path.join(this.runDir(run.id), 'run.json'), run);
  }
  /** Last resort when writeRun fails (a full disk): rewrites run.json in place, which gives the old file's space
   *  back first. Not atomic: a crash in between leaves an unreadable run.json, which reads as not done and is
   *  trained again. Never throws; false when even this failed. */
  writeRunInPlace(run: RunFile): boolean {
    try {
      fs.writeFileSync(path.join(this.runDir(run.id), 'run.json'), JSON.stringify(run) + '\n');
      return true;
    } catch {
      return false;
    }
  }
  /** The run's lock file (lock.ts): held by the process that trains the run, from queued to its final run.json. */
  lockPath(id: string): string {
    return path.join(this.runDir(id), 'run.lock');
  }
  resetMetrics(id: string): void {
    const file = path.join(this.runDir(id), 'metrics.jsonl');
    guardWrite(file, () => {
      fs.mkdirSync(this.runDir(id), { recursive: true });
      fs.writeFileSync(file, '');
    });
  }
  /** Appends records as JSON lines; returns the exact text appended (for the run's manifest). */
  appendMetrics(id: string, records: MetricRecord[]): string {
    const file = path.join(this.runDir(id), 'metrics.jsonl');
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    guardWrite(file, () => fs.appendFileSync(file, text));
    return text;
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
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        continue; // a partial last line after a kill
      }
      // a line that parses but is not a record (edited by hand) is skipped the same way
      const c = checkRecord(raw);
      if (c.ok) out.push(c.value);
    }
    return out;
  }
  /** Writes weights.json; returns the size and checksum of what was written (for the run's manifest). */
  writeWeights(id: string, weights: ParamsJson): FileDigest {
    const text = JSON.stringify(weights, null, 1) + '\n';
    writeTextAtomic(path.join(this.runDir(id), 'weights.json'), text);
    return digestOf(text);
  }
  /** Why a run recorded as done cannot be trusted (naming the file), or undefined when its files check out.
   *  A run.json written before manifests existed is checked as far as its files allow (checkWithoutManifest). */
  damageOf(run: RunFile): string | undefined {
    const dir = this.runDir(run.id);
    return run.manifest ? checkManifest(dir, run.manifest) : checkWithoutManifest(dir, run.kind !== 'ood');
  }
  readWeights(id: string): ParamsJson | undefined {
    const r = readJson<unknown>(path.join(this.runDir(id), 'weights.json'));
    if (!r.ok) return undefined;
    const c = checkWeights(r.value);
    return c.ok ? c.value : undefined;
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
      runs.push(summaryRunOf(r));
    }
    const summary = { experiment: config, runs, updatedAt: new Date().toISOString() };
    writeJsonAtomic(this.summaryPath(), summary);
    return summary;
  }
}

/** Reads a summary, checked (storeSchema.ts), rebuilding it from run.json files when it is missing, corrupt or
 *  wrong-shaped; the warning then says why, and names each run.json left out and what is wrong with it. */
export function loadSummary(dir: string): { summary: Summary; warning?: string } {
  const root = path.dirname(path.resolve(dir));
  const store = new ExperimentStore(root, path.basename(path.resolve(dir)));
  const missing = (file: string): boolean => !fs.existsSync(path.join(store.dir, file));
  // a run folder whose run.json cannot be used is left out of the summary: say which, and why
  const skipped: string[] = [];
  for (const id of store.listRunIds()) store.readRun(id, skipped);
  const skippedLines = listProblems(skipped).map((s) => `skipped ${s}`);
  const r = readJson<unknown>(store.summaryPath());
  const checked = r.ok ? checkSummary(r.value) : undefined;
  if (checked?.ok)
    return { summary: checked.value, ...(skippedLines.length ? { warning: skippedLines.join('\n') } : {}) };
  const why = missing('summary.json')
    ? 'summary.json is missing'
    : checked
      ? checked.ok
        ? ''
        : listProblems(checked.problems, 5).join('; ')
      : (r as { error: string }).error.replace(store.summaryPath(), 'summary.json');
  const configProblems: string[] = [];
  const config = store.readConfig(configProblems);
  if (!config) {
    const cfg = missing('experiment.json') ? 'experiment.json is missing' : listProblems(configProblems, 5).join('; ');
    throw new Error(`${store.dir} is not a readable experiment folder: ${why}, and ${cfg}.`);
  }
  const summary = store.writeSummary(config);
  const lines = [
    `${why}; rebuilt it from ${summary.runs.length} run.json file${summary.runs.length === 1 ? '' : 's'}.`,
    ...skippedLines,
  ];
  return { summary, warning: lines.join('\n') };
}

/** Finds a finished run anywhere under root whose trained weights are determined by `weightsKey`. */
export function findWeights(
  root: string,
  weightsKey: string,
): { from: string; weights: ParamsJson; final: FinalMetrics } | undefined {
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
      if (!run || run.status !== 'done' || run.weightsKey !== weightsKey || store.damageOf(run)) continue;
      const weights = store.readWeights(id);
      if (weights) return { from: `${name}/${id}`, weights, final: run.final };
    }
  }
  return undefined;
}

/** A run's entry in summary.json: what the tables and the tree need of its run.json. */
export function summaryRunOf(r: RunFile): SummaryRun {
  return {
    id: r.id,
    params: r.params,
    status: r.status,
    final: r.final,
    backend: r.backend,
    seconds: r.seconds,
    ...(r.reason ? { reason: r.reason } : {}),
  };
}
