// Extension entry point. For now: an output channel that says which backend the lab would use; the commands,
// tree and panels arrive with the extension issue.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Preconditioning Lab');
  context.subscriptions.push(output, vscode.commands.registerCommand('precondLab.showOutput', () => output.show()));
  output.appendLine('Preconditioning Lab activated. Run experiments from a terminal with `npx precond-lab run fig1-cov --quick`.');
}

export function deactivate(): void {}
