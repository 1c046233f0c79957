// Restricted Mode. In an untrusted workspace the lab reads results (the tree, the panels, CSV and PNG exports) but
// starts nothing: a sweep runs child processes with settings and configs that the workspace supplies. The commands
// that train refuse with a message that says how to trust the workspace; once trusted, they work without a reload.
import * as vscode from 'vscode';
import type { CommandId } from './commandIds';
import type { Reporter } from './reporter';

/** The commands that start training runs (directly, or by re-running); every other command only reads or tidies. */
const RUNNING_COMMANDS: ReadonlySet<CommandId> = new Set<CommandId>([
  'precondLab.runPreset',
  'precondLab.sweepP',
  'precondLab.compareOptimizers',
  'precondLab.runConfig',
  'precondLab.rerun',
  'precondLab.reproduce',
]);

const RESTRICTED_MESSAGE =
  'This workspace is in Restricted Mode, so Preconditioning Lab does not start runs (they are processes that read ' +
  'this workspace’s configs and settings). Results can still be viewed and exported. Trust the workspace to run ' +
  'experiments.';

/** True when `id` may run now; otherwise tells the user why not (with a way to trust the workspace) and false. */
export function mayRun(id: CommandId, reporter: Reporter): boolean {
  if (!RUNNING_COMMANDS.has(id) || vscode.workspace.isTrusted) return true;
  reporter.warn(RESTRICTED_MESSAGE, {
    title: 'Manage Workspace Trust',
    run: () => vscode.commands.executeCommand('workbench.trust.manage'),
  });
  return false;
}

/** Logs the change and redraws what depends on it when the user trusts the workspace. */
export function watchTrust(reporter: Reporter, redraw: () => unknown): vscode.Disposable {
  if (!vscode.workspace.isTrusted)
    reporter.log('Restricted Mode: results can be viewed and exported; runs start once the workspace is trusted');
  return vscode.workspace.onDidGrantWorkspaceTrust(() => {
    reporter.log('workspace trusted: experiments can be run');
    void redraw();
  });
}
