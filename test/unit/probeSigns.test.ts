// RandomState.fillSigns (the Rademacher probe's fast path in optim/hvp.ts) against the loop it replaces: the same
// signs and the same stream position afterwards, from every offset in the generator's 624-word block (odd offsets
// make a pair straddle a reload) and for lengths shorter and longer than a block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RandomState } from '../../src/lab/rng';
import { fillProbe } from '../../src/lab/optim/hvp';

test('fillSigns draws what random() < 0.5 would, and leaves the stream where the loop leaves it', () => {
  for (const skip of [0, 1, 2, 311, 622, 623, 624, 625, 1247]) {
    for (const length of [1, 2, 311, 312, 313, 1000, 5003]) {
      const a = new RandomState(7 + skip);
      const b = new RandomState(7 + skip);
      for (let s = 0; s < skip; s++) {
        a.uint32();
        b.uint32();
      }
      const fast = new Float32Array(length);
      a.fillSigns(fast);
      const slow = Float32Array.from({ length }, () => (b.random() < 0.5 ? -1 : 1));
      assert.deepEqual(fast, slow, `skip ${skip}, length ${length}`);
      assert.equal(a.uint32(), b.uint32(), `stream position after skip ${skip}, length ${length}`);
    }
  }
  // both signs, about equally often
  const z = new Float32Array(20000);
  fillProbe(z, 'rademacher', new RandomState(1));
  const plus = z.filter((v) => v === 1).length;
  assert.ok(plus > 9500 && plus < 10500 && plus + z.filter((v) => v === -1).length === z.length);
});
