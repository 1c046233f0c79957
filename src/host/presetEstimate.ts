// The time estimate before a sweep starts, in the editor: the preset pick shows "about N min on this machine" for
// each preset, a full preset started from the pick asks for a confirmation with it, and every sweep's first log
// line carries it. The numbers come from timeEstimate.ts over this machine's measured samples: the results store's
// experiments and the global storage's speed.json (which this module keeps adding the store's samples to).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentConfig } from '../shared/config';
import { runKey } from '../sweep/keys';
import { readStore, type StoredExperiment } from './storeReader';
import { SpeedBook, estimateSweep, estimateText, samplesOf, type Estimate, type SpeedSample } from './timeEstimate';
import { plainText } from './notifyText';

/** 'slurm' when the experiment has a Slurm submission record, else 'local' (BullMQ leaves no mark in the store). */
const executorOf = (e: StoredExperiment): string => (fs.existsSync(path.join(e.dir, 'slurm')) ? 'slurm' : 'local');

export class SweepEstimator {
  private readonly book: SpeedBook | undefined;

  constructor(
    private readonly resultsRoot: () => string,
    globalStorage: string | undefined,
  ) {
    this.book = globalStorage ? new SpeedBook(path.join(globalStorage, 'speed.json')) : undefined;
  }

  /** The store's samples, added to the global book, with the book's. */
  samples(): { samples: SpeedSample[]; store: StoredExperiment[] } {
    const store = readStore(this.resultsRoot());
    const fromStore = store.flatMap((e) => samplesOf(e.name, e.runs, executorOf(e)));
    try {
      this.book?.add(fromStore);
    } catch {
      // an unwritable storage folder loses only the book: the store's samples still count
    }
    return { samples: [...(this.book?.read() ?? []), ...fromStore], store };
  }

  /** Runs of `config` already done in the store with the same key: the sweep skips them. */
  private static done(config: ExperimentConfig, store: StoredExperiment[]): Set<string> {
    const e = store.find((x) => x.name === config.name);
    return new Set(
      (e?.runs ?? []).filter((r) => r.status === 'done' && r.key === runKey(config, r.params)).map((r) => r.id),
    );
  }

  estimate(
    config: ExperimentConfig,
    executor = 'local',
    cached?: ReturnType<SweepEstimator['samples']>,
  ): Estimate | undefined {
    const { samples, store } = cached ?? this.samples();
    return estimateSweep(config, samples, { executor, done: SweepEstimator.done(config, store) });
  }

  /** "6 runs, about 40 s on this machine (measured on this machine from 3 sweeps of noise/exact-cov runs)" */
  line(config: ExperimentConfig, executor = 'local', cached?: ReturnType<SweepEstimator['samples']>): string {
    const e = this.estimate(config, executor, cached);
    const runs = e?.runs;
    return `${runs === undefined ? '' : `${runs} run${runs === 1 ? '' : 's'} to train, `}${estimateText(e, executor)}${e?.runs ? ` (${e.basis})` : ''}`;
  }

  /** For the preset pick: each preset's estimate from one read of the samples. */
  describe(executor = 'local'): (config: ExperimentConfig) => string {
    const cached = this.samples();
    return (config) => estimateText(this.estimate(config, executor, cached), executor);
  }

  /** Asks before a long sweep starts; true to start. */
  async confirm(config: ExperimentConfig, executor = 'local'): Promise<boolean> {
    const e = this.estimate(config, executor);
    const text = `${config.name}: ${this.line(config, executor)}. Start it?`;
    const detail = e
      ? 'Finished runs are kept if you cancel; starting it again resumes.'
      : 'Run a quick preset first to measure this machine; finished runs are kept if you cancel.';
    const ok = await vscode.window.showInformationMessage(plainText(text), { modal: true, detail }, 'Start');
    return ok === 'Start';
  }
}
