// Experiments 1 and 3 with AdaHessian instead of exact covariance (paper Figure 1c-d, 3c-d): every parameter is
// updated by AdaHessian with Hessian power k = -p, decoupled weight decay and no L2 term in the loss. Training
// uses exact HVPs (WebAssembly SIMD passes, or the optimizer suite's TypeScript ones); the test MSE on all test
// points goes through the fast kernel, which is handed each model's current parameters before an evaluation.
import type { Settings } from '../../shared/config';
import type { BatchedRegressor, Kernel, MlpParams, RegressionData } from '../kernels/types';
import { Mlp2 } from '../models/mlp2';
import { simdRegressionObjective } from '../models/simdRegression';
import { createOptimizer } from '../optim';
import type { Optimizer, StepInfo } from '../optim/types';
import { RandomState, deriveSeed } from '../rng';
import type { Stepper } from './stepper';

function flatten(p: MlpParams): Float32Array {
  const theta = new Float32Array(p.W1.length + p.b1.length + p.W2.length + p.b2.length);
  theta.set(p.W1, 0);
  theta.set(p.b1, p.W1.length);
  theta.set(p.W2, p.W1.length + p.b1.length);
  theta.set(p.b2, p.W1.length + p.b1.length + p.W2.length);
  return theta;
}

function unflatten(theta: Float32Array, width: number, dx: number): MlpParams {
  const a = width * dx;
  return {
    W1: theta.slice(0, a),
    b1: theta.slice(a, a + width),
    W2: theta.slice(a + width, a + 2 * width),
    b2: theta.slice(a + 2 * width, a + 2 * width + 1),
  };
}

export function adahessianStepper(
  settings: Settings,
  seed: number,
  ps: number[],
  inits: MlpParams[],
  data: RegressionData,
  kernel: Kernel,
): Stepper {
  const { width, dx } = settings;
  // the SIMD objective where the backend is WebAssembly (much faster), else the plain-TypeScript passes
  const objective =
    (kernel.name === 'simd' ? simdRegressionObjective(data.xTrain, data.nTrain, data.yTrain, dx, width) : undefined) ??
    new Mlp2({ inDim: dx, hidden: width, outDim: 1, loss: 'mse' }, data.xTrain, data.nTrain, { y: data.yTrain });
  const thetas = inits.map(flatten);
  const optimizers: Optimizer[] = ps.map((p, m) =>
    createOptimizer(
      {
        kind: 'adahessian',
        lr: settings.lr,
        hessianPower: -p,
        weightDecay: settings.weightDecay,
        probe: settings.probe,
      },
      objective,
      new RandomState(deriveSeed(seed, 100 + m)),
    ),
  );
  // the kernel only evaluates: zero learning rate, its own copy of the parameters refreshed before each use
  const evaluator: BatchedRegressor = kernel.create(data, {
    width,
    lr: 0,
    l2: 0,
    precond: ps.map(() => new Float32Array(dx).fill(1)),
    init: inits,
  });
  // the last step's info per model; its statistics are computed when diag() reads them, before the next step
  const last: (StepInfo | undefined)[] = ps.map(() => undefined);
  const sync = (): void => thetas.forEach((t, m) => evaluator.setParams(m, unflatten(t, width, dx)));
  return {
    step(live) {
      return Float64Array.from(optimizers, (opt, m) => {
        if (!live[m]) return NaN;
        const info = opt.step(thetas[m]);
        last[m] = info;
        return info.loss;
      });
    },
    testMSE() {
      sync();
      return evaluator.testMSE();
    },
    trainMSE() {
      sync();
      return evaluator.trainMSE();
    },
    params: (m) => unflatten(thetas[m], width, dx),
    diag: (m) => {
      const info = last[m];
      return info ? { updateNorm: info.updateNorm, gradNorm: info.gradNorm, ...info.stats } : {};
    },
    dispose: () => evaluator.dispose(),
  };
}
