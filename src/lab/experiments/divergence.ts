// When a run has diverged: one rule for every experiment kind (regression and transfer MSEs, OOD cross-entropy),
// applied from step 0 on. A loss diverges when it is
//   - not finite (NaN or +-Infinity), or
//   - above DIVERGENCE_ABSOLUTE_BOUND, or
//   - above DIVERGENCE_GROWTH_FACTOR times the same loss at step 0 (when that was finite and positive).
// Step 0 is checked too: `--init` weights of 1e30 give a train MSE of ~1e59 before any update.
// The record that shows a divergence is still written, holding its finite values only: JSON has no NaN or
// Infinity (JSON.stringify would write null), so a non-finite value is left out of the record and named in the
// run's reason instead ("diverged at step 0: test MSE is Infinity").

/** No loss of these experiments comes near this on data scaled as they scale it (losses start at O(1)). */
export const DIVERGENCE_ABSOLUTE_BOUND = 1e12;
/** A loss this many times its step-0 value is a blow-up, not slow training. */
export const DIVERGENCE_GROWTH_FACTOR = 1e6;

/** 4 significant digits, exponent form when large or small: 2.2e+6, 1e+12, 0.995 */
const show = (v: number): string => {
  if (!Number.isFinite(v)) return String(v);
  const r = Number(v.toPrecision(4));
  return r !== 0 && (Math.abs(r) >= 1e6 || Math.abs(r) < 1e-3) ? r.toExponential() : String(r);
};

/** Why `value` (the loss named `label`) counts as diverged, or undefined; `start` is its step-0 value, if known. */
export function lossDivergence(label: string, value: number, start?: number): string | undefined {
  if (!Number.isFinite(value)) return `${label} is ${value}`;
  if (value > DIVERGENCE_ABSOLUTE_BOUND)
    return `${label} ${show(value)} is above the bound ${show(DIVERGENCE_ABSOLUTE_BOUND)}`;
  if (start !== undefined && Number.isFinite(start) && start > 0 && value > DIVERGENCE_GROWTH_FACTOR * start) {
    return `${label} ${show(value)} is above ${show(DIVERGENCE_GROWTH_FACTOR)} times its step-0 value ${show(start)}`;
  }
  return undefined;
}

/**
 * The divergence check of one run: feed it each step's losses, step 0 first (which also sets the baselines the
 * growth bound compares with). Returns the run's reason the first time a loss diverges.
 */
export class DivergenceCheck {
  private readonly start = new Map<string, number>();

  /** `losses` as [label, value]; a value left undefined was not computed at this step. */
  check(step: number, losses: readonly (readonly [string, number | undefined])[]): string | undefined {
    for (const [label, value] of losses) {
      if (value === undefined) continue;
      if (step === 0 && !this.start.has(label)) this.start.set(label, value);
      const why = lossDivergence(label, value, step === 0 ? undefined : this.start.get(label));
      if (why) return `diverged at step ${step}: ${why}`;
    }
    return undefined;
  }
}

/** The record that shows a divergence, as written to metrics.jsonl: its non-finite numbers left out (see above). */
export function finiteRecord<T extends object>(rec: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) out[k] = v;
    } else out[k] = v;
  }
  return out as T;
}
