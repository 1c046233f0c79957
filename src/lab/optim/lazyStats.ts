// Step statistics computed when read. The denominator spreads of AdaHessian, Adam and Sophia-H are an O(n)
// selection over every parameter (about 4 ms a step on the OOD network), while the experiments read a step's
// statistics only on their evaluation schedule (every 10th step in Figure 2). The statistics describe the
// optimizer's buffers after that step, so a read after the next step() throws instead of reporting another step.
import type { StepInfo } from './types';

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
