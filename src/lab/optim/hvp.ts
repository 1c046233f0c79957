// Hutchinson estimates of the Hessian diagonal from exact Hessian-vector products: E[z * (H z)] = diag(H) when
// the probe z has independent zero-mean unit-variance entries. 'constant' is z = -1 everywhere, which the paper's
// reference code ends up using through a bug in its optimizer library (torch.randint_like(p, 0, 1) is always 0,
// so 2 * 0 - 1 = -1): then z * (H z) = H 1, the Hessian's row sums, and nothing is random.

import type { HvpObjective } from '../models/objective';
import type { NativeAddon } from '../native/addon';
import { RandomState } from '../rng';
import type { ProbeKind, Rng } from './types';

/** With `addon` (the native module), the lab's RandomState draws the signs there: the same draws, no JS loop. */
export function fillProbe(z: Float32Array, kind: ProbeKind, rng: Rng, addon?: NativeAddon | null): void {
  switch (kind) {
    case 'rademacher':
      if (addon && rng instanceof RandomState) return rng.fillSignsBy(z, (mt, mti, out) => addon.mtSigns(mt, mti, out));
      if (rng.fillSigns) return rng.fillSigns(z); // the same draws as the loop below, without its float arithmetic
      for (let i = 0; i < z.length; i++) z[i] = rng.random() < 0.5 ? -1 : 1;
      return;
    case 'gaussian':
      for (let i = 0; i < z.length; i++) z[i] = rng.normal();
      return;
    case 'constant':
      z.fill(-1);
      return;
  }
}

export interface HutchinsonResult {
  loss: number;
  /** Mean over probes of z * (H z): the diagonal estimate. */
  diagonal: Float64Array;
}

/** Averages z * (H z) over `probes` probes at theta; the gradient of the last pass is left in `grad` if given. */
export function hutchinsonDiagonal(
  objective: HvpObjective,
  theta: Float32Array,
  kind: ProbeKind,
  rng: Rng,
  probes: number,
  grad?: Float32Array,
): HutchinsonResult {
  const n = objective.layout.size;
  const z = new Float32Array(n);
  const hz = new Float32Array(n);
  const g = grad ?? new Float32Array(n);
  const diagonal = new Float64Array(n);
  let loss = NaN;
  for (let p = 0; p < probes; p++) {
    fillProbe(z, kind, rng);
    loss = objective.lossGradHvp(theta, z, g, hz);
    for (let i = 0; i < n; i++) diagonal[i] += z[i] * hz[i];
  }
  for (let i = 0; i < n; i++) diagonal[i] /= probes;
  return { loss, diagonal };
}
