// The bullmq executor's Redis URL handling and redaction (src/sweep/executors/bullmqShared.ts): passwords and TLS
// reach the connection options, and no message built from a URL or an error shows the password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bullJobId, errorText, parseRedisUrl, redact } from '../../src/sweep/executors/bullmqShared';

test('a redis:// URL with a password: options carry it, the safe URL masks it', () => {
  const t = parseRedisUrl('redis://:s3cr%40t@cache.example:6380/2');
  assert.equal(t.options.host, 'cache.example');
  assert.equal(t.options.port, 6380);
  assert.equal(t.options.db, 2);
  assert.equal(t.options.password, 's3cr@t');
  assert.equal(t.options.tls, undefined);
  assert.equal(t.safeUrl, 'redis://:***@cache.example:6380/2');
  assert.ok(t.secrets.includes('s3cr@t') && t.secrets.includes('s3cr%40t'));
});

test('rediss:// turns TLS on with the host as server name; user names are kept', () => {
  const t = parseRedisUrl('rediss://lab:pw@redis.internal');
  assert.deepEqual(t.options.tls, { servername: 'redis.internal' });
  assert.equal(t.options.port, 6379);
  assert.equal(t.options.username, 'lab');
  assert.equal(t.safeUrl, 'rediss://lab:***@redis.internal');
});

test('bad URLs are refused with messages that never hold the password', () => {
  for (const [url, re] of [
    ['http://:hunter2@host:6379', /scheme must be redis/],
    ['redis://:hunter2@host:6379/x', /names database/],
    ['not a url :hunter2@', /does not parse/],
  ] as const) {
    assert.throws(
      () => parseRedisUrl(url),
      (e: Error) => re.test(e.message) && !e.message.includes('hunter2'),
    );
  }
});

test('redact and errorText mask every secret and any user:password@ in text', () => {
  const secrets = ['hunter2'];
  assert.equal(redact('WRONGPASS hunter2 at redis://u:other@h:1', secrets), 'WRONGPASS *** at redis://u:***@h:1');
  const e = Object.assign(new Error('connect ECONNREFUSED (pw hunter2)\n    at x (y.js:1:2)'), {
    code: 'ECONNREFUSED',
  });
  assert.equal(errorText(e, secrets), 'connect ECONNREFUSED (pw ***)');
});

test('job ids: the same runs and store give the same id; a generation, another store or other keys change it', () => {
  const runs = [
    { id: 'a', key: 'k1' },
    { id: 'b', key: 'k2' },
  ];
  const id = bullJobId('host:/store', runs, '');
  assert.equal(id, bullJobId('host:/store', runs, ''));
  assert.doesNotMatch(id, /:/); // BullMQ refuses ':' in custom ids
  assert.notEqual(id, bullJobId('host:/store', runs, 'g1'));
  assert.notEqual(id, bullJobId('host:/other', runs, ''));
  assert.notEqual(id, bullJobId('host:/store', [runs[0], { id: 'b', key: 'k3' }], ''));
});
