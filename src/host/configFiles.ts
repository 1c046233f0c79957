// The workspace's experiment config files (*.precond.json): found, parsed and validated for the tree and the
// CodeLens. A file that does not parse or validate is kept with the engine's message, so the tree can show it.
import * as vscode from 'vscode';
import { ConfigError, parseConfig, type ValidateOptions } from '../shared/config';
import { MAX_CONFIG_BYTES, listProblems } from '../shared/inputLimits';
import type { ConfigFileEntry } from './treeModel';

export const CONFIG_GLOB = '**/*.precond.json';

export function parseConfigEntry(path: string, text: string, options: ValidateOptions = {}): ConfigFileEntry {
  try {
    return { path, config: parseConfig(text, path, options) };
  } catch (e) {
    return { path, error: e instanceof ConfigError ? listProblems(e.problems).join('; ') : (e as Error).message };
  }
}

/**
 * A config file's text, its size checked before it is read (the same 1 MB limit as the CLI's; a byte-order mark
 * is dropped by parseConfig, the one reader both use).
 */
export async function readConfigText(uri: vscode.Uri): Promise<string> {
  const st = await vscode.workspace.fs.stat(uri);
  if (st.type & vscode.FileType.Directory) throw new Error(`${uri.fsPath} is a folder, not a config file`);
  if (!(st.type & vscode.FileType.File)) throw new Error(`${uri.fsPath} is not a regular file`);
  if (st.size > MAX_CONFIG_BYTES)
    throw new Error(`${uri.fsPath} is ${(st.size / 1048576).toFixed(1)} MB, more than the 1 MB a config may have`);
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

export async function findConfigFiles(options: ValidateOptions = {}): Promise<ConfigFileEntry[]> {
  if (!vscode.workspace.workspaceFolders?.length) return [];
  const uris = await vscode.workspace.findFiles(CONFIG_GLOB, '**/node_modules/**', 200);
  const entries = await Promise.all(
    uris.map(async (uri) => {
      try {
        return parseConfigEntry(uri.fsPath, await readConfigText(uri), options);
      } catch (e) {
        return { path: uri.fsPath, error: `cannot be read: ${(e as Error).message}` };
      }
    }),
  );
  return entries.sort((a, b) => a.path.localeCompare(b.path));
}
