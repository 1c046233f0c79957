import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RandomState } from '../../src/lab/rng';

// Values produced by numpy 1.x (legacy RandomState); copied from the team's shared fixtures.
const fx = JSON.parse(readFileSync(path.resolve(__dirname, '../../../test/fixtures/numpy-legacy-rng.json'), 'utf8'));

test('randn matches numpy legacy gauss for seed 42, bit for bit', () => {
  const r = new RandomState(42);
  assert.deepEqual(Array.from(r.randn(12)), fx.randn_first_12);
});

test('rand matches numpy random_sample for seed 42', () => {
  const r = new RandomState(42);
  assert.deepEqual(Array.from(r.rand(6)), fx.rand_first_6);
});

test('permutation matches numpy for seed 42 (n=10) and seed 7 (n=20)', () => {
  assert.deepEqual(Array.from(new RandomState(42).permutation(10)), fx.permutation_10);
  assert.deepEqual(Array.from(new RandomState(7).permutation(20)), fx.seed7_permutation_20);
});

test('seed range is checked', () => {
  assert.throws(() => new RandomState(-1), /seed must be an integer/);
  assert.throws(() => new RandomState(1.5), /seed must be an integer/);
});

test('interval stays in range and covers it', () => {
  const r = new RandomState(1);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const v = r.interval(6);
    assert.ok(v >= 0 && v <= 6);
    seen.add(v);
  }
  assert.equal(seen.size, 7);
});
