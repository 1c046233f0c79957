// The workspace's experiment config files (*.precond.json): found, parsed and validated for the tree and the
// CodeLens. A file that does not parse or validate is kept with the engine's message, so the tree can show it.
import * as vscode from 'vscode';
import { ConfigError } from '../shared/config';
import { parseConfig } from '../shared/config';
import type { ConfigFileEntry } from './treeModel';

export const CONFIG_GLOB = '**/*.precond.json';

export function parseConfigEntry(path: string, text: string): ConfigFileEntry {
  try {
    return { path, config: parseConfig(text, path) };
  } catch (e) {
    return { path, error: e instanceof ConfigError ? e.problems.join('; ') : (e as Error).message };
  }
}

export async function findConfigFiles(): Promise<ConfigFileEntry[]> {
  if (!vscode.workspace.workspaceFolders?.length) return [];
  const uris = await vscode.workspace.findFiles(CONFIG_GLOB, '**/node_modules/**', 200);
  const entries = await Promise.all(
    uris.map(async (uri) => {
      try {
        return parseConfigEntry(uri.fsPath, new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
      } catch (e) {
        return { path: uri.fsPath, error: `cannot be read: ${(e as Error).message}` };
      }
    }),
  );
  return entries.sort((a, b) => a.path.localeCompare(b.path));
}
