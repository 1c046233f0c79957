// Results written straight into the store, for tests that check reading (panels, Restricted Mode) without training.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A finished OOD experiment written straight into the store (no training: this checks the routing, not MNIST). */
export function writeOod(root: string, name: string): void {
  const dir = path.join(root, name);
  const grid = { optimizer: ['gd', 'adahessian'], p: [-1, 1], seed: [42] };
  // every run.json holds its settings (the store refuses one without: src/sweep/storeSchema.ts)
  const settings = { steps: 4, evalEvery: 2 };
  fs.mkdirSync(path.join(dir, 'runs'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'experiment.json'),
    JSON.stringify({ version: 1, name, kind: 'ood', grid, settings }),
  );
  const runs: [string, Record<string, unknown>, number][] = [
    ['gd_s42', { optimizer: 'gd', seed: 42 }, 0.8],
    ['adahessian_p-1_s42', { optimizer: 'adahessian', p: -1, seed: 42 }, 0.2],
    ['adahessian_p1_s42', { optimizer: 'adahessian', p: 1, seed: 42 }, 0.6],
  ];
  for (const [id, params, left] of runs) {
    const final = {
      trainLoss: 0.1,
      trainAcc: 1,
      valAcc: 0.97,
      oodLeftAcc: left,
      oodRightAcc: 1 - left,
      templateEnergyDelta: 1 - left,
      digitEnergyDelta: left,
      templateEnergy: 0.1,
      digitEnergy: 0.1,
    };
    fs.mkdirSync(path.join(dir, 'runs', id));
    fs.writeFileSync(
      path.join(dir, 'runs', id, 'run.json'),
      JSON.stringify({
        id,
        experiment: name,
        kind: 'ood',
        params,
        status: 'done',
        final,
        settings,
        engineVersion: '0.1.0',
        key: id,
        weightsKey: id,
      }),
    );
    const recs = [0, 2, 4].map((step) =>
      JSON.stringify({
        step,
        trainLoss: 2 - step / 3,
        valAcc: 0.1 + step / 5,
        oodLeftAcc: left * (step / 4),
        oodRightAcc: (1 - left) * (step / 4),
        diag: { templateEnergyDelta: step ? 1 - left : 0, digitEnergyDelta: step ? left : 0 },
      }),
    );
    fs.writeFileSync(path.join(dir, 'runs', id, 'metrics.jsonl'), recs.join('\n') + '\n');
  }
}
