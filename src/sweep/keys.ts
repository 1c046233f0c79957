// Identity of a run's result. `weightsKey` covers what determines the trained network (so a transfer sweep can
// reuse a matching Experiment 1 run as its Task 1); `key` adds what determines the records and the kind.
import { createHash } from 'node:crypto';
import type { ExperimentConfig, RunParams } from '../shared/config';

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(stable(value)).digest('hex').slice(0, 16);
}

/** Settings that change what is recorded or what happens after training, never the trained weights. */
const NOT_TRAINING = new Set(['evalEvery', 'spectraEvery', 'ridge', 'task2Snr', 'task2SeedOffset', 'task2Stream']);

/** The settings a run depends on: an OOD run only on its own optimizer's overrides, not the others'. */
function runSettings(config: ExperimentConfig, params: RunParams): Record<string, unknown> {
  if (config.kind !== 'ood') {
    // task2Stream enters only when it departs from its default, and the custom spectrum only in a run of case
    // custom (its teacher direction as the engine reads it, absent meaning 0), so runs stored before these
    // existed keep their keys, and a High or Low run's key does not depend on a spectrum it does not use
    const { task2Stream, spectrum, teacherDirection, ...rest } = config.settings;
    const custom =
      params.case === 'custom' ? { spectrum: spectrum ?? [], teacherDirection: teacherDirection ?? 0 } : {};
    return task2Stream === 'fresh' ? { ...rest, ...custom } : { ...rest, ...custom, task2Stream };
  }
  const { optim, ...rest } = config.settings;
  return { ...rest, optim: params.optimizer ? (optim[params.optimizer] ?? {}) : {} };
}

export function weightsKey(config: ExperimentConfig, params: RunParams, initHash?: string): string {
  const training = Object.fromEntries(
    Object.entries(runSettings(config, params)).filter(([k]) => !NOT_TRAINING.has(k)),
  );
  const family = config.kind === 'ood' ? 'classifier' : 'regressor';
  return hashOf({ family, params, init: initHash ?? 'drawn', training });
}

export function runKey(config: ExperimentConfig, params: RunParams, initHash?: string): string {
  return hashOf({ kind: config.kind, params, init: initHash ?? 'drawn', settings: runSettings(config, params) });
}
