// Tags and a note on a run or on an experiment, kept in the store as <experiment>/annotations.json (written by
// src/sweep/annotations.ts). This file holds the shape, the strict check a read goes through (a hand-edited or
// damaged file is refused with what is wrong, never half-believed) and the parsing of what a user types. No
// node:fs, no vscode: the webview, the host and the unit tests import it.
import { isObject } from './guards';

export const ANNOTATIONS_FILE = 'annotations.json';
export const ANNOTATIONS_VERSION = 1;

export interface Annotation {
  tags: string[];
  note?: string;
}

export interface Annotations {
  version: typeof ANNOTATIONS_VERSION;
  /** the experiment's own tags and note */
  experiment?: Annotation;
  /** per run id */
  runs: Record<string, Annotation>;
}

export const TAG_LIMITS = { tags: 20, tagLength: 40, note: 4000, runs: 100_000 };
/** letters, digits and . _ - + : (no spaces, no commas: those separate tags) */
const TAG = /^[\p{L}\p{N}._+:-]+$/u;
const RUN_ID = /^[A-Za-z0-9._-]{1,200}$/;

export const emptyAnnotations = (): Annotations => ({ version: ANNOTATIONS_VERSION, runs: {} });

/** Why a tag is refused, or undefined when it is fine. */
export function tagProblem(tag: string): string | undefined {
  if (!tag) return 'a tag cannot be empty';
  if (tag.length > TAG_LIMITS.tagLength) return `a tag has at most ${TAG_LIMITS.tagLength} characters`;
  if (!TAG.test(tag)) return `"${tag.slice(0, 40)}": tags hold letters, digits and . _ - + : only`;
  return undefined;
}

/**
 * What the user typed in the tags box ("best, baseline #p2"): tags split at commas and spaces, a leading # dropped,
 * duplicates removed, in the order typed. An error names the first bad tag.
 */
export function parseTagInput(text: string): { ok: true; tags: string[] } | { ok: false; error: string } {
  const tags: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    const t = raw.replace(/^#/, '');
    if (!t) continue;
    const p = tagProblem(t);
    if (p) return { ok: false, error: p };
    if (!tags.includes(t)) tags.push(t);
  }
  if (tags.length > TAG_LIMITS.tags) return { ok: false, error: `at most ${TAG_LIMITS.tags} tags` };
  return { ok: true, tags };
}

function checkAnnotation(raw: unknown, at: string, problems: string[]): Annotation | undefined {
  if (!isObject(raw)) return void problems.push(`${at} must be an object with tags and an optional note`);
  for (const k of Object.keys(raw))
    if (k !== 'tags' && k !== 'note') problems.push(`${at}: unknown field ${JSON.stringify(k.slice(0, 40))}`);
  if (!Array.isArray(raw.tags)) return void problems.push(`${at}.tags must be a list of tags`);
  if (raw.tags.length > TAG_LIMITS.tags) problems.push(`${at}.tags: at most ${TAG_LIMITS.tags} tags`);
  const tags: string[] = [];
  raw.tags.forEach((t, i) => {
    const p = typeof t === 'string' ? tagProblem(t) : 'a tag must be a string';
    if (p) problems.push(`${at}.tags[${i}]: ${p}`);
    else tags.push(t as string);
  });
  if (raw.note !== undefined && !(typeof raw.note === 'string' && raw.note.length <= TAG_LIMITS.note))
    problems.push(`${at}.note must be a string of at most ${TAG_LIMITS.note} characters`);
  return { tags, ...(typeof raw.note === 'string' && raw.note ? { note: raw.note } : {}) };
}

/** Checks an annotations.json as strictly as the store's other files: every problem is listed, nothing is guessed. */
export function checkAnnotations(
  raw: unknown,
  at = ANNOTATIONS_FILE,
): { ok: true; value: Annotations } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  if (!isObject(raw)) return { ok: false, problems: [`${at} must hold an object`] };
  if (raw.version !== ANNOTATIONS_VERSION) problems.push(`${at}: version must be ${ANNOTATIONS_VERSION}`);
  for (const k of Object.keys(raw))
    if (!['version', 'experiment', 'runs'].includes(k))
      problems.push(`${at}: unknown field ${JSON.stringify(k.slice(0, 40))}`);
  const out = emptyAnnotations();
  if (raw.experiment !== undefined) out.experiment = checkAnnotation(raw.experiment, `${at}: experiment`, problems);
  if (!isObject(raw.runs)) problems.push(`${at}: runs must be an object of run id -> tags and note`);
  else {
    const ids = Object.keys(raw.runs);
    if (ids.length > TAG_LIMITS.runs) problems.push(`${at}: more than ${TAG_LIMITS.runs} runs`);
    for (const id of ids.slice(0, TAG_LIMITS.runs)) {
      if (!RUN_ID.test(id)) {
        problems.push(`${at}: runs: ${JSON.stringify(id.slice(0, 40))} is not a run id`);
        continue;
      }
      const a = checkAnnotation(raw.runs[id], `${at}: runs.${id}`, problems);
      if (a) out.runs[id] = a;
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, value: out };
}

/** The annotation with tags and note set; undefined when both are empty (the entry is dropped). */
export function setAnnotation(tags: string[], note: string | undefined): Annotation | undefined {
  const n = note?.trim();
  if (!tags.length && !n) return undefined;
  return { tags, ...(n ? { note: n } : {}) };
}

/** "#best #baseline", as the tree and the panels show tags. */
export const tagText = (tags: readonly string[] | undefined): string => (tags ?? []).map((t) => `#${t}`).join(' ');
