// The store side of tags and notes: <experiment>/annotations.json (shape and strict check in
// src/shared/annotations.ts). Reads are strict: a file that does not parse or does not check is reported with what
// is wrong and treated as unreadable, never as empty, so a later write cannot replace a damaged file and lose what
// it held. Writes follow the store's conventions (docs/reliability.md): one writer at a time, by a lock taken
// atomically next to the file (annotations.lock, the same kind as a run's run.lock, broken when its owner is gone),
// then a read-modify-write of the whole file through a temporary and a rename.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ANNOTATIONS_FILE,
  checkAnnotations,
  emptyAnnotations,
  setAnnotation,
  type Annotation,
  type Annotations,
} from '../shared/annotations';
import { listProblems } from '../shared/inputLimits';
import { readJson, writeJsonAtomic } from './files';
import { describeOwner, selfOwner, takeLock } from './lock';

export const ANNOTATIONS_LOCK = 'annotations.lock';

export type AnnotationsRead =
  | { ok: true; value: Annotations; missing?: boolean }
  | { ok: false; error: string; file: string };

/** The experiment's annotations: empty when the file does not exist, an error naming the problem when it is bad. */
export function readAnnotations(experimentDir: string): AnnotationsRead {
  const file = path.join(experimentDir, ANNOTATIONS_FILE);
  if (!fs.existsSync(file)) return { ok: true, value: emptyAnnotations(), missing: true };
  const r = readJson<unknown>(file);
  if (!r.ok) return { ok: false, file, error: r.error };
  const c = checkAnnotations(r.value, file);
  if (!c.ok) return { ok: false, file, error: listProblems(c.problems, 5).join('; ') };
  return { ok: true, value: c.value };
}

/** What a damaged file makes a write say: the problem, and that nothing was changed. */
const refuse = (r: Extract<AnnotationsRead, { ok: false }>): Error =>
  new Error(
    `${r.error}. Tags and notes were not changed, so nothing in it is lost: fix the file by hand (or move it away ` +
      'to start afresh), then try again.',
  );

/**
 * Sets the tags and note of a run (runId) or of the experiment (runId undefined), under the annotations lock.
 * Throws with a clear message when the file is damaged (it is left as it is) or another writer holds the lock.
 */
export function writeAnnotation(
  experimentDir: string,
  runId: string | undefined,
  tags: string[],
  note: string | undefined,
  label = 'precond-lab',
): Annotations {
  if (!fs.existsSync(experimentDir)) throw new Error(`${experimentDir} is not an experiment folder`);
  const lockFile = path.join(experimentDir, ANNOTATIONS_LOCK);
  let taken = takeLock(lockFile, selfOwner(label));
  // another writer holds it for the few milliseconds a write takes: wait for it a little
  for (let i = 0; !taken.ok && i < 20; i++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    taken = takeLock(lockFile, selfOwner(label));
  }
  if (!taken.ok)
    throw new Error(`the tags and notes of ${path.basename(experimentDir)} are held by ${describeOwner(taken.holder)}`);
  try {
    const current = readAnnotations(experimentDir);
    if (!current.ok) throw refuse(current);
    const next: Annotations = { ...current.value, runs: { ...current.value.runs } };
    const a: Annotation | undefined = setAnnotation(tags, note);
    if (runId === undefined) {
      if (a) next.experiment = a;
      else delete next.experiment;
    } else if (a) next.runs[runId] = a;
    else delete next.runs[runId];
    writeJsonAtomic(path.join(experimentDir, ANNOTATIONS_FILE), next);
    return next;
  } finally {
    taken.lock.release();
  }
}
