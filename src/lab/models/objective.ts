// The contract between the models (the lab's two-layer MLPs) and the optimizers. Parameters live in one flat
// Float32Array laid out as named tensors, so element-wise optimizers run one loop over everything and
// Hessian-vector products act on all parameters jointly, as the paper's optimizers do.

export interface TensorSpec {
  readonly name: string;
  /** Row-major, PyTorch order: a Linear weight is [out, in]. */
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

export interface ParamLayout {
  readonly tensors: readonly TensorSpec[];
  /** Total number of parameters (length of the flat vector). */
  readonly size: number;
}

/** A differentiable loss of the flat parameters. Implementations keep no reference to theta between calls. */
export interface Objective {
  readonly layout: ParamLayout;
  /** Loss at theta; writes dL/dtheta into grad (same layout). */
  lossGrad(theta: Float32Array, grad: Float32Array): number;
}

/** An objective that also gives exact Hessian-vector products of the same loss. */
export interface HvpObjective extends Objective {
  /** Loss, gradient and H v at theta in one pass (cheaper than two calls). */
  lossGradHvp(theta: Float32Array, v: Float32Array, grad: Float32Array, hv: Float32Array): number;
}

/** A fully connected layer y = W a + b inside an objective, as K-FAC sees it. */
export interface LinearLayer {
  readonly inDim: number;
  readonly outDim: number;
  /** Offset of W ([outDim, inDim], row-major) in the flat parameter vector. */
  readonly weightOffset: number;
  /** Offset of b ([outDim]). */
  readonly biasOffset: number;
}

/** An objective whose last lossGrad call exposes the per-layer statistics K-FAC needs. */
export interface LayeredObjective extends Objective {
  readonly layers: readonly LinearLayer[];
  /** Batch size of the loss (the loss is a mean over it). */
  readonly batch: number;
  /**
   * sum_b a~_b a~_b^T over the batch of the last evaluation, with a~ = [a; 1] the layer input with the bias
   * column appended: (inDim + 1)^2 entries written to out, row-major.
   */
  inputMoment(layer: number, out: Float64Array): void;
  /** sum_b delta_b delta_b^T with delta_b = d(mean loss)/d(layer output of sample b): outDim^2 entries. */
  outputGradMoment(layer: number, out: Float64Array): void;
  /** 'native' when the passes run on the native module; K-FAC then does its float64 algebra there too. */
  readonly kernel?: 'js' | 'tfjs-wasm' | 'native';
}

export function makeLayout(specs: readonly { name: string; shape: readonly number[] }[]): ParamLayout {
  let offset = 0;
  const tensors = specs.map(({ name, shape }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const spec: TensorSpec = { name, shape: [...shape], offset, size };
    offset += size;
    return spec;
  });
  return { tensors, size: offset };
}

/** How the first layer's two big products are computed (firstLayer.ts picks and builds them). */
export type FirstLayerMode = 'auto' | 'sparse' | 'dense' | 'wasm' | 'native';

export interface FirstLayer {
  readonly mode: 'sparse' | 'dense';
  /** Who computes the products: the float64 JS kernels, or tfjs' wasm backend. */
  readonly kernel?: 'js' | 'tfjs-wasm' | 'native';
  /** zT (h x n) = W X^T + b, with W [h, d] at offset 0 and b at bOffset of p. */
  forward(p: Float32Array, bOffset: number, zT: Float64Array): void;
  /** out[j, :] = sum_b coefT[j, b] x[b, :] into offset 0 of out (W's slot); a second set is fused when given. */
  weightGrad(coefT: Float64Array, out: Float32Array, coef2T: Float64Array | null, out2: Float32Array | null): void;
  /** sum_b [x_b; 1][x_b; 1]^T, (d + 1)^2 row-major; X is fixed, so this is computed once. */
  moment(): Float64Array;
}
