// The per-run lock (src/sweep/lock.ts): taken atomically, refused while a live process holds it, broken when its
// holder is gone (a dead pid, or a pid now used by a process started at another time), released only by its owner.
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ownerAlive, processStart, readLock, selfOwner, takeLock, type LockOwner } from '../../src/sweep/lock';

const taker = process.env.LOCK_TAKER;
if (taker) {
  // a taker process of the last test: stays alive (so its lock is not stale) until the parent has every answer
  // and closes our stdin
  const r = takeLock(taker, selfOwner('taker'));
  process.stdout.write(r.ok ? 'won' : 'held');
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}
const test = taker ? (): void => undefined : nodeTest;

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-lock-'));

/** The pid of a process that has exited (spawnSync waits for it). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid;

function ownerOf(pid: number, procStart?: string): LockOwner {
  return {
    kind: 'process',
    pid,
    host: os.hostname(),
    procStart,
    label: 'another sweep',
    since: new Date().toISOString(),
    token: `t${pid}`,
  };
}

test('a lock is taken once: the second taker is refused and told who holds it', () => {
  const file = path.join(tmp(), 'runs', 'a', 'run.lock');
  const first = takeLock(file, selfOwner('first'));
  assert.ok(first.ok);
  const second = takeLock(file, selfOwner('second'));
  assert.equal(second.ok, false);
  assert.equal(!second.ok && second.holder.label, 'first');
  assert.equal(!second.ok && second.holder.pid, process.pid);
  // no temporary is left next to the lock
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ['run.lock']);
  first.lock.release();
  assert.equal(fs.existsSync(file), false);
  assert.ok(takeLock(file, selfOwner('third')).ok);
});

test('a lock whose holder process is gone is stale and broken', () => {
  const file = path.join(tmp(), 'run.lock');
  const dead = ownerOf(deadPid());
  assert.equal(ownerAlive(dead), false);
  fs.writeFileSync(file, JSON.stringify(dead));
  const r = takeLock(file, selfOwner('me'));
  assert.ok(r.ok);
  assert.equal(r.ok && r.broke !== 'unreadable' && r.broke?.pid, dead.pid);
  assert.equal((readLock(file) as LockOwner).label, 'me');
});

test('a live holder in another process is refused; its pid reused by a later process is stale', async () => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    await new Promise((r) => child.once('spawn', r));
    const pid = child.pid!;
    const file = path.join(tmp(), 'run.lock');
    const start = processStart(pid);
    fs.writeFileSync(file, JSON.stringify(ownerOf(pid, start)));
    const r = takeLock(file, selfOwner('me'));
    assert.equal(r.ok, false, 'the holder is alive');
    if (start !== undefined) {
      // the same pid with another start time: the holder died and the pid went to a new process
      fs.writeFileSync(file, JSON.stringify(ownerOf(pid, String(Number(start) - 1))));
      assert.ok(takeLock(file, selfOwner('me')).ok, 'a reused pid is not the holder');
    }
  } finally {
    child.kill('SIGKILL');
  }
});

test('an owner on another host is presumed alive; an unreadable lock is broken', () => {
  const dir = tmp();
  const far = path.join(dir, 'far.lock');
  fs.writeFileSync(far, JSON.stringify({ ...ownerOf(deadPid()), host: `${os.hostname()}-elsewhere` }));
  assert.equal(takeLock(far, selfOwner('me')).ok, false);
  const bad = path.join(dir, 'bad.lock');
  fs.writeFileSync(bad, '{"pid": 1');
  const r = takeLock(bad, selfOwner('me'));
  assert.ok(r.ok);
  assert.equal(r.ok && r.broke, 'unreadable');
});

test('release removes only its own lock', () => {
  const file = path.join(tmp(), 'run.lock');
  const mine = takeLock(file, selfOwner('me'));
  assert.ok(mine.ok);
  // someone broke it (as stale) and took it: my late release must not remove theirs
  fs.unlinkSync(file);
  const theirs = takeLock(file, selfOwner('them'));
  assert.ok(theirs.ok);
  mine.lock.release();
  assert.equal((readLock(file) as LockOwner).label, 'them');
});

test('many processes taking one lock at once: exactly one wins', async () => {
  const file = path.join(tmp(), 'run.lock');
  // this very file, run as a plain script with LOCK_TAKER set, takes the lock and prints whether it won
  const takers = Array.from({ length: 6 }, () =>
    spawn(process.execPath, [__filename], {
      env: { ...process.env, LOCK_TAKER: file },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const outs = await Promise.all(
    takers.map(
      (c) =>
        new Promise<string>((resolve) => {
          let o = '';
          c.stdout.on('data', (d) => {
            o += d;
            resolve(o);
          });
          c.on('close', () => resolve(o));
        }),
    ),
  );
  takers.forEach((c) => c.stdin.end());
  await Promise.all(takers.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.on('close', r)))));
  assert.equal(outs.filter((o) => o === 'won').length, 1, outs.join(','));
  assert.equal(outs.filter((o) => o === 'held').length, 5, outs.join(','));
});
