// Declarative specs of one JSON value (a number with its range, a boolean, one of some strings), read by the
// config validator (checkValue) and by the JSON schema generator (valueSchema), so the editor's completion and the
// engine's refusals come from one table. The optimizer catalogue (optimizers.ts) uses the same specs.
import { show } from './inputLimits';

interface SpecBase {
  description?: string;
}

export interface NumberSpec extends SpecBase {
  kind: 'number';
  min?: number;
  max?: number;
  /** the bound itself is refused: (min, ...] */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  integer?: boolean;
  default?: number;
}

export interface BooleanSpec extends SpecBase {
  kind: 'boolean';
  default?: boolean;
}

export interface EnumSpec extends SpecBase {
  kind: 'enum';
  values: readonly string[];
  /** one line per value, for the editor's completion list */
  valueDescriptions?: readonly string[];
  default?: string;
}

export type ValueSpec = NumberSpec | BooleanSpec | EnumSpec;

/** The value type a spec describes (an enum spec declared `as const` gives the union of its values). */
export type ValueOf<S> = S extends { kind: 'number' }
  ? number
  : S extends { kind: 'boolean' }
    ? boolean
    : S extends { kind: 'enum'; values: readonly (infer V)[] }
      ? V
      : never;

/** What a number spec allows, as messages say it: "a number in (0, 100]", "an integer >= 1", "a finite number". */
export function numberRange(s: NumberSpec): string {
  const what = s.integer ? 'an integer' : 'a number';
  if (s.min !== undefined && s.max !== undefined)
    return `${what} in ${s.exclusiveMin ? '(' : '['}${s.min}, ${s.max}${s.exclusiveMax ? ')' : ']'}`;
  if (s.min !== undefined) return `${what} ${s.exclusiveMin ? '>' : '>='} ${s.min}`;
  if (s.max !== undefined) return `${what} ${s.exclusiveMax ? '<' : '<='} ${s.max}`;
  return s.integer ? 'an integer' : 'a finite number';
}

const OVERFLOW = 'a literal like 1e400 overflows a double';

function checkNumber(s: NumberSpec, v: unknown): string | undefined {
  const bounded = s.min !== undefined || s.max !== undefined || s.integer;
  const want = `must be ${numberRange(s)}`;
  // JSON.parse reads 1e400 as Infinity, which JSON.stringify would show as null: say what it is
  if (typeof v === 'number' && !Number.isFinite(v)) {
    if (bounded) return `not a finite number (${show(v)}; ${OVERFLOW}); ${want}`;
    if (!Number.isNaN(v)) return `is not a finite number (${show(v)}; ${OVERFLOW})`;
  }
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (s.min === undefined || (s.exclusiveMin ? v > s.min : v >= s.min)) &&
    (s.max === undefined || (s.exclusiveMax ? v < s.max : v <= s.max)) &&
    (!s.integer || Number.isInteger(v));
  return ok ? undefined : `${want}, got ${show(v)}`;
}

/** The problem with `v` under `spec` ("must be ...", "not a finite number ..."), or undefined when it conforms. */
export function checkValue(spec: ValueSpec, v: unknown): string | undefined {
  switch (spec.kind) {
    case 'number':
      return checkNumber(spec, v);
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `must be true or false, got ${show(v)}`;
    case 'enum':
      return typeof v === 'string' && spec.values.includes(v)
        ? undefined
        : `must be one of ${spec.values.map((a) => `"${a}"`).join(', ')}, got ${show(v)}`;
  }
}

/** The JSON schema (draft-07, with VS Code's markdownEnumDescriptions) of one spec. */
export function valueSchema(spec: ValueSpec, withDefault = true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  switch (spec.kind) {
    case 'number':
      out.type = spec.integer ? 'integer' : 'number';
      if (spec.min !== undefined) out[spec.exclusiveMin ? 'exclusiveMinimum' : 'minimum'] = spec.min;
      if (spec.max !== undefined) out[spec.exclusiveMax ? 'exclusiveMaximum' : 'maximum'] = spec.max;
      break;
    case 'boolean':
      out.type = 'boolean';
      break;
    case 'enum':
      out.enum = [...spec.values];
      if (spec.valueDescriptions) out.markdownEnumDescriptions = [...spec.valueDescriptions];
      break;
  }
  if (withDefault && spec.default !== undefined) out.default = spec.default;
  if (spec.description) out.description = spec.description;
  return out;
}
