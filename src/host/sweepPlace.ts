// The status bar's words for a running sweep, naming where it trains when that is not this machine:
// "Lab: fig1-cov-quick 3/8 runs on bullmq · 42% · 3 min left". Plain data (no vscode), unit-tested.
import type { SweepPlace } from './labRunner';
import { progressShort, type SweepProgressView } from './sweepProgress';

export function sweepStatusText(v: SweepProgressView, where: SweepPlace | undefined): string {
  if (!where || where.name === 'local') return `Lab: ${v.experiment} ${progressShort(v)}`;
  return `Lab: ${v.experiment} ${v.runsEnded}/${v.runsTotal} runs on ${where.name} · ${progressShort(v)}`;
}

/** The tooltip's line on where the sweep trains. */
export function sweepPlaceLine(where: SweepPlace | undefined): string | undefined {
  return where && `Runs on: ${where.text}`;
}
