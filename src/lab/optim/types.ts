// Contracts shared by the objectives (the lab's two-layer MLPs) and the optimizers. Parameters live in one flat
// Float32Array; named tensors are views into it, so element-wise optimizers run one loop over everything and
// Hessian-vector products act on all parameters jointly, as the paper's optimizers do.

/** Seeded randomness. The lab's numpy-compatible MT19937 (src/lab/rng.ts) satisfies it. */
export interface Rng {
  /** Uniform in [0, 1). */
  random(): number;
  /** Standard normal. */
  normal(): number;
}

/** Hutchinson probe distribution: random signs, standard normals, or the constant vector -1 (see hvp.ts). */
export type ProbeKind = 'rademacher' | 'gaussian' | 'constant';

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

export interface NamedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** A view into the flat parameter vector: writes go through. */
  readonly data: Float32Array;
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
}

/** What one optimizer step reports. Losses and norms are at the parameters before the step. */
export interface StepInfo {
  /** Objective value at the start of the step (as the objective defines it; see each optimizer for penalties). */
  loss: number;
  /** ||g||_2 of the objective's gradient at the start of the step. */
  gradNorm: number;
  /** ||theta_after - theta_before||_2. */
  updateNorm: number;
  /** Objective evaluations this step used (SAM 2, L-BFGS up to maxIter). */
  evals: number;
  /** Optimizer-specific statistics, e.g. AdaHessian's denominator spread (denomMin, denomMedian, denomMax). */
  stats: Record<string, number>;
}

export interface Optimizer {
  readonly name: string;
  /** Steps taken so far. */
  readonly steps: number;
  /** One update of theta, in place. */
  step(theta: Float32Array): StepInfo;
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

/** Named views of a flat vector with the given layout. */
export function viewTensors(layout: ParamLayout, flat: Float32Array): NamedTensor[] {
  if (flat.length !== layout.size) throw new Error(`expected ${layout.size} parameters, got ${flat.length}`);
  return layout.tensors.map((t) => ({ name: t.name, shape: t.shape, data: flat.subarray(t.offset, t.offset + t.size) }));
}

export function tensorSpec(layout: ParamLayout, name: string): TensorSpec {
  const t = layout.tensors.find((s) => s.name === name);
  if (!t) throw new Error(`no tensor named ${name}`);
  return t;
}
