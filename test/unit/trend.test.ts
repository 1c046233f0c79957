// The quick Figure 1 presets (exact covariance and AdaHessian with k = -p) show the paper's direction: in Case High
// the final test MSE falls as p rises, in Case Low it rises. Runs each preset exactly as
// `precond-lab run <preset> --quick` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findPreset } from '../../src/shared/presets';
import { RunManager } from '../../src/sweep/runManager';

for (const preset of ['fig1-cov-quick', 'fig1-adahessian-quick'])
  test(`${preset}: Case High favours large p, Case Low small p`, async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-trend-'));
    const config = findPreset(preset)!.config;
    const summary = await new RunManager({
      runnerPath: path.resolve(__dirname, '../../runner.js'),
      workers: 2,
    }).runSweep(config, root);
    const mse = (c: string, p: number): number => {
      const r = summary.runs.find((x) => x.params.case === c && x.params.p === p)!;
      assert.equal(r.status, 'done', r.id);
      return r.final.testMSE;
    };
    const ps = [...config.grid.p].sort((a, b) => a - b);
    for (let i = 1; i < ps.length; i++) {
      assert.ok(mse('high', ps[i]) < mse('high', ps[i - 1]), `High: p=${ps[i]} should beat p=${ps[i - 1]}`);
      assert.ok(mse('low', ps[i]) > mse('low', ps[i - 1]), `Low: p=${ps[i]} should lose to p=${ps[i - 1]}`);
    }
  });
