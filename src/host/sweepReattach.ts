// Reattaching on activation: a window that closed or reloaded while a sweep of its trained on BullMQ workers leaves
// the jobs on the queue (the workers carry on) and the experiment's submission record in the store
// (<experiment>/bullmq/submission.json, removed once a sweep has stored everything). On activation, each experiment
// of the results folder with such a record whose jobs Redis still holds is run again on the bullmq executor, which
// reattaches to those jobs instead of submitting them again (bullmqExecutor.ts) and streams their states and
// records into the store, the tree and the panels as a live sweep. Nothing starts in Restricted Mode, without a
// Redis URL set up, or when every recorded job is gone (the runs stay as the store recovery left them).
// Slurm likewise: an experiment with a submission record (<experiment>/slurm/*.submission.json) whose array squeue
// still lists is run again on the slurm executor of the settings, which reattaches to the array (runManager's
// attachRuns, slurm.ts's resume); nothing starts when no such array is live.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bullSubmissionPath, liveBullJobs, readBullSubmission } from '../sweep/executors/bullmqExecutor';
import { ExperimentStore } from '../sweep/store';
import type { Executor } from '../sweep/executors/types';
import type { LabRunner, SweepHandle } from './labRunner';

export interface ReattachDeps {
  root: string;
  lab: LabRunner;
  /** the Redis URL with its password (undefined: bullmq is not set up) */
  redisUrl: () => Promise<string | undefined>;
  /** the bullmq executor as the settings make it */
  makeBullmq: () => Promise<Executor | undefined>;
  /** the slurm executor as the settings make it; undefined: slurm is not set up */
  makeSlurm?: () => Promise<Executor | undefined>;
  /** the settings' queue name */
  queue: () => string;
  trusted: () => boolean;
  log: (line: string) => void;
}

/** Experiments of the store with a bullmq submission record (candidates to reattach to). */
export function experimentsWithSubmission(root: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  return names.filter((n) => fs.existsSync(bullSubmissionPath(path.join(root, n)))).sort();
}

/** Experiments of the store with a Slurm submission record. */
export function experimentsWithSlurmSubmission(root: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      try {
        return fs.readdirSync(path.join(root, n, 'slurm')).some((f) => f.endsWith('.submission.json'));
      } catch {
        return false;
      }
    })
    .sort();
}

/** Starts a reattaching sweep for each experiment whose Slurm array or BullMQ jobs are still live; returns them. */
export async function reattachSweeps(deps: ReattachDeps): Promise<SweepHandle[]> {
  if (!deps.trusted()) return [];
  const slurm = await reattachSlurm(deps);
  const candidates = experimentsWithSubmission(deps.root);
  if (!candidates.length) return slurm;
  let url: string | undefined;
  try {
    url = await deps.redisUrl();
  } catch (e) {
    deps.log(`sweeps left on BullMQ by an earlier window not checked: ${(e as Error).message}`);
    return slurm;
  }
  if (!url) {
    deps.log(
      `${candidates.join(', ')}: submitted to BullMQ by an earlier window, but no Redis URL is set up ` +
        '(precondLab.bullmq.redisUrl): not reattached',
    );
    return slurm;
  }
  const started: SweepHandle[] = [...slurm];
  for (const name of candidates) {
    const store = new ExperimentStore(deps.root, name);
    const record = readBullSubmission(store.dir);
    if (!record) continue;
    if (record.queue !== deps.queue()) {
      deps.log(`${name}: its jobs are on queue "${record.queue}", not the setting's "${deps.queue()}": not reattached`);
      continue;
    }
    let live: string[];
    try {
      live = await liveBullJobs(url, store.dir);
    } catch (e) {
      deps.log(`${name}: ${(e as Error).message}; not reattached (run the sweep again to reattach later)`);
      continue;
    }
    if (!live.length) continue;
    const problems: string[] = [];
    const config = store.readConfig(problems);
    if (!config) {
      deps.log(`${name}: its config cannot be read (${problems.join('; ')}): not reattached`);
      continue;
    }
    const executor = await deps.makeBullmq().catch((e: unknown) => {
      deps.log(`${name}: ${(e as Error).message}`);
      return undefined;
    });
    if (!executor) continue;
    deps.log(`${name}: ${live.length} job${live.length > 1 ? 's' : ''} still on BullMQ (${record.redis}); reattaching`);
    const handle = deps.lab.enqueue({ config, root: deps.root, executor });
    handle.done.catch(() => undefined);
    started.push(handle);
  }
  return started;
}

async function reattachSlurm(deps: ReattachDeps): Promise<SweepHandle[]> {
  const started: SweepHandle[] = [];
  const names = experimentsWithSlurmSubmission(deps.root);
  if (!names.length || !deps.makeSlurm) return started;
  for (const name of names) {
    const store = new ExperimentStore(deps.root, name);
    let executor: Executor | undefined;
    try {
      executor = await deps.makeSlurm();
      if (!executor?.liveSubmission) return started;
      const live = await executor.liveSubmission(store.dir);
      if (!live) continue;
      const problems: string[] = [];
      const config = store.readConfig(problems);
      if (!config) {
        deps.log(`${name}: its config cannot be read (${problems.join('; ')}): not reattached`);
        continue;
      }
      deps.log(`${name}: ${live.job.replace('slurm:', 'Slurm job array ')} still in squeue; reattaching`);
      const handle = deps.lab.enqueue({ config, root: deps.root, executor });
      handle.done.catch(() => undefined);
      started.push(handle);
    } catch (e) {
      deps.log(`${name}: Slurm not checked (${(e as Error).message}); not reattached`);
    }
  }
  return started;
}
