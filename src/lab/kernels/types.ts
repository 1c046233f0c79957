// The hot loop of Experiments 1 and 3: M two-layer ReLU regressors (dx -> width -> 1) trained together on the
// same data, full batch, plain GD with a per-model diagonal preconditioner on the first layer. Inputs are given
// in Sigma's eigenbasis, so P = U diag(lambda^p) U^T acts as a diagonal scaling of each row of gW1.

/** Parameters of one model; W1 is width x dx row-major, W2 has width entries, b2 one. */
export interface MlpParams {
  W1: Float32Array;
  b1: Float32Array;
  W2: Float32Array;
  b2: Float32Array;
}

export interface RegressionData {
  dx: number;
  nTrain: number;
  nTest: number;
  /** nTrain x dx row-major */
  xTrain: Float32Array;
  yTrain: Float32Array;
  /** nTest x dx row-major */
  xTest: Float32Array;
  yTest: Float32Array;
}

export interface BatchSpec {
  width: number;
  lr: number;
  /** Coefficient c of the weight-only penalty 0.5 * c * (||W1||^2 + ||W2||^2); gradient c * W. */
  l2: number;
  /** One entry per model: the diagonal of P in the eigenbasis (length dx). */
  precond: Float32Array[];
  /** One entry per model: the initial parameters (copied). */
  init: MlpParams[];
}

/**
 * One step: loss = mean((f - y)^2) + penalty. gW1 <- gW1 * diag(precond) (penalty gradient included),
 * then theta <- theta - lr * g for all four tensors. Returns the train MSE (data term) of each model computed
 * before the update.
 */
export interface BatchedRegressor {
  readonly models: number;
  step(): Float64Array;
  /** Test MSE of each model at the current parameters. */
  testMSE(): Float64Array;
  /** Train MSE (data term) of each model at the current parameters. */
  trainMSE(): Float64Array;
  params(model: number): MlpParams;
  /** Replaces a model's parameters (used when another optimizer trains and the kernel only evaluates). */
  setParams(model: number, params: MlpParams): void;
  dispose(): void;
}

export type KernelName = 'simd' | 'js' | 'tfjs' | 'native';

export interface Kernel {
  readonly name: KernelName;
  create(data: RegressionData, spec: BatchSpec): BatchedRegressor;
}
