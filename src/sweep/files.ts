// Crash-safe file writes: a JSON file is written to a temporary name and renamed over the old one, so a reader
// sees either the old or the new content, never half of one. A write that fails (a full disk, a read-only or
// failing file system) becomes a StoreWriteError naming the path and the free space, which callers turn into a
// clean stop instead of a stack trace.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** errno codes that mean "the store cannot be written", as opposed to a bug */
const WRITE_CODES = new Set([
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EIO',
  'EACCES',
  'EPERM',
  'EFBIG',
  'ENOTDIR',
  'EISDIR',
  'EMFILE',
  'ENFILE',
]);
const WHAT: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EIO: 'an input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EFBIG: 'the file is too large',
};

export const formatBytes = (n: number): string =>
  n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} KiB`
      : n < 1024 ** 3
        ? `${(n / 1024 ** 2).toFixed(1)} MiB`
        : `${(n / 1024 ** 3).toFixed(2)} GiB`;

/** Free space on the file system holding `p` (or its nearest existing parent), as text. */
export function freeSpace(p: string): string {
  let dir = p;
  for (;;) {
    try {
      const s = fs.statfsSync(dir);
      return `${formatBytes(s.bavail * s.bsize)} free of ${formatBytes(s.blocks * s.bsize)}`;
    } catch {
      const up = path.dirname(dir);
      if (up === dir) return 'free space unknown';
      dir = up;
    }
  }
}

export class StoreWriteError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
  ) {
    super(
      `cannot write ${file}: ${WHAT[code] ?? code} (${code}); ${freeSpace(path.dirname(file))} on that file system`,
    );
    this.name = 'StoreWriteError';
  }
}

/** Runs a write to `file`, turning a file-system refusal into a StoreWriteError. */
export function guardWrite<T>(file: string, write: () => T): T {
  try {
    injectFault(file);
    return write();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (e instanceof StoreWriteError || !code || !WRITE_CODES.has(code)) throw e;
    throw new StoreWriteError(file, code);
  }
}

// Test-only: PRECOND_LAB_FAULT=enospc-after:<n> makes every store write after the first n fail with ENOSPC, for
// machines where a small file system cannot be mounted (test/faults/full-disk.mjs). Never set in normal use.
// enospc-after-run-json:<n> counts only writes of run.json files (a fixed number per run: queued, running, done),
// so where the disk fills does not depend on how fast the machine trains (metrics appends are batched by time).
let writes = 0;
let full = false;
function injectFault(file: string): void {
  const m = /^enospc-after(-run-json)?:(\d+)$/.exec(process.env.PRECOND_LAB_FAULT ?? '');
  if (!m) return;
  if (!full && (!m[1] || path.basename(file) === 'run.json')) full = ++writes > Number(m[2]);
  if (full) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${file}'`), { code: 'ENOSPC' });
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeTextAtomic(file, JSON.stringify(value, null, 1) + '\n');
}

export function writeTextAtomic(file: string, text: string): void {
  guardWrite(file, () => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      fs.writeFileSync(tmp, text);
      fs.renameSync(tmp, file);
    } catch (e) {
      // a temporary cut short by a full disk would otherwise keep the space it took
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* never created */
      }
      throw e;
    }
  });
}

const TMP = /\.(\d+)\.[0-9a-f]+\.tmp$/;

/** Removes temporaries (`*.<pid>.<ms or token>.tmp`) left in `dirs` by processes that died mid-write; a live process's
 *  temporary is left alone (it is about to be renamed). Returns how many were removed. */
export function cleanTemporaries(dirs: string[], alive: (pid: number) => boolean): number {
  let n = 0;
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = TMP.exec(name);
      if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
      try {
        fs.unlinkSync(path.join(dir, name));
        n++;
      } catch {
        /* removed by someone else */
      }
    }
  }
  return n;
}

export type ReadResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function readJson<T>(file: string): ReadResult<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return {
      ok: false,
      error: `${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) as T };
  } catch (e) {
    return {
      ok: false,
      error: `${file} is not valid JSON (${(e as Error).message}); it may have been cut short or edited by hand`,
    };
  }
}
