// Identity of a run's result. `weightsKey` covers what determines the trained first network (so a transfer
// sweep can reuse a matching Experiment 1 run as its Task 1); `key` adds what determines the records.
import { createHash } from 'node:crypto';
import type { ExperimentConfig, RunParams } from '../shared/config';

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stable(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(stable(value)).digest('hex').slice(0, 16);
}

export function weightsKey(config: ExperimentConfig, params: RunParams, initHash?: string): string {
  const s = config.settings;
  return hashOf({
    params,
    init: initHash ?? 'drawn',
    training: [s.preconditioner, s.n, s.dx, s.trainFraction, s.scale, s.width, s.initScale, s.steps, s.lr, s.l2],
  });
}

export function runKey(config: ExperimentConfig, params: RunParams, initHash?: string): string {
  const s = config.settings;
  const extra = config.kind === 'transfer' ? [s.ridge, s.task2Snr, s.task2SeedOffset] : [];
  return hashOf({ kind: config.kind, w: weightsKey(config, params, initHash), records: [s.evalEvery, s.spectraEvery], extra });
}
