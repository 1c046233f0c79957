// What opening a store does before anything trusts it (the run manager's start, `report`, the editor's store
// reader): a run left queued or running by a process that died (a kill -9, a crash, a closed window) is marked
// `interrupted`, and temporaries left by dead writers are removed. A run whose lock has a live holder is left
// alone: another sweep is training it. The summary is derived, so `report` rewrites it from the run.json files.
import * as path from 'node:path';
import { expandRuns } from '../shared/config';
import { cleanTemporaries, StoreWriteError } from './files';
import { describeOwner, pidAlive, readLock, selfOwner, takeLock } from './lock';
import { ExperimentStore, type RunFile } from './store';

const orphanable = (r: RunFile | undefined): r is RunFile => r?.status === 'queued' || r?.status === 'running';

/** Marks `run` interrupted when no live process holds its lock; returns the run as the store now has it. */
export function interruptIfOrphaned(store: ExperimentStore, run: RunFile): RunFile {
  if (!orphanable(run)) return run;
  const file = store.lockPath(run.id);
  const seen = readLock(file);
  const taken = takeLock(file, selfOwner('store recovery'));
  if (!taken.ok) return run; // a live owner: not ours to judge
  try {
    const now = store.readRun(run.id);
    if (!orphanable(now)) return now ?? run;
    const was =
      seen && seen !== 'unreadable' ? `its owner ${describeOwner(seen)} ended` : 'the process that owned it ended';
    const marked: RunFile = {
      ...now,
      status: 'interrupted',
      reason: `${was} while the run was ${now.status}; run the sweep again to finish it`,
    };
    store.writeRun(marked);
    return marked;
  } finally {
    taken.lock.release();
  }
}

export interface Recovery {
  interrupted: string[];
  temporaries: number;
}

/** Opens an experiment's store: removes dead writers' temporaries and marks orphaned runs interrupted. */
export function recoverExperiment(store: ExperimentStore): Recovery {
  const ids = store.listRunIds();
  const temporaries = cleanTemporaries(
    [store.dir, path.join(store.dir, 'runs'), ...ids.map((id) => store.runDir(id))],
    pidAlive,
  );
  const interrupted: string[] = [];
  for (const id of ids) {
    const run = store.readRun(id);
    if (orphanable(run) && interruptIfOrphaned(store, run).status === 'interrupted') interrupted.push(id);
  }
  return { interrupted, temporaries };
}

/** For `report`: recover the experiment in `dir` and rewrite its summary.json from the run.json files, so a
 *  summary left stale by a killed sweep is never trusted. Returns warnings; never throws (a read-only store
 *  is reported, and report then reads what is there). */
export function refreshExperiment(dir: string): string[] {
  const abs = path.resolve(dir);
  const store = new ExperimentStore(path.dirname(abs), path.basename(abs));
  const warnings: string[] = [];
  try {
    const r = recoverExperiment(store);
    if (r.interrupted.length)
      warnings.push(
        `${r.interrupted.length} run${r.interrupted.length > 1 ? 's' : ''} left queued or running by a process ` +
          `that ended, now marked interrupted: ${r.interrupted.join(', ')}`,
      );
    const config = store.readConfig();
    if (!config) return warnings;
    let ids: string[];
    try {
      ids = expandRuns(config).map((s) => s.id);
    } catch {
      ids = store.listRunIds();
    }
    store.writeSummary(config, ids);
  } catch (e) {
    if (!(e instanceof StoreWriteError)) throw e;
    warnings.push(`the store could not be updated (${e.message}); summary.json may be out of date`);
  }
  return warnings;
}
