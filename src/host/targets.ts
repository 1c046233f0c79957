// What a command acts on. Tree menus pass the clicked node; tests and other code pass an object, a folder path or
// an experiment name; the palette passes nothing and the user picks. All become one resolved target.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TreeNode } from './treeModel';

/** Programmatic form: an experiment by name (in `root`, default the results folder setting), optionally one run. */
export interface TargetArg {
  experiment: string;
  runId?: string;
  root?: string;
}

export interface Target {
  root: string;
  experiment: string;
  /** the experiment's folder (it may not exist yet for a config that never ran) */
  dir: string;
  runId?: string;
  configPath?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for a Uri-like object (vscode.Uri without importing vscode). */
const fsPathOf = (v: unknown): string | undefined => (isObject(v) && typeof v.fsPath === 'string' ? v.fsPath : undefined);

export function resolveTarget(arg: unknown, defaultRoot: string): Target | undefined {
  if (typeof arg === 'string' || fsPathOf(arg)) {
    const text = fsPathOf(arg) ?? (arg as string);
    if (!path.isAbsolute(text) && !text.includes('/') && !text.includes('\\')) {
      return { root: defaultRoot, experiment: text, dir: path.join(defaultRoot, text) };
    }
    const abs = path.resolve(text);
    // A run folder (<experiment>/runs/<id>) targets that run.
    if (path.basename(path.dirname(abs)) === 'runs' && fs.existsSync(path.join(abs, 'run.json'))) {
      const dir = path.dirname(path.dirname(abs));
      return { root: path.dirname(dir), experiment: path.basename(dir), dir, runId: path.basename(abs) };
    }
    return { root: path.dirname(abs), experiment: path.basename(abs), dir: abs };
  }
  if (!isObject(arg) || typeof arg.experiment !== 'string' || !arg.experiment) return undefined;
  const node = arg as Partial<TreeNode> & Partial<TargetArg>;
  const root = typeof node.root === 'string' ? path.resolve(node.root) : node.dir ? path.dirname(node.kind === 'run' ? path.dirname(path.dirname(node.dir)) : node.dir) : defaultRoot;
  const experiment = node.experiment!;
  return {
    root,
    experiment,
    dir: path.join(root, experiment),
    runId: typeof node.runId === 'string' ? node.runId : undefined,
    configPath: typeof node.configPath === 'string' ? node.configPath : undefined,
  };
}
