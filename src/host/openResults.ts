// Opens an experiment's results. For now a read-only text report (the engine's tables), refreshed as runs
// finish; the chart panels replace this file, so everything else calls only `openResults(experimentDir)`.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadSummary } from '../sweep/store';
import { report } from '../sweep/report';

export const REPORT_SCHEME = 'precond-lab-report';

const changed = new vscode.EventEmitter<vscode.Uri>();

const provider: vscode.TextDocumentContentProvider = {
  onDidChange: changed.event,
  provideTextDocumentContent(uri: vscode.Uri): string {
    const dir = uri.query;
    try {
      const { summary, warning } = loadSummary(dir);
      const note = warning ? `\nNote: ${warning}\n` : '';
      return `${report(summary)}\n${note}\nResults folder: ${dir}\n(Read-only; updates as runs finish.)\n`;
    } catch (e) {
      return `No results to show for ${dir}:\n${(e as Error).message}\n\nRun the experiment first, or pick another folder.`;
    }
  },
};

/** Registers the report documents; `storeChanged` refreshes the open ones. */
export function registerResultsDocuments(storeChanged: vscode.Event<void>): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, provider),
    storeChanged(() => {
      for (const doc of vscode.workspace.textDocuments) if (doc.uri.scheme === REPORT_SCHEME) changed.fire(doc.uri);
    }),
    changed,
  );
}

export async function openResults(experimentDir: string): Promise<void> {
  const dir = path.resolve(experimentDir);
  loadSummary(dir); // throws a message naming the folder when it holds no experiment
  const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${path.basename(dir)} results.txt`, query: dir });
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: false });
}
