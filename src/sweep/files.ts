// Crash-safe file writes: a JSON file is written to a temporary name and renamed over the old one, so a reader
// sees either the old or the new content, never half of one.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 1) + '\n');
  fs.renameSync(tmp, file);
}

export type ReadResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function readJson<T>(file: string): ReadResult<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return { ok: false, error: `${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch (e) {
    return { ok: false, error: `${file} is not valid JSON (${(e as Error).message}); it may have been cut short or edited by hand` };
  }
}
