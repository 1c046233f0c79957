// Per-run lock files, so two sweeps on one store (two CLIs, or the editor and a terminal) never both train a run.
// A lock is a small JSON file naming its owner. It is taken atomically: the owner's record is written to a
// private temporary file, then hard-linked to the lock's name, which fails with EEXIST when someone holds it, so
// a reader never sees a half-written lock. A lock survives a crashed holder: it is stale when its owner is gone
// (same host and that process no longer exists, or a different process now has its pid), and a stale lock is
// broken under a short guard file so that two sweeps breaking it at once cannot both take it.
//
// The owner is described, not assumed: a local process (the CLI or the extension host, which write the store;
// runner children write nothing), or, for a run handed to an engine (Slurm), the engine's job record (`kind:
// 'job'`, `job` naming it: 'slurm:1234_5'), presumed alive while the submitter watches it and released by the
// submitter when the job ends. The worker that trains the run takes the lock where it runs by adopting it: a lock
// whose `job` is the worker's own job (the submission's record, or an earlier attempt of the same task that the
// engine requeued after its node failed) is taken over, not respected (takeLock's `adopt`).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { guardWrite } from './files';

export interface LockOwner {
  kind: 'process' | 'job';
  pid: number;
  host: string;
  /** the process's start time as the kernel counts it (Linux /proc/<pid>/stat), to tell a reused pid apart */
  procStart?: string;
  /** who took it, for messages: 'precond-lab run' or 'VS Code' */
  label: string;
  /** ISO time the lock was taken */
  since: string;
  /** unique per lock taken, so a release never removes someone else's lock */
  token: string;
  /** the engine job that owns the run ('slurm:1234_5'): on a 'job' lock, and on the lock its worker adopts */
  job?: string;
}

/** Start time of a local process, or undefined where /proc is not available. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: count fields after its closing one
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19]; // field 22, starttime
  } catch {
    return undefined;
  }
}

let selfStart: string | undefined | null = null;
export function selfOwner(label: string): LockOwner {
  if (selfStart === null) selfStart = processStart(process.pid);
  return {
    kind: 'process',
    pid: process.pid,
    host: os.hostname(),
    procStart: selfStart,
    label,
    since: new Date().toISOString(),
    token: crypto.randomBytes(8).toString('hex'),
  };
}

/** Whether a local process exists (EPERM: it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** False only when the owner is known to be gone; an owner on another host is presumed alive. */
export function ownerAlive(o: LockOwner): boolean {
  if (o.kind !== 'process' || o.host !== os.hostname()) return true;
  if (!Number.isInteger(o.pid) || o.pid <= 0 || !pidAlive(o.pid)) return false;
  // alive, unless the pid now belongs to a process started at another time
  if (o.procStart !== undefined) {
    const now = processStart(o.pid);
    if (now !== undefined && now !== o.procStart) return false;
  }
  return true;
}

export function describeOwner(o: LockOwner): string {
  if (o.kind === 'job') return `${o.label} (${o.job}, submitted from ${o.host}, since ${o.since})`;
  return `${o.label} (pid ${o.pid} on ${o.host}${o.job ? `, ${o.job}` : ''}, since ${o.since})`;
}

/** The lock's owner; `undefined` when there is no lock; 'unreadable' for a lock file that does not parse. */
export function readLock(file: string): LockOwner | undefined | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    return o && typeof o === 'object' && typeof o.pid === 'number' && typeof o.host === 'string' ? o : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

export type TakeResult = { ok: true; lock: Lock; broke?: LockOwner | 'unreadable' } | { ok: false; holder: LockOwner };

export class Lock {
  constructor(
    readonly file: string,
    readonly owner: LockOwner,
  ) {}
  /** Removes the lock if it is still ours; never throws (a release runs on exit paths). */
  release(): void {
    try {
      const now = readLock(this.file);
      if (now && now !== 'unreadable' && now.token === this.owner.token) fs.unlinkSync(this.file);
    } catch {
      /* already gone, or the store went read-only: the lock is stale once this process ends */
    }
  }
}

/** Hands a lock we hold to a new owner (a run handed to an engine: the owner becomes the engine's job record), in
 *  one atomic rename, so the run is never unlocked in between. Returns the new lock, or undefined when the lock
 *  is no longer ours (then nothing is written). */
export function handOverLock(lock: Lock, owner: LockOwner): Lock | undefined {
  const now = readLock(lock.file);
  if (!now || now === 'unreadable' || now.token !== lock.owner.token) return undefined;
  const tmp = `${lock.file}.${process.pid}.${owner.token}.tmp`;
  guardWrite(tmp, () => fs.writeFileSync(tmp, JSON.stringify(owner) + '\n'));
  guardWrite(lock.file, () => fs.renameSync(tmp, lock.file));
  return new Lock(lock.file, owner);
}

const GUARD_STALE_MS = 10_000;

/** Takes the lock at `file` for `owner`, breaking it if its holder is gone, or if `adopt` says the holder is this
 *  owner's own engine job (see the header). Throws only on I/O errors. */
export function takeLock(file: string, owner: LockOwner, adopt?: (holder: LockOwner) => boolean): TakeResult {
  guardWrite(file, () => fs.mkdirSync(path.dirname(file), { recursive: true }));
  for (let attempt = 0; attempt < 50; attempt++) {
    if (attempt > 0) sleep(10);
    if (link(file, owner)) return { ok: true, lock: new Lock(file, owner) };
    const holder = readLock(file);
    if (holder === undefined) continue; // released between our link and our read: try again
    if (holder !== 'unreadable' && ownerAlive(holder) && !adopt?.(holder)) return { ok: false, holder };
    // A lock is never seen half-written (it appears by link), so an unreadable one was damaged: as good as stale.
    if (breakStale(file, holder)) {
      if (link(file, owner)) return { ok: true, lock: new Lock(file, owner), broke: holder };
    }
  }
  // Another process kept breaking or taking it: leave the run to it rather than risk two trainers.
  const holder = readLock(file);
  if (holder && holder !== 'unreadable') return { ok: false, holder };
  throw new Error(`${file}: the lock could not be taken (it kept changing)`);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number): void => void Atomics.wait(sleeper, 0, 0, ms);

function link(file: string, owner: LockOwner): boolean {
  const tmp = `${file}.${process.pid}.${owner.token}.tmp`;
  try {
    guardWrite(tmp, () => fs.writeFileSync(tmp, JSON.stringify(owner) + '\n'));
    guardWrite(file, () => fs.linkSync(tmp, file));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
  }
}

/** Removes a stale lock, but only the one we judged stale: under a guard, re-read it and compare. */
function breakStale(file: string, seen: LockOwner | 'unreadable'): boolean {
  const guard = `${file}.break`;
  let fd: number;
  try {
    fd = fs.openSync(guard, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // a breaker that died holding the guard leaves it behind; it is only ever held for a few file operations
    try {
      if (Date.now() - fs.statSync(guard).mtimeMs > GUARD_STALE_MS) fs.unlinkSync(guard);
    } catch {
      /* someone else removed it */
    }
    return false;
  }
  try {
    const now = readLock(file);
    const same =
      now === seen || (now !== undefined && now !== 'unreadable' && seen !== 'unreadable' && now.token === seen.token);
    if (!same) return now === undefined;
    fs.unlinkSync(file);
    return true;
  } finally {
    fs.closeSync(fd);
    try {
      fs.unlinkSync(guard);
    } catch {
      /* gone */
    }
  }
}
