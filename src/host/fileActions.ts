// Commands that act on files: delete an experiment or a run (after a modal confirmation), reveal one, export an
// experiment as CSV, create a config file from a preset.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { expandRuns } from '../shared/config';
import { ExperimentStore, loadSummary } from '../sweep/store';
import { summaryToCsv } from './csv';
import { lateWindowsOf as lateWindows } from './lateBands';
import { configTemplate, presetBase } from './configs';
import { plainText } from './notifyText';
import { insideResults } from './safePaths';
import type { Target } from './targets';

/** Deletes an experiment's folder or one run's; false when the user declined. Refuse live runs before calling. */
export async function deleteTarget(t: Target, confirm: boolean): Promise<boolean> {
  const what = t.runId ? `run ${t.runId} of ${t.experiment}` : `experiment ${t.experiment}`;
  // checked again here, at the last moment, because a recursive delete is the one act that cannot be undone
  const folder = insideResults(
    t.root,
    t.runId ? new ExperimentStore(t.root, t.experiment).runDir(t.runId) : t.dir,
    `the folder of ${what}`,
  );
  if (!fs.existsSync(folder))
    throw new Error(
      `${what} has no results folder (${folder}); if it is a config file, delete the file in the Explorer`,
    );
  if (confirm) {
    const ok = await vscode.window.showWarningMessage(
      plainText(`Delete ${what}?`),
      { modal: true, detail: plainText(`This deletes ${folder} with its metrics and weights. It cannot be undone.`) },
      'Delete',
    );
    if (ok !== 'Delete') return false;
  }
  fs.rmSync(folder, { recursive: true, force: true });
  if (t.runId) {
    // keep summary.json in step with the runs left (the engine rebuilds it the same way)
    const store = new ExperimentStore(t.root, t.experiment);
    const config = store.readConfig();
    if (config)
      store.writeSummary(
        config,
        expandRuns(config).map((r) => r.id),
      );
  }
  return true;
}

export async function revealTarget(t: Target): Promise<void> {
  const target = t.runId
    ? insideResults(t.root, new ExperimentStore(t.root, t.experiment).runDir(t.runId), 'run folder')
    : fs.existsSync(t.dir)
      ? t.dir
      : t.configPath;
  if (!target || !fs.existsSync(target))
    throw new Error(`${t.experiment} has no results folder yet (${t.dir}); run it first`);
  const uri = vscode.Uri.file(target);
  // Inside the workspace the Explorer can show it (and works in a browser); outside it, the OS file manager.
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

/** Writes the CSV; asks where with a save dialog when `file` is not given. Returns the file, or undefined. */
export async function exportCsv(t: Target, file: string | undefined): Promise<string | undefined> {
  const { summary } = loadSummary(t.dir);
  if (!file) {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(t.root);
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(base, `${t.experiment}.csv`),
      filters: { CSV: ['csv'] },
      title: `Export ${t.experiment} as CSV`,
    });
    if (!uri) return undefined;
    file = uri.fsPath;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, summaryToCsv(summary, await lateWindows(t.dir, summary)));
  return file;
}

export interface NewConfigArgs {
  preset?: string;
  quick?: boolean;
  /** absolute path of the file to create (default: <first workspace folder>/<name>.precond.json, made unique) */
  file?: string;
  /** open it in an editor (default true) */
  open?: boolean;
}

export async function newConfig(args: NewConfigArgs): Promise<string> {
  const base = presetBase(args.preset ?? 'fig1-cov', args.quick ?? true);
  let file = args.file;
  if (!file) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!folder) throw new Error('open a folder first: config files live in the workspace');
    for (let i = 1; !file || fs.existsSync(file); i++)
      file = path.join(folder, `${base.name}${i > 1 ? `-${i}` : ''}.precond.json`);
  }
  if (fs.existsSync(file)) throw new Error(`${file} already exists; pick another name`);
  // The config's name (its results folder) follows the file's, so two files never share results.
  const name =
    path
      .basename(file)
      .replace(/\.precond\.json$/, '')
      .replace(/\.json$/, '')
      .replace(/[^A-Za-z0-9._-]/g, '-') || base.name;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, configTemplate(base, name));
  if (args.open !== false) await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  return file;
}
