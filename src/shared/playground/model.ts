// The playground's state apart from the controls: the run key of a set of controls (what makes two runs compute
// the same numbers), the cache of finished runs by run key (returning to a value is instant), the traced p curve
// (final test MSE against p for every p tried, one curve per setting of everything but p) and supersession (a new
// request makes every earlier one stale, so only the last one's records reach the panel). Pure.
import type { MetricRecord, RunOutcome } from '../records';
import { effectiveP, trainingOf, type PlaygroundControls } from './controls';

/** Stable JSON (sorted keys) of what the run computes from: the training (settings, data, p) and the backend,
 *  which changes float32 rounding. Two controls with the same key give the same records. */
export function playgroundRunKey(c: PlaygroundControls, backend: string): string {
  return stableJson({ training: trainingOf(c), backend });
}

/** The key of the p curve a run belongs to: everything but p (and the backend). */
export function curveKey(c: PlaygroundControls): string {
  const { p: _p, ...rest } = trainingOf(c);
  return stableJson({ ...rest, preconditioner: c.preconditioner });
}

export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** A finished playground run: everything the panel draws and what "Keep" writes into the store. */
export interface PlaygroundResult {
  key: string;
  controls: PlaygroundControls;
  backend: string;
  kernel: string;
  records: MetricRecord[];
  outcome: RunOutcome;
  seconds: number;
}

/** Finished runs by run key, least recently used dropped first. */
export class ResultCache {
  private readonly map = new Map<string, PlaygroundResult>();
  constructor(readonly capacity = 64) {}
  get(key: string): PlaygroundResult | undefined {
    const r = this.map.get(key);
    if (r) {
      this.map.delete(key);
      this.map.set(key, r);
    }
    return r;
  }
  put(r: PlaygroundResult): void {
    this.map.delete(r.key);
    this.map.set(r.key, r);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
  get size(): number {
    return this.map.size;
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
}

export interface CurvePoint {
  p: number;
  /** final test MSE; null when the run diverged (drawn as a gap, listed in the table) */
  testMSE: number | null;
  status: 'done' | 'diverged';
}

/** The traced p curves: per curve key, one point per p (a later run at the same p replaces the earlier one). */
export class PCurves {
  private readonly curves = new Map<string, Map<number, CurvePoint>>();
  /** adds the final point of a finished run; false for cancelled runs (no point) */
  add(c: PlaygroundControls, outcome: RunOutcome): boolean {
    if (outcome.status === 'cancelled') return false;
    const key = curveKey(c);
    let curve = this.curves.get(key);
    if (!curve) this.curves.set(key, (curve = new Map()));
    const p = effectiveP(c);
    const mse = outcome.final.testMSE;
    curve.set(p, {
      p,
      testMSE: outcome.status === 'done' && Number.isFinite(mse) ? mse : null,
      status: outcome.status === 'done' ? 'done' : 'diverged',
    });
    return true;
  }
  /** the points of the curve the controls belong to, by increasing p */
  points(c: PlaygroundControls): CurvePoint[] {
    return [...(this.curves.get(curveKey(c))?.values() ?? [])].sort((a, b) => a.p - b.p);
  }
  /** the best p tried on the controls' curve (lowest final test MSE), if any point finished */
  best(c: PlaygroundControls): CurvePoint | undefined {
    return this.points(c)
      .filter((pt) => pt.testMSE !== null)
      .reduce<CurvePoint | undefined>((b, pt) => (!b || pt.testMSE! < b.testMSE! ? pt : b), undefined);
  }
  toJSON(): [string, CurvePoint[]][] {
    return [...this.curves].map(([k, m]) => [k, [...m.values()]]);
  }
  static fromJSON(raw: unknown): PCurves {
    const out = new PCurves();
    if (!Array.isArray(raw)) return out;
    for (const entry of raw) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) continue;
      const m = new Map<number, CurvePoint>();
      for (const pt of entry[1] as unknown[]) {
        const q = pt as Partial<CurvePoint> | null;
        if (!q || typeof q.p !== 'number' || !Number.isFinite(q.p)) continue;
        if (q.status !== 'done' && q.status !== 'diverged') continue;
        const mse = typeof q.testMSE === 'number' && Number.isFinite(q.testMSE) ? q.testMSE : null;
        m.set(q.p, { p: q.p, testMSE: q.status === 'done' ? mse : null, status: q.status });
      }
      out.curves.set(entry[0], m);
    }
    return out;
  }
}

/**
 * Supersession: every request gets a number; starting one makes all earlier ones stale. Messages carry the number
 * of the request they belong to, and only the current one's are let through.
 */
export class Sequencer {
  private last = 0;
  next(): number {
    return ++this.last;
  }
  get current(): number {
    return this.last;
  }
  isCurrent(id: number): boolean {
    return id === this.last;
  }
}
