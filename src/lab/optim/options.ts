// Option handling shared by the optimizers: defaults filled in, numbers checked once at construction so a bad
// config fails before the first step instead of as NaN parameters many steps later.

export function withDefaults<T extends object>(name: string, defaults: T, options: Partial<T> | undefined): T {
  const merged = { ...defaults, ...(options ?? {}) } as T;
  for (const [key, value] of Object.entries(merged)) {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new Error(`${name}: option ${key} must be finite, got ${value}`);
  }
  return merged;
}

export function requireRange(name: string, key: string, value: number, lo: number, hi: number): void {
  if (!(value >= lo && value <= hi)) throw new Error(`${name}: option ${key} must lie in [${lo}, ${hi}], got ${value}`);
}
