// The final numbers of the quick regression presets and a short run of every OOD optimizer, pinned bit for bit on
// the WebAssembly backend. test/fixtures/quick-pins.json was computed once, on commit 1521cf0 (before the
// consolidation of issue 10), by the commands it lists; a refactor that changes any number fails here. The pins are
// kernel-specific: on a machine whose wasm kernel differs (no relaxed SIMD), the test says so instead of comparing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Pins {
  commit: string;
  command: string[];
  runs: Record<string, { kernel: string; final: Record<string, number>; records: number; metricsSha256: string }>;
}

const cli = path.resolve(__dirname, '../../cli.js');
const pins = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/quick-pins.json'), 'utf8'),
) as Pins;

test('quick presets and short OOD runs reproduce the pinned final numbers bit for bit (wasm backend)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-pins-'));
  try {
    for (const command of pins.command) {
      // the numbers do not depend on how many workers train the jobs: two here, for speed
      const args = command
        .split(' ')
        .slice(2)
        .map((a, i, all) => (a === 'OUT' ? out : all[i - 1] === '--workers' ? '2' : a));
      const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${command}\n${r.stderr}`);
    }
    const seen: string[] = [];
    for (const experiment of fs.readdirSync(out).sort()) {
      const runs = path.join(out, experiment, 'runs');
      for (const id of fs.readdirSync(runs).sort()) {
        const key = `${experiment}/${id}`;
        seen.push(key);
        const pin = pins.runs[key];
        assert.ok(pin, `${key} is not in the fixture`);
        const run = JSON.parse(fs.readFileSync(path.join(runs, id, 'run.json'), 'utf8'));
        if (run.kernel !== pin.kernel) {
          assert.fail(`${key} ran on kernel "${run.kernel}"; the pins are for "${pin.kernel}" (commit ${pins.commit})`);
        }
        // timings (trainSeconds, evalSeconds) are the only final values that may differ
        const final = Object.fromEntries(
          Object.entries(run.final as Record<string, number>).filter(([k]) => !k.endsWith('Seconds')),
        );
        assert.deepEqual(final, pin.final, `${key}: final metrics differ from commit ${pins.commit}`);
        const metrics = fs.readFileSync(path.join(runs, id, 'metrics.jsonl'));
        assert.equal(metrics.toString().split('\n').filter(Boolean).length, pin.records, `${key}: record count`);
        assert.equal(
          createHash('sha256').update(metrics).digest('hex'),
          pin.metricsSha256,
          `${key}: metrics.jsonl differs`,
        );
      }
    }
    assert.deepEqual(seen, Object.keys(pins.runs).sort());
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
