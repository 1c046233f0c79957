// Guards for values read from JSON or from another process: plain objects, and own keys only, so keys every object
// inherits (toString, __proto__, constructor ...) are never taken for fields and never reach Object.prototype.

/** A plain JSON object: not null, not an array. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An own property's value, or undefined for a missing or inherited key. */
export const own = (o: object, k: string): unknown =>
  Object.hasOwn(o, k) ? (o as Record<string, unknown>)[k] : undefined;

/** Sets an own property even for keys like __proto__ (plain assignment would change the prototype instead). */
export function defineOwn<T>(o: object, k: string, v: T): T {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  return v;
}

/** Object.assign without its setter semantics: an own `__proto__` key is copied as a key, for validation to refuse. */
export function assignOwn(target: object, ...sources: (object | undefined)[]): void {
  for (const src of sources)
    if (src) for (const k of Object.keys(src)) defineOwn(target, k, (src as Record<string, unknown>)[k]);
}

/**
 * Names a value by the type a checker has just verified it against, field by field (src/sweep/storeSchema.ts).
 * The one place a parsed value becomes a typed one; call it only after such a check.
 */
export const verifiedAs = <T>(value: unknown): T => value as T;
