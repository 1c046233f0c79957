// Experiment 2's dataset (src/lab/data/mnist.ts): the package's digits, template statistics, clamping, the flip
// map, disjoint seeded splits, the labels and templates of each setting, determinism; and hand-built models that
// read only the template (right ~100%, left ~0%) or only the digit (left high, right ~10%).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MNIST_DIGITS } from '../../src/shared/config';
import {
  buildOodData,
  flip,
  loadMnistDigits,
  MNIST_CLASSES,
  MNIST_DIM,
  noisyImages,
  type OodDataSpec,
} from '../../src/lab/data/mnist';
import { Mlp2, mlp2Layout } from '../../src/lab/models/mlp2';

const SPEC: OodDataSpec = { seed: 42, nTrain: 1200, nVal: 1200, pool: 0, templateScale: 0.1, randomLeftLabels: false };
const data = buildOodData(SPEC);
const digits = loadMnistDigits();

const sameArray = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
  a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

test('the package ships 10000 digits of 784 pixels in [0, 1], every class present; parsed once', () => {
  assert.equal(digits.n, MNIST_DIGITS);
  assert.equal(digits.images.length, MNIST_DIGITS * MNIST_DIM);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of digits.images) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  assert.deepEqual([lo, hi], [0, 1]);
  const counts = new Array(10).fill(0);
  for (const l of digits.labels) counts[l]++;
  assert.ok(
    counts.every((c) => c > 800 && c < 1200),
    `class counts ${counts}`,
  );
  assert.equal(loadMnistDigits(), digits);
});

test('templates are templateScale * N(0, 1) per pixel: mean ~0, std ~templateScale, independent across classes', () => {
  const t = data.templates;
  assert.equal(t.length, MNIST_CLASSES * MNIST_DIM);
  let s = 0;
  let ss = 0;
  for (const v of t) {
    s += v;
    ss += v * v;
  }
  const mean = s / t.length;
  const std = Math.sqrt(ss / t.length - mean * mean);
  assert.ok(Math.abs(mean) < (4 * 0.1) / Math.sqrt(t.length), `mean ${mean}`);
  assert.ok(Math.abs(std - 0.1) < 0.004, `std ${std}`);
  // per class too, and nearly orthogonal pairs (correlation ~ N(0, 1/784))
  for (let c = 0; c < 10; c++) {
    let sc = 0;
    for (let k = 0; k < MNIST_DIM; k++) sc += t[c * MNIST_DIM + k] ** 2;
    assert.ok(Math.abs(Math.sqrt(sc / MNIST_DIM) - 0.1) < 0.01, `class ${c} std`);
  }
  let dot = 0;
  let n0 = 0;
  let n1 = 0;
  for (let k = 0; k < MNIST_DIM; k++) {
    dot += t[k] * t[MNIST_DIM + k];
    n0 += t[k] ** 2;
    n1 += t[MNIST_DIM + k] ** 2;
  }
  assert.ok(Math.abs(dot / Math.sqrt(n0 * n1)) < 0.15);
  // another scale scales the same draws
  const twice = buildOodData({ ...SPEC, templateScale: 0.2, pool: 10 });
  for (let i = 0; i < 50; i++) assert.ok(Math.abs(twice.templates[i] - 2 * t[i]) < 1e-6);
});

test('noisy images are clamp(image + template, 0, 1): in [0, 1], exact, and the clamp is active on both sides', () => {
  for (const split of [data.train, data.val, data.left, data.right]) {
    for (const v of split.x) assert.ok(v >= 0 && v <= 1);
  }
  const { x, source, keys } = data.train;
  let atZero = 0;
  let atOne = 0;
  for (let i = 0; i < 50; i++) {
    for (let k = 0; k < MNIST_DIM; k++) {
      const raw = digits.images[source[i] * MNIST_DIM + k] + data.templates[keys[i] * MNIST_DIM + k];
      const want = Math.min(1, Math.max(0, raw));
      assert.ok(Math.abs(x[i * MNIST_DIM + k] - want) < 1e-7);
      if (raw < 0) atZero++;
      if (raw > 1) atOne++;
    }
  }
  assert.ok(atZero > 1000 && atOne > 100, `clamped low ${atZero}, high ${atOne}`);
  // noisyImages on its own
  const one = noisyImages(digits, [source[0]], [3], data.templates);
  for (let k = 0; k < MNIST_DIM; k++) {
    const want = Math.min(1, Math.max(0, digits.images[source[0] * MNIST_DIM + k] + data.templates[3 * MNIST_DIM + k]));
    assert.ok(Math.abs(one[k] - want) < 1e-7);
  }
});

test('the flip map pairs (0,1), (2,3), (4,5), (6,7), (8,9)', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(flip), [1, 0, 3, 2, 5, 4, 7, 6, 9, 8]);
  for (let c = 0; c < 10; c++) {
    assert.equal(flip(flip(c)), c);
    assert.notEqual(flip(c), c);
  }
});

test('splits are disjoint, sized as asked, and cover every digit; both OOD settings use the same pool', () => {
  assert.deepEqual([data.train.n, data.val.n, data.left.n, data.right.n], [1200, 1200, 7600, 7600]);
  const seen = new Set<number>();
  for (const s of [data.train.source, data.val.source, data.left.source]) for (const i of s) seen.add(i);
  assert.equal(seen.size, MNIST_DIGITS);
  assert.ok(sameArray(data.left.source, data.right.source));
  assert.ok(sameArray(data.left.digits, data.right.digits));
  // a smaller pool is the first part of the full one; train and validation are unchanged
  const small = buildOodData({ ...SPEC, pool: 500 });
  assert.equal(small.left.n, 500);
  assert.ok(sameArray(small.left.source, data.left.source.subarray(0, 500)));
  assert.ok(sameArray(small.train.source, data.train.source) && sameArray(small.val.source, data.val.source));
  // the splits are shuffled: every class appears in train
  const counts = new Array(10).fill(0);
  for (const d of data.train.digits) counts[d]++;
  assert.ok(
    counts.every((c) => c > 80),
    `train classes ${counts}`,
  );
});

test('labels and templates of each split: ID true/true, left true/flip, right random/matching', () => {
  for (const s of [data.train, data.val]) {
    assert.ok(sameArray(s.labels, s.digits) && sameArray(s.keys, s.labels));
  }
  assert.ok(sameArray(data.left.labels, data.left.digits));
  assert.ok(sameArray(data.left.keys, Array.from(data.left.labels, flip)));
  const r = data.right;
  assert.ok(sameArray(r.keys, r.labels));
  const counts = new Array(10).fill(0);
  let agree = 0;
  for (let i = 0; i < r.n; i++) {
    counts[r.labels[i]]++;
    if (r.labels[i] === r.digits[i]) agree++;
  }
  // uniform labels: each class 760 +- 4 sd (sd ~26); independent of the digit: agreement ~10%
  assert.ok(
    counts.every((c) => Math.abs(c - 760) < 110),
    `right label counts ${counts}`,
  );
  assert.ok(Math.abs(agree / r.n - 0.1) < 0.02, `right labels equal the digit ${agree / r.n}`);
});

test("the reference's random-left variant: random labels with their flip partner's template; nothing else changes", () => {
  const v = buildOodData({ ...SPEC, randomLeftLabels: true });
  assert.ok(sameArray(v.left.keys, Array.from(v.left.labels, flip)));
  let agree = 0;
  for (let i = 0; i < v.left.n; i++) if (v.left.labels[i] === v.left.digits[i]) agree++;
  assert.ok(Math.abs(agree / v.left.n - 0.1) < 0.02);
  assert.ok(!sameArray(v.left.labels, v.right.labels));
  assert.ok(
    sameArray(v.right.labels, data.right.labels) &&
      sameArray(v.train.x, data.train.x) &&
      sameArray(v.templates, data.templates),
  );
  assert.ok(sameArray(v.left.source, data.left.source));
});

test('a seed determines everything; another seed changes templates, splits and labels', () => {
  const again = buildOodData(SPEC);
  for (const k of ['train', 'val', 'left', 'right'] as const) {
    assert.ok(
      sameArray(again[k].x, data[k].x) &&
        sameArray(again[k].labels, data[k].labels) &&
        sameArray(again[k].source, data[k].source),
    );
  }
  assert.ok(sameArray(again.templates, data.templates) && sameArray(again.cleanTrain, data.cleanTrain));
  const other = buildOodData({ ...SPEC, seed: 43 });
  assert.ok(!sameArray(other.templates, data.templates));
  assert.ok(!sameArray(other.train.source, data.train.source));
  assert.ok(!sameArray(other.right.labels, data.right.labels));
});

test('bad sizes are refused with the reason', () => {
  assert.throws(() => buildOodData({ ...SPEC, nTrain: 5000, nVal: 5000 }), /leaves no OOD pool/);
  assert.throws(() => buildOodData({ ...SPEC, pool: 7601 }), /pool 7601 exceeds the 7600/);
});

/** A 784-10-10 network whose hidden unit c is relu(w_c . x + b_c) and whose output layer is the identity. */
function handBuilt(rows: Float64Array, bias: Float64Array): Float32Array {
  const shape = { inDim: MNIST_DIM, hidden: 10, outDim: 10, loss: 'ce' as const };
  const theta = new Float32Array(mlp2Layout(shape).size);
  theta.set(Float32Array.from(rows), 0);
  theta.set(Float32Array.from(bias), 10 * MNIST_DIM);
  const w2 = 10 * MNIST_DIM + 10;
  for (let c = 0; c < 10; c++) theta[w2 + c * 10 + c] = 1;
  return theta;
}

const accuracy = (theta: Float32Array, s: { x: Float32Array; n: number; labels: Int32Array }): number =>
  new Mlp2({ inDim: MNIST_DIM, hidden: 10, outDim: 10, loss: 'ce' }, s.x, s.n, { labels: s.labels }).accuracy(theta);

test('a model that reads only the template scores ~100% right and ~0% left', () => {
  // unit c is a matched filter T_c . x over the pixels no training digit touches, where x = max(T_key, 0)
  const blank = new Array(MNIST_DIM).fill(true);
  for (let i = 0; i < data.train.n; i++)
    for (let k = 0; k < MNIST_DIM; k++) if (data.cleanTrain[i * MNIST_DIM + k] > 0) blank[k] = false;
  const rows = new Float64Array(10 * MNIST_DIM);
  for (let c = 0; c < 10; c++)
    for (let k = 0; k < MNIST_DIM; k++) if (blank[k]) rows[c * MNIST_DIM + k] = data.templates[c * MNIST_DIM + k];
  const theta = handBuilt(rows, new Float64Array(10).fill(5)); // +5 keeps every unit on the active side of the ReLU
  const right = accuracy(theta, data.right);
  const left = accuracy(theta, data.left);
  const id = accuracy(theta, data.val);
  assert.ok(blank.filter(Boolean).length > 50);
  assert.ok(right > 0.97, `right ${right}`);
  assert.ok(left < 0.03, `left ${left}`);
  assert.ok(id > 0.97, `ID ${id}`);
});

test('a model that reads only the digit (nearest clean class mean) scores high left and ~10% right', () => {
  const rows = new Float64Array(10 * MNIST_DIM);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < data.train.n; i++) {
    const c = data.train.digits[i];
    counts[c]++;
    for (let k = 0; k < MNIST_DIM; k++) rows[c * MNIST_DIM + k] += data.cleanTrain[i * MNIST_DIM + k];
  }
  const bias = new Float64Array(10);
  for (let c = 0; c < 10; c++) {
    let sq = 0;
    for (let k = 0; k < MNIST_DIM; k++) {
      rows[c * MNIST_DIM + k] /= counts[c];
      sq += rows[c * MNIST_DIM + k] ** 2;
    }
    bias[c] = 50 - 0.5 * sq; // argmax of mu_c . x - |mu_c|^2 / 2: the nearest class mean
  }
  const theta = handBuilt(rows, bias);
  const left = accuracy(theta, data.left);
  const right = accuracy(theta, data.right);
  assert.ok(left > 0.6, `left ${left}`);
  assert.ok(Math.abs(right - 0.1) < 0.03, `right ${right}`);
});
