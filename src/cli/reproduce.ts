// `precond-lab reproduce`: runs every figure's preset under the chosen settings (resuming what the store already
// holds), with one progress line across the whole reproduction and an estimate of the time left, then writes the
// reproduction report (HTML with the figures inline, and a Markdown twin) into the store (src/sweep/reproduction.ts).
import * as path from 'node:path';
import { countRuns, type ExperimentConfig } from '../shared/config';
import { REFERENCE, parseReference, type ReferenceSeries } from '../shared/reproduce/reference';
import { reproductionPlan, settingsOf, type ReportModel } from '../shared/reproduce/report';
import { MAX_CONFIG_BYTES } from '../shared/inputLimits';
import { RunManager, defaultWorkers } from '../sweep/runManager';
import { writeReproductionReport } from '../sweep/reproduction';
import type { BackendChoice } from '../shared/protocol';
import { readInputFile } from './readInput';

export interface ReproduceOptions {
  outRoot: string;
  quick: boolean;
  setting: string;
  workers?: number;
  backend: BackendChoice;
  runnerPath: string;
  /** write the report from the store as it is, training nothing */
  reportOnly: boolean;
  /** also write the Markdown report here (docs/reproduction.md) */
  markdownCopy?: string;
  referenceFile?: string;
  /** test-only: the OOD experiments train this many steps (capTestSteps) */
  testSteps?: number;
  err?: NodeJS.WriteStream;
}

/**
 * Relative cost of one training step of a run, measured on the quick and full presets on 2 cores: an exact-covariance
 * step is the unit, an AdaHessian step (a Hessian-vector product) about 50, an MNIST step of Figure 2 about 3000; a
 * test-MSE record (9800 samples through the network) about 60 units, so evalEvery 1 dominates Figure 1a-b.
 */
function stepCost(config: ExperimentConfig): number {
  if (config.kind === 'ood') return 3000;
  return (config.settings.preconditioner === 'adahessian' ? 50 : 1) + 60 / config.settings.evalEvery;
}

function runSteps(config: ExperimentConfig): number {
  return config.settings.steps;
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export async function reproduce(o: ReproduceOptions): Promise<{ code: number; model: ReportModel }> {
  const err = o.err ?? process.stderr;
  const settings = settingsOf(o.setting);
  let reference: ReferenceSeries[] = [...REFERENCE];
  if (o.referenceFile) {
    const text = readInputFile(o.referenceFile, MAX_CONFIG_BYTES, '--reference');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`--reference ${o.referenceFile}: not valid JSON: ${(e as Error).message}`);
    }
    reference = [...reference, ...parseReference(raw, `--reference ${o.referenceFile}`)];
  }
  const plan = reproductionPlan(settings, o.quick, o.testSteps);
  // a preset whose settings coincide (no departure) is one experiment: run it once
  const unique = plan.filter((p, i) => plan.findIndex((q) => q.config.name === p.config.name) === i);
  const warn = (t: string): void => void err.write(`warning: ${t}\n`);
  let code = 0;
  let cancelled = false;
  if (!o.reportOnly) {
    const workers = o.workers ?? defaultWorkers();
    const work = unique.map((p) => countRuns(p.config.kind, p.config.grid) * runSteps(p.config) * stepCost(p.config));
    const total = work.reduce((a, b) => a + b, 0);
    const totalRuns = unique.reduce((a, p) => a + countRuns(p.config.kind, p.config.grid), 0);
    err.write(
      `reproduce: ${unique.length} experiments, ${totalRuns} runs (${settings.join(' and ')}${o.quick ? ', quick' : ''}), ` +
        `${workers} worker${workers > 1 ? 's' : ''}, results in ${o.outRoot}\n`,
    );
    const started = Date.now();
    /** work already in the store when this command started: not counted in the rate */
    let doneWork = 0;
    let trainedWork = 0;
    let runsFinished = 0;
    let skipped = 0;
    let current: RunManager | undefined;
    const onSignal = (): void => {
      if (cancelled) process.exit(130);
      cancelled = true;
      err.write(
        '\ncancelling: finished runs are kept; rerun the same command to resume. Ctrl-C again to quit at once\n',
      );
      current?.cancel();
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    signals.forEach((s) => process.on(s, onSignal));
    try {
      for (let i = 0; i < unique.length && !cancelled; i++) {
        const item = unique[i];
        const perRun = runSteps(item.config) * stepCost(item.config);
        const manager = new RunManager({
          runnerPath: o.runnerPath,
          workers,
          backend: o.backend,
          owner: 'precond-lab reproduce',
        });
        current = manager;
        const live = new Map<string, number>();
        let lastLine = 0;
        const line = (force = false): void => {
          const now = Date.now();
          if (!force && now - lastLine < 10_000) return;
          lastLine = now;
          let partial = 0;
          for (const f of live.values()) partial += f * perRun;
          const doneNow = doneWork + partial;
          const elapsed = (now - started) / 1000;
          const rate = trainedWork + partial > 0 ? (trainedWork + partial) / elapsed : 0;
          const left = rate > 0 ? (total - doneNow) / rate : Infinity;
          err.write(
            `[${((100 * doneNow) / total).toFixed(1).padStart(5)}%] ${item.config.figure ?? item.config.name} ` +
              `(${item.setting}): ${runsFinished}/${totalRuns} runs, ${fmtDuration(elapsed)} elapsed, ` +
              `about ${fmtDuration(left)} left\n`,
          );
        };
        manager.on('progress', (id, s, n) => {
          live.set(id, n ? s / n : 0);
          line();
        });
        manager.on('state', (id, status, detail) => {
          if (status === 'running' || status === 'queued' || status === 'damaged') return;
          live.delete(id);
          runsFinished++;
          doneWork += perRun;
          if (status !== 'skipped' && status !== 'locked') trainedWork += perRun;
          if (status === 'skipped') skipped++;
          if (status !== 'skipped' && status !== 'done')
            err.write(`${status} ${item.config.name}/${id}${detail ? ` (${detail})` : ''}\n`);
          line(status !== 'skipped');
        });
        const summary = await manager.runSweep(item.config, o.outRoot);
        if (manager.isCancelled) cancelled = true;
        const held = new Set(manager.held.map((h) => h.id));
        if (!summary.runs.every((r) => r.status === 'done' || r.status === 'diverged' || held.has(r.id))) code = 1;
      }
    } finally {
      signals.forEach((s) => process.off(s, onSignal));
    }
    err.write(
      `reproduce: ${cancelled ? 'cancelled' : 'finished'} after ${fmtDuration((Date.now() - started) / 1000)}: ` +
        `${runsFinished - skipped} runs trained, ${skipped} already done\n`,
    );
    if (cancelled) code = 130;
  }
  const { model, dir } = writeReproductionReport(
    o.outRoot,
    { settings, quick: o.quick, reference, markdownCopy: o.markdownCopy, testSteps: o.testSteps },
    warn,
  );
  err.write(`report: ${path.join(dir, 'report.html')} (and report.md, verdicts.json)\n`);
  return { code, model };
}
