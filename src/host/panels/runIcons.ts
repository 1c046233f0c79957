// Tree icons in the colours of the runs' curves: media/webview/runs/run-N.svg for palette index N (the files are
// generated from src/shared/colors.ts, and a unit test keeps them in step with the palette).
import * as vscode from 'vscode';

let base: vscode.Uri | undefined;

export function setRunIconBase(extensionUri: vscode.Uri): void {
  base = vscode.Uri.joinPath(extensionUri, 'media', 'webview', 'runs');
}

/** The icon of palette colour `index`, once the extension has said where its media are. */
export function runIcon(index: number): vscode.Uri | undefined {
  return base && vscode.Uri.joinPath(base, `run-${index}.svg`);
}
