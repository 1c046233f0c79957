// Reattaching to sweeps left on BullMQ (src/host/sweepReattach.ts, bullmqExecutor's submission record), the parts
// that need no Redis: which experiments have a record, what is refused before anything starts (Restricted Mode, no
// URL, another queue), and an unreachable Redis reported in one line without the password. The reattach itself
// (a killed submitter run again) is tested against a real Redis in test/services/bullmq.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { experimentsWithSubmission, reattachSweeps } from '../../src/host/sweepReattach';
import { bullSubmissionPath, liveBullJobs, readBullSubmission } from '../../src/sweep/executors/bullmqExecutor';
import type { LabRunner } from '../../src/host/labRunner';

function storeWithRecord(queue = 'precond-lab'): { root: string; dir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reattach-'));
  const dir = path.join(root, 'fig1-cov-quick');
  fs.mkdirSync(path.dirname(bullSubmissionPath(dir)), { recursive: true });
  fs.writeFileSync(
    bullSubmissionPath(dir),
    JSON.stringify({
      version: 1,
      queue,
      redis: 'redis://:***@127.0.0.1:1',
      submittedAt: new Date().toISOString(),
      jobs: [{ id: 'pl-a-b', runs: [{ id: 'high_p0_snr1_s42', key: 'k' }] }],
    }),
  );
  fs.mkdirSync(path.join(root, 'other'));
  return { root, dir };
}

const noLab = {
  enqueue: () => assert.fail('nothing may start'),
} as unknown as LabRunner;

test('experimentsWithSubmission and readBullSubmission: only experiments with a readable record', () => {
  const { root, dir } = storeWithRecord();
  try {
    assert.deepEqual(experimentsWithSubmission(root), ['fig1-cov-quick']);
    assert.equal(readBullSubmission(dir)?.jobs[0].id, 'pl-a-b');
    fs.writeFileSync(bullSubmissionPath(dir), '{ cut sho');
    assert.equal(readBullSubmission(dir), undefined);
    assert.deepEqual(experimentsWithSubmission(path.join(root, 'missing')), []);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('reattachSweeps starts nothing in Restricted Mode, without a Redis URL, or for another queue', async () => {
  const { root } = storeWithRecord('elsewhere');
  const lines: string[] = [];
  const deps = {
    root,
    lab: noLab,
    redisUrl: async (): Promise<string | undefined> => undefined,
    makeBullmq: async () => assert.fail('no executor may be made'),
    queue: () => 'precond-lab',
    trusted: () => false,
    log: (l: string) => lines.push(l),
  };
  try {
    assert.deepEqual(await reattachSweeps(deps), []);
    assert.deepEqual(lines, [], 'Restricted Mode: not even a check');
    assert.deepEqual(await reattachSweeps({ ...deps, trusted: () => true }), []);
    assert.match(lines.pop()!, /fig1-cov-quick: submitted to BullMQ by an earlier window, but no Redis URL/);
    const url = async (): Promise<string | undefined> => 'redis://:s3cret@127.0.0.1:1';
    assert.deepEqual(await reattachSweeps({ ...deps, trusted: () => true, redisUrl: url }), []);
    assert.match(lines.pop()!, /on queue "elsewhere", not the setting's "precond-lab": not reattached/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('liveBullJobs: an unreachable Redis is one clear line without the password; reattachSweeps logs it', async () => {
  // a port nothing listens on: bound, then closed
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const { root, dir } = storeWithRecord();
  const url = `redis://:s3cret-pw@127.0.0.1:${port}`;
  try {
    await assert.rejects(liveBullJobs(url, dir), (e: Error) => {
      assert.match(e.message, new RegExp(`^cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
      assert.ok(!e.message.includes('s3cret-pw'));
      return true;
    });
    const lines: string[] = [];
    const started = await reattachSweeps({
      root,
      lab: noLab,
      redisUrl: async () => url,
      makeBullmq: async () => assert.fail('no executor may be made'),
      queue: () => 'precond-lab',
      trusted: () => true,
      log: (l) => lines.push(l),
    });
    assert.deepEqual(started, []);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /fig1-cov-quick: cannot reach Redis .*; not reattached/);
    assert.ok(!lines[0].includes('s3cret-pw'));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
