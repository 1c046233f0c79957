// The regression MLP of Experiments 1 and 3 (dx -> width -> 1, ReLU, biases on both): initialisation and a
// float64 forward pass for the places that need one outside the training kernels (ridge head, checks).
import type { MlpParams } from '../kernels/types';
import type { ParamsJson } from '../../shared/records';
export type { ParamsJson } from '../../shared/records';
import { RandomState, deriveSeed } from '../rng';

/**
 * Kaiming-uniform for ReLU (U(-b, b), b = sqrt(6 / fan_in)) times `scale`, biases 0, drawn W1 then W2 from a
 * MT19937 stream derived from the run seed (so it is independent of the data stream of the same seed).
 */
export function initRegressor(seed: number, dx: number, width: number, scale: number): MlpParams {
  const rng = new RandomState(deriveSeed(seed, 1));
  const W1 = new Float32Array(width * dx);
  const b1w = Math.sqrt(6 / dx) * scale;
  for (let i = 0; i < W1.length; i++) W1[i] = (2 * rng.random() - 1) * b1w;
  const W2 = new Float32Array(width);
  const b2w = Math.sqrt(6 / width) * scale;
  for (let i = 0; i < W2.length; i++) W2[i] = (2 * rng.random() - 1) * b2w;
  return { W1, b1: new Float32Array(width), W2, b2: new Float32Array(1) };
}

/** Hidden features relu(X W1^T + b1), n x width, float64. */
export function hiddenFeatures(p: MlpParams, x: ArrayLike<number>, n: number, dx: number): Float64Array {
  const width = p.b1.length;
  const h = new Float64Array(n * width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) {
      let z = p.b1[j];
      for (let k = 0; k < dx; k++) z += p.W1[j * dx + k] * x[i * dx + k];
      h[i * width + j] = z > 0 ? z : 0;
    }
  }
  return h;
}

/** The interchange format of `--init` and weights.json: nested arrays in PyTorch's shapes. */
export function paramsToJson(p: MlpParams, dx: number): ParamsJson {
  const width = p.b1.length;
  const W1: number[][] = [];
  for (let j = 0; j < width; j++) W1.push(Array.from(p.W1.subarray(j * dx, (j + 1) * dx)));
  return { W1, b1: Array.from(p.b1), W2: [Array.from(p.W2)], b2: Array.from(p.b2) };
}

export function paramsFromJson(raw: unknown, dx: number, width: number, source = 'weights'): MlpParams {
  const fail = (msg: string): never => {
    throw new Error(
      `${source}: ${msg} (expected W1 ${width}x${dx}, b1 ${width}, W2 1x${width}, b2 1, as nested arrays)`,
    );
  };
  const o = raw as Partial<Record<keyof ParamsJson, unknown>>;
  if (typeof o !== 'object' || o === null) fail('not a JSON object');
  const flat = (v: unknown, name: string, rows: number, cols: number | undefined): Float32Array => {
    if (!Array.isArray(v) || v.length !== rows) return fail(`${name} must have ${rows} rows`);
    const vals =
      cols === undefined
        ? v
        : v.flatMap((r, i) =>
            Array.isArray(r) && r.length === cols ? r : fail(`${name}[${i}] must have ${cols} entries`),
          );
    const out = Float32Array.from(vals as number[]);
    if (vals.some((x) => typeof x !== 'number' || !Number.isFinite(x))) fail(`${name} must hold finite numbers`);
    return out;
  };
  const W2raw = Array.isArray(o.W2) && o.W2.length === 1 && Array.isArray(o.W2[0]) ? o.W2[0] : o.W2;
  return {
    W1: flat(o.W1, 'W1', width, dx),
    b1: flat(o.b1, 'b1', width, undefined),
    W2: flat(W2raw, 'W2', width, undefined),
    b2: flat(o.b2, 'b2', 1, undefined),
  };
}
