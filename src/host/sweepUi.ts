// Starts a sweep in the host's run manager and shows it: a progress notification with cancel, a warning when a
// run fails (the sweep goes on), and a closing message with the outcome. Resolves with the sweep's summary and
// never waits for the user, so commands invoked by tests finish without UI.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Summary } from '../sweep/store';
import type { LabRunner, SweepRequest } from './labRunner';
import type { Reporter } from './reporter';
import { openResults } from './openResults';
import { progressText, sweepProgress } from './sweepProgress';

export interface SweepUiDeps {
  lab: LabRunner;
  reporter: Reporter;
}

function outcome(summary: Summary): string {
  const counts = new Map<string, number>();
  for (const r of summary.runs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${n} ${s}`).join(', ') || 'no runs';
}

export function startSweep({ lab, reporter }: SweepUiDeps, req: SweepRequest): Promise<Summary> {
  const book = sweepProgress(lab); // before enqueue, so it sees the sweep queued
  const handle = lab.enqueue(req);
  const exp = handle.experiment;
  const dir = path.join(req.root, exp);
  const mine = (): boolean => lab.progressOf(handle.id)?.started === true;
  reporter.log(
    `${exp}: ${handle.total} runs ${mine() ? 'started' : 'queued behind the running sweep'} on ` +
      `${handle.where.text} (results in ${dir})`,
  );

  // Per-run lines for the log; the first failure of the sweep also as a notification.
  let warned = false;
  const onState = (e: string, id: string, state: string, detail?: string): void => {
    if (e !== exp || !mine() || state === 'queued' || state === 'running' || state === 'skipped') return;
    if (state !== 'failed') return reporter.log(`${exp}: ${id} ${state}${detail ? ` (${detail})` : ''}`);
    const text =
      `${exp}: run ${id} failed${detail ? `: ${detail}` : ''}. The sweep goes on; re-run the run from ` +
      'the Experiments view.';
    if (warned) reporter.channel.warn(text);
    else reporter.warn(text);
    warned = true;
  };
  lab.on('state', onState);

  void vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Preconditioning Lab: ${exp}${handle.where.name === 'local' ? '' : ` on ${handle.where.name}`}`,
      cancellable: true,
    },
    (progress, token) => {
      token.onCancellationRequested(() => lab.cancelSweep(handle.id));
      // steps done across the sweep and the time left (sweepProgress.ts), at most every 500 ms
      let shown = 0;
      let last = 0;
      const update = (): void => {
        const v = book.view(handle.id);
        if (!v) return;
        const pct = 100 * v.fraction;
        progress.report({ message: progressText(v), increment: pct - shown });
        shown = pct;
      };
      const throttled = (): void => {
        const now = Date.now();
        if (now - last < 500) return;
        last = now;
        update();
      };
      update();
      lab.on('state', update);
      lab.on('sweep', update);
      lab.on('progress', throttled);
      return handle.done
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => {
          lab.off('state', update);
          lab.off('sweep', update);
          lab.off('progress', throttled);
        });
    },
  );
  handle.done.then(
    (summary) => {
      lab.off('state', onState);
      const text = `${exp}: ${outcome(summary)}.`;
      const open = {
        title: 'Open Results',
        run: () => openResults(dir).catch((e: unknown) => reporter.error(`Cannot open ${exp}'s results`, e)),
      };
      if (summary.runs.every((r) => r.status === 'done')) reporter.info(text, open);
      else reporter.warn(text, open);
    },
    (e: unknown) => {
      lab.off('state', onState);
      reporter.error(`${exp}: the sweep stopped`, e);
    },
  );
  return handle.done;
}
