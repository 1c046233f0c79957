// What a command acts on. Tree menus pass the clicked node; tests and other code pass an object, a folder path or
// an experiment name; the palette passes nothing and the user picks. All become one resolved target.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isObject } from '../shared/guards';
import { checkSegment, experimentDir, insideResults, rootArg } from './safePaths';
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

/** True for a Uri-like object (vscode.Uri without importing vscode). */
const fsPathOf = (v: unknown): string | undefined =>
  isObject(v) && typeof v.fsPath === 'string' ? v.fsPath : undefined;

/**
 * The target `arg` names, inside the results folder `resultsRoot`; undefined when `arg` names nothing (the caller
 * asks). A name, path or root that leads outside the results folder throws PathRefused: commands can be run by a
 * link or another extension, so what they are given is checked before any file is touched.
 */
export function resolveTarget(arg: unknown, resultsRoot: string): Target | undefined {
  if (typeof arg === 'string' || fsPathOf(arg)) {
    const text = fsPathOf(arg) ?? (arg as string);
    if (!path.isAbsolute(text) && !text.includes('/') && !text.includes('\\')) {
      const root = rootArg(resultsRoot, undefined);
      return { root, experiment: text, dir: experimentDir(resultsRoot, root, text) };
    }
    const abs = insideResults(resultsRoot, text, 'folder');
    // A run folder (<experiment>/runs/<id>) targets that run.
    if (path.basename(path.dirname(abs)) === 'runs' && fs.existsSync(path.join(abs, 'run.json'))) {
      const dir = path.dirname(path.dirname(abs));
      const root = rootArg(resultsRoot, path.dirname(dir));
      return {
        root,
        experiment: path.basename(dir),
        dir: experimentDir(resultsRoot, root, path.basename(dir)),
        runId: checkSegment(path.basename(abs), 'run id'),
      };
    }
    const root = rootArg(resultsRoot, path.dirname(abs));
    return { root, experiment: path.basename(abs), dir: experimentDir(resultsRoot, root, path.basename(abs)) };
  }
  if (!isObject(arg) || arg.experiment === undefined || arg.experiment === '') return undefined;
  const node = arg as Partial<TreeNode> & Partial<TargetArg>;
  const nodeDir = typeof node.dir === 'string' ? insideResults(resultsRoot, node.dir, 'dir') : undefined;
  const root = rootArg(
    resultsRoot,
    node.root !== undefined
      ? node.root
      : nodeDir
        ? path.dirname(node.kind === 'run' ? path.dirname(path.dirname(nodeDir)) : nodeDir)
        : undefined,
  );
  const dir = experimentDir(resultsRoot, root, node.experiment);
  const runId = node.runId !== undefined ? checkSegment(node.runId, 'runId') : undefined;
  // a run's folder may be a link of its own
  if (runId) insideResults(resultsRoot, path.join(dir, 'runs', runId), 'run folder');
  return {
    root,
    experiment: node.experiment as string,
    dir,
    runId,
    configPath: typeof node.configPath === 'string' ? node.configPath : undefined,
  };
}
