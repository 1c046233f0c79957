// CodeLens on experiment config files: "Run experiment" (or the first problem when the file is invalid) and,
// once it has results, "Open results"; with them, the engine's problems as errors (configDiagnostics.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseConfigEntry } from './configFiles';
import { registerConfigDiagnostics } from './configDiagnostics';

export function registerConfigLens(resultsRoot: () => string, changed: vscode.Event<void>): vscode.Disposable {
  const emitter = new vscode.EventEmitter<void>();
  const provider: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: emitter.event,
    provideCodeLenses(doc) {
      const top = new vscode.Range(0, 0, 0, 0);
      const entry = parseConfigEntry(doc.uri.fsPath, doc.getText());
      const lenses = [
        new vscode.CodeLens(top, {
          title: '$(play) Run experiment',
          command: 'precondLab.runConfig',
          arguments: [doc.uri],
        }),
      ];
      if (!entry.config) {
        lenses.push(
          new vscode.CodeLens(top, {
            title: `$(error) ${entry.error?.split('; ')[0] ?? 'invalid'}`,
            command: 'precondLab.runConfig',
            arguments: [doc.uri],
          }),
        );
        return lenses;
      }
      const dir = path.join(resultsRoot(), entry.config.name);
      if (fs.existsSync(dir))
        lenses.push(
          new vscode.CodeLens(top, { title: 'Open results', command: 'precondLab.openResults', arguments: [dir] }),
        );
      return lenses;
    },
  };
  return vscode.Disposable.from(
    vscode.languages.registerCodeLensProvider({ pattern: '**/*.precond.json' }, provider),
    changed(() => emitter.fire()),
    emitter,
    // the engine's problems as errors on the fields they name (configDiagnostics.ts)
    registerConfigDiagnostics(),
  );
}
