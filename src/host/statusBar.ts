// The status bar item: which backend the runs use (the setting until a run reports the one it got) and how many
// runs are running. A click shows the output channel.
import * as vscode from 'vscode';
import type { LabRunner } from './labRunner';
import type { LabSettings } from './settings';
import { progressText, sweepProgress } from './sweepProgress';
import { sweepPlaceLine, sweepStatusText } from './sweepPlace';

export function createStatusBar(lab: LabRunner, settings: () => LabSettings): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('precondLab.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Preconditioning Lab';
  item.command = 'precondLab.showOutput';
  let wasBusy: boolean | undefined;
  const book = sweepProgress(lab);
  const update = (): void => {
    const running = lab.runningCount();
    const queued = lab.sweeps().filter((s) => !s.running).length;
    const wanted = settings().backend;
    const got = lab.lastBackend;
    const backend = got ? `${got.backend}${got.kernel ? `/${got.kernel}` : ''}` : wanted;
    // a started sweep shows its steps done and time left from the moment it starts, before any run reports
    const sweep = book.currentView();
    const where = lab.sweeps().find((s) => s.running)?.handle.where;
    item.text = sweep
      ? `$(sync~spin) ${sweepStatusText(sweep, where)}`
      : `$(beaker) Lab: ${backend}${got ? '' : ' backend'}`;
    item.tooltip = new vscode.MarkdownString(
      [
        `**Preconditioning Lab**`,
        'Backend: ' +
          `${got ? `${got.backend} (kernel ${got.kernel ?? '-'}), from the last finished run` : `${wanted} (setting; runs report the backend they get)`}`,
        `${running} run${running === 1 ? '' : 's'} ` +
          `running${queued ? `, ${queued} sweep${queued === 1 ? '' : 's'} queued` : ''}`,
        ...(sweep ? [`${sweep.experiment}: ${progressText(sweep)}`, sweepPlaceLine(where) ?? ''] : []),
        'Click to show the output.',
      ].join('\n\n'),
    );
    item.show();
    // the view's "Cancel All" title button shows only while something is running or queued
    const busy = running > 0 || lab.sweeps().length > 0;
    if (busy !== wasBusy) void vscode.commands.executeCommand('setContext', 'precondLab.busy', (wasBusy = busy));
  };
  let last = 0;
  const throttled = (): void => {
    // 'changed' fires on every progress report: redraw at most every 500 ms
    const now = Date.now();
    if (now - last < 500) return;
    last = now;
    update();
  };
  lab.on('changed', throttled);
  lab.on('state', update);
  lab.on('backend', update);
  lab.on('sweep', update);
  const sub = vscode.workspace.onDidChangeConfiguration(
    (e) => e.affectsConfiguration('precondLab.backend') && update(),
  );
  update();
  return vscode.Disposable.from(item, sub, {
    dispose: () => (
      lab.off('changed', throttled),
      lab.off('state', update),
      lab.off('backend', update),
      lab.off('sweep', update)
    ),
  });
}
