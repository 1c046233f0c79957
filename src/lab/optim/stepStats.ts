// Step statistics: computed when read, and the spread (min, median, max) of a preconditioner's diagonal. The
// denominator spreads of AdaHessian, Adam and Sophia-H are an O(n) selection over every parameter (about 4 ms a step
// on the OOD network in TypeScript), while the experiments read a step's statistics only on their evaluation
// schedule (every 10th step in Figure 2). The statistics describe the optimizer's buffers after that step, so a read
// after the next step() throws instead of reporting another step.
import type { NativeAddon } from '../native/addon';
import type { StepInfo } from './types';
import { norm2, spread } from './vec';

/** info with `stats` computed by `compute` on first read (then kept); `current` says whether the step is the last. */
export function withLazyStats(
  info: Omit<StepInfo, 'stats'>,
  current: () => boolean,
  compute: () => Record<string, number>,
): StepInfo {
  let cached: Record<string, number> | undefined;
  return Object.defineProperty(info, 'stats', {
    enumerable: true,
    get(): Record<string, number> {
      if (cached) return cached;
      if (!current()) throw new Error('step statistics read after the next step: read them before stepping again');
      return (cached = compute());
    },
  }) as StepInfo;
}

/**
 * Adds `${prefix}Min`, `${prefix}Median` and `${prefix}Max` of values[offset .. offset + size) to stats: by the
 * native module's radix select when `addon` is given (values unchanged), else by vec.ts's quickselect on a copy in
 * scratch (scratch may be values itself when offset is 0 and reordering it is harmless). Both give the same values.
 */
export function addSpread(
  stats: Record<string, number>,
  prefix: string,
  values: Float64Array,
  offset: number,
  size: number,
  addon: NativeAddon | null,
  scratch: Float64Array,
): void {
  let s: { min: number; median: number; max: number };
  if (addon) {
    const out = new Float64Array(3);
    addon.spread(values, offset, size, out);
    s = { min: out[0], median: out[1], max: out[2] };
  } else {
    if (scratch !== values || offset !== 0) scratch.set(values.subarray(offset, offset + size));
    s = spread(scratch, size);
  }
  stats[`${prefix}Min`] = s.min;
  stats[`${prefix}Median`] = s.median;
  stats[`${prefix}Max`] = s.max;
}

/** ||g||_2 (StepInfo.gradNorm): summed in the native module when given (one partial sum per vector lane). */
export function gradNorm(g: Float32Array, addon: NativeAddon | null): number {
  return addon ? Math.sqrt(addon.sumSquares(g)) : norm2(g);
}
