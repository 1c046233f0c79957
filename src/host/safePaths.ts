// Containment of paths that commands take from their arguments. A command can be run by anything that can execute
// a command (another extension, a `command:` link), so an experiment name, run id, folder path or `root` given to
// it is untrusted: each resolves inside the configured results folder or is refused, before any file is touched.
// No vscode import, so unit tests cover it.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A path from a command's arguments that is not inside the results folder; the message says which and why. */
export class PathRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathRefused';
  }
}

// What the store itself creates: experiment names pass this (src/shared/config.ts) and run ids are built from
// params with the same alphabet. '.' and '..' match the alphabet and are refused separately.
const SEGMENT = /^[A-Za-z0-9._-]{1,200}$/;

/** An experiment name or run id: one folder name, never a path, never '.' or '..', no encoding, no drive letter. */
export function checkSegment(name: unknown, what: string): string {
  if (typeof name !== 'string' || !name) throw new PathRefused(`${what} must be a non-empty folder name`);
  if (name === '.' || name === '..' || !SEGMENT.test(name)) {
    throw new PathRefused(
      `${what} ${JSON.stringify(name.slice(0, 80))} is not a folder name (letters, digits, '.', '_' and '-' only; ` +
        `not '.' or '..')`,
    );
  }
  return name;
}

/** The real path of `p`, following symlinks as far as the path exists; the rest is joined on unresolved. */
function realOf(p: string): string {
  const tail: string[] = [];
  let at = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(at), ...tail.reverse());
    } catch {
      const up = path.dirname(at);
      if (up === at) return p;
      tail.push(path.basename(at));
      at = up;
    }
  }
}

/** True when `inner` is `outer` or below it (both absolute, already normalized). */
function within(outer: string, inner: string, strictly: boolean): boolean {
  const rel = path.relative(outer, inner);
  if (rel === '') return !strictly;
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/**
 * Resolves `p` (absolute, or relative to the results folder) and returns it when it lies inside `resultsRoot`
 * both as written and after following symlinks; `strictly` refuses the results folder itself.
 */
export function insideResults(resultsRoot: string, p: unknown, what: string, strictly = true): string {
  if (typeof p !== 'string' || !p) throw new PathRefused(`${what} must be a non-empty path`);
  if (p.includes('\0')) throw new PathRefused(`${what} contains a NUL character`);
  const root = path.resolve(resultsRoot);
  const abs = path.resolve(root, p);
  const where = strictly ? 'inside' : 'in or inside';
  if (!within(root, abs, strictly))
    throw new PathRefused(
      `${what} ${abs} is not ${where} the results folder ${root}; commands only act on results there`,
    );
  // a symlink inside the results folder must not lead out of it (a link that stays inside is fine)
  const realRoot = realOf(root);
  const real = realOf(abs);
  if (!within(realRoot, real, strictly))
    throw new PathRefused(
      `${what} ${abs} leads to ${real} through a symbolic link, outside the results folder ${realRoot}`,
    );
  return abs;
}

/** A `root` argument: the results folder itself or a folder inside it; without one, the results folder. */
export function rootArg(resultsRoot: string, root: unknown): string {
  if (root === undefined) return path.resolve(resultsRoot);
  return insideResults(resultsRoot, root, 'root', false);
}

/** The folder of experiment `name` under `root` (itself checked with rootArg), checked like any other path. */
export function experimentDir(resultsRoot: string, root: string, name: unknown): string {
  return insideResults(resultsRoot, path.join(root, checkSegment(name, 'experiment')), 'experiment folder');
}

/** A folder that holds an experiment's results (what the store writes first), not just any folder. */
export function isExperimentFolder(dir: string): boolean {
  return ['experiment.json', 'summary.json'].some((f) => fs.existsSync(path.join(dir, f)));
}
