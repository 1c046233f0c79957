// Cost of one step of each optimizer of the suite, relative to GD, on both shapes the paper uses: the Experiment 1
// regressor (10 -> 500 -> 1, 200 samples, MSE) and the OOD classifier (784 -> 256 -> 10, 1200 samples, CE).
import { OPTIMIZER_NAMES, createOptimizer, type OptimizerName } from '../src/lab/optim';
import { initMlp2, Mlp2, mlp2Layout, type Mlp2Shape } from '../src/lab/models/mlp2';
import { RandomState } from '../src/lab/rng';
import { clock } from './benchUtil';

interface OptimShape {
  name: string;
  shape: Mlp2Shape;
  n: number;
  budgetMs: number;
}

const OPTIM_SHAPES: OptimShape[] = [
  { name: 'Exp1 10-500-1, n 200', shape: { inDim: 10, hidden: 500, outDim: 1, loss: 'mse' }, n: 200, budgetMs: 600 },
  {
    name: 'OOD 784-256-10, n 1200',
    shape: { inDim: 784, hidden: 256, outDim: 10, loss: 'ce' },
    n: 1200,
    budgetMs: 1500,
  },
];

/** Mean ms per step over at least two steps after one warm-up step (K-FAC's first step decomposes its factors). */
function timeOptimizer(kind: OptimizerName, s: OptimShape): number {
  const rng = new RandomState(3);
  const x = Float32Array.from({ length: s.n * s.shape.inDim }, () =>
    s.shape.loss === 'ce' ? Math.max(0, rng.normal()) : rng.normal(),
  );
  const targets =
    s.shape.loss === 'ce'
      ? { labels: Array.from({ length: s.n }, (_, i) => i % s.shape.outDim) }
      : { y: Float32Array.from({ length: s.n }, () => rng.normal()) };
  const objective = new Mlp2(s.shape, x, s.n, targets);
  const theta = new Float32Array(mlp2Layout(s.shape).size);
  initMlp2(s.shape, theta, () => rng.random(), { scheme: 'torch-default' });
  const opt = createOptimizer({ kind }, objective, rng);
  opt.step(theta);
  const elapsed = clock();
  let n = 0;
  do {
    opt.step(theta);
    n++;
  } while (n < 2 || elapsed() < s.budgetMs);
  return elapsed() / n;
}

export function optimizerTable(kinds: readonly OptimizerName[] = OPTIMIZER_NAMES): string {
  const lines = ['optimizer   ' + OPTIM_SHAPES.map((s) => s.name.padStart(30)).join('')];
  const times = OPTIM_SHAPES.map((s) => new Map(kinds.map((k) => [k, timeOptimizer(k, s)])));
  for (const k of kinds) {
    const cells = times.map((t) => `${t.get(k)!.toFixed(1)} ms (${(t.get(k)! / t.get('gd')!).toFixed(1)}x GD)`);
    lines.push(k.padEnd(12) + cells.map((c) => c.padStart(30)).join(''));
  }
  return lines.join('\n');
}
