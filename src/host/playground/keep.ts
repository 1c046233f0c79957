// "Keep": a finished playground run becomes a normal run in the results store, with its config, so the tree lists
// it and it compares and exports like any other. It goes through the run manager (locks, queued -> running -> done,
// the manifest, summary.json) with an executor that hands the run manager the messages the warm runner already
// sent (started, records, outcome), exactly as a runner child would: nothing is trained again and nothing is
// written around the store's API. Runs kept at other p with the same settings share one experiment (its grid's p
// is the union), so they sit side by side in the tree and draw one Figure 1 curve. No vscode here.
import { createHash } from 'node:crypto';
import { ExperimentStore } from '../../sweep/store';
import { RunManager } from '../../sweep/runManager';
import type { ExecutionContext, Executor, PlannedJob } from '../../sweep/executors/types';
import { expandRuns, validateConfig, type RegressionConfig } from '../../shared/config';
import { stableJson, type PlaygroundResult } from '../../shared/playground/model';
import { trainingOf } from '../../shared/playground/controls';

/** Replays one finished playground run into the sink of the job the run manager planned for it. */
export class ReplayExecutor implements Executor {
  readonly name = 'local';
  constructor(private readonly result: PlaygroundResult) {}
  describe(): string {
    return 'the playground (a finished run, stored as it was trained)';
  }
  async execute(jobs: PlannedJob[], ctx: ExecutionContext): Promise<void> {
    const r = this.result;
    for (const job of jobs) {
      const sink = ctx.open(job);
      if (!sink.start()) continue;
      sink.message({ type: 'started', backend: r.backend, kernel: r.kernel, note: 'kept from the playground' });
      for (const run of job.job.runs) {
        if (run.p !== trainingOf(r.controls).p) continue; // planned for another p: left to end() (never happens)
        sink.message({ type: 'records', runId: run.id, records: r.records });
        sink.message({ type: 'outcome', outcome: { ...r.outcome, id: run.id }, seconds: r.seconds });
      }
      sink.end('the playground had no result for this run');
      ctx.jobEnded();
    }
  }
  cancel(): void {}
  abandon(): void {}
}

export interface Kept {
  experiment: string;
  runId: string;
  /** false when the store already held this run, done with the same key */
  written: boolean;
  text: string;
}

/** The experiment a kept run goes to: one per setting of everything but p. */
export function keptExperimentName(r: PlaygroundResult): string {
  const t = trainingOf(r.controls);
  const { p: _p, ...rest } = t;
  const hash = createHash('sha256').update(stableJson(rest)).digest('hex').slice(0, 8);
  const c = r.controls;
  return `playground-${c.spectrum}-${c.preconditioner}-snr${c.snr}-seed${c.seed}-${hash}`.replace(/[^\w.-]/g, '_');
}

/** "Case High", or "custom spectrum [10, 0.1, ...] with the teacher on direction 2" (at most 8 values named). */
function keptCaseText(r: PlaygroundResult): string {
  const c = r.controls;
  if (c.spectrum !== 'custom') return `Case ${c.spectrum === 'high' ? 'High' : 'Low'}`;
  const shown = c.eigenvalues.slice(0, 8).join(', ') + (c.eigenvalues.length > 8 ? ', ...' : '');
  return `custom spectrum [${shown}] (dx ${c.eigenvalues.length}) with the teacher on direction ${c.teacher}`;
}

export async function keepResult(r: PlaygroundResult, root: string, runnerPath: string): Promise<Kept> {
  if (r.outcome.status === 'cancelled') throw new Error('This run was cancelled; only a finished run can be kept.');
  const t = trainingOf(r.controls);
  const name = keptExperimentName(r);
  const store = new ExperimentStore(root, name);
  const old = store.readConfig();
  const ps = new Set<number>([t.p]);
  if (old && old.kind === 'noise') old.grid.p.forEach((p) => ps.add(p));
  const config = validateConfig({
    version: 1,
    name,
    kind: 'noise',
    description:
      `Runs kept from the Playground: ${keptCaseText(r)}, ` +
      `${r.controls.preconditioner === 'gd' ? 'plain GD (P = I)' : r.controls.preconditioner}, SNR ${r.controls.snr}, seed ${r.controls.seed}.`,
    grid: { case: [t.common.case], p: [...ps].sort((a, b) => a - b), snr: [t.common.snr], seed: [t.common.seed] },
    settings: t.settings,
  }) as RegressionConfig;
  const spec = expandRuns(config).find((s) => s.params.p === t.p);
  if (!spec) throw new Error(`no run of p = ${t.p} in the kept experiment's grid`);
  const manager = new RunManager({
    runnerPath,
    executor: new ReplayExecutor(r),
    only: [spec.id],
    owner: 'VS Code (playground)',
  });
  let written = false;
  let locked: string | undefined;
  manager.on('state', (id, s, detail) => {
    if (id !== spec.id) return;
    if (s === 'done' || s === 'diverged') written = true;
    if (s === 'locked') locked = detail;
  });
  const summary = await manager.runSweep(config, root);
  if (locked) throw new Error(`Run ${name}/${spec.id} is being trained by another sweep (${locked}); try again later.`);
  const stored = summary.runs.find((x) => x.id === spec.id);
  if (!stored || (stored.status !== 'done' && stored.status !== 'diverged'))
    throw new Error(`Run ${name}/${spec.id} was not stored (${stored?.status ?? 'missing'}).`);
  return {
    experiment: name,
    runId: spec.id,
    written,
    text: written
      ? `Kept as ${name} / ${spec.id} in the results store.`
      : `${name} / ${spec.id} was already in the results store (same settings, done).`,
  };
}
