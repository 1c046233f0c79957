// Experiment config files (*.precond.json) checked by the engine as they are edited: each problem the engine would
// refuse the file for is an error (red squiggle, Problems view) on the field it names. VS Code's JSON support also
// checks the file against media/experiment.schema.json, but it reports schema mismatches as warnings and cannot be
// told otherwise; the docs promise errors for a file the lab will not run, and the engine also checks what a schema
// cannot say (the run count, the whole grid), so the lab publishes its own. Locating a field is plain text work,
// in configProblems.ts.
import * as vscode from 'vscode';
import { locateProblems } from './configProblems';

export function registerConfigDiagnostics(): vscode.Disposable {
  const collection = vscode.languages.createDiagnosticCollection('precondLab');
  const isConfig = (doc: vscode.TextDocument): boolean => doc.uri.path.endsWith('.precond.json');
  const check = (doc: vscode.TextDocument): void => {
    if (!isConfig(doc)) return;
    const text = doc.getText();
    collection.set(
      doc.uri,
      locateProblems(text, doc.uri.fsPath).map((p) => {
        const d = new vscode.Diagnostic(
          new vscode.Range(doc.positionAt(p.start), doc.positionAt(p.end)),
          p.message,
          vscode.DiagnosticSeverity.Error,
        );
        d.source = 'Preconditioning Lab';
        return d;
      }),
    );
  };
  // a burst of keystrokes is checked once it settles
  const timers = new Map<string, NodeJS.Timeout>();
  const later = (doc: vscode.TextDocument): void => {
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        check(doc);
      }, 300),
    );
  };
  vscode.workspace.textDocuments.forEach(check);
  return vscode.Disposable.from(
    collection,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => later(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => collection.delete(doc.uri)),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
}
