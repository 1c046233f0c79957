// Bounds on what a config (or any JSON input) may ask for, and the text-level checks that run before JSON.parse:
// a byte-order mark is dropped (editors write one; the CLI and the editor must read the same file the same way),
// nesting is bounded and duplicate keys are found by one iterative scan (no recursion, so 10^5-deep nesting
// cannot overflow the stack), and values are shown in messages without stringifying them whole.

/** Largest config file read (a 10000-value grid is about 80 KB of text). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Largest --init weights file read (a width-8192, dx-1000 network is about 40 MB of JSON numbers). */
export const MAX_INIT_BYTES = 64 * 1024 * 1024;
/** Deepest nesting of arrays and objects a config may have (a valid one has 4: settings.optim.gd.lr). */
export const MAX_DEPTH = 32;
/** String fields: the name is checked by its pattern (1-80 characters). */
export const MAX_DESCRIPTION = 10_000;
export const MAX_FIGURE = 200;
export const MAX_SCHEMA = 2_000;
/** Values one grid axis may have; larger axes are refused without looking at each value. */
export const MAX_AXIS_VALUES = 10_000;
/** Runs one sweep may have unless raised (--max-runs, precondLab.maxRuns); the raise itself stops at the ceiling. */
export const DEFAULT_MAX_RUNS = 10_000;
export const MAX_RUNS_CEILING = 1_000_000;
/** Problems listed in one message; the rest are counted. */
export const MAX_PROBLEMS_SHOWN = 20;

const BOM = '\uFEFF';
export const stripBom = (text: string): string => (text.startsWith(BOM) ? text.slice(1) : text);

/** A value for a message: short, and never the whole of a huge string or a deep structure. */
export function show(v: unknown): string {
  if (typeof v === 'number') return String(v); // Infinity, not JSON's null
  if (typeof v === 'string')
    return v.length > 60 ? `${JSON.stringify(v.slice(0, 40))}... (${v.length} characters)` : JSON.stringify(v);
  if (v === null || typeof v === 'boolean' || v === undefined) return String(v);
  if (Array.isArray(v)) return `an array of ${v.length} value${v.length === 1 ? '' : 's'}`;
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** A key for a field path in a message, cut short if long. */
export const keyName = (k: string): string => (k.length > 60 ? `${k.slice(0, 40)}...(${k.length} characters)` : k);

/** The first `max` problems, then how many more there were. */
export function listProblems(problems: readonly string[], max = MAX_PROBLEMS_SHOWN): string[] {
  if (problems.length <= max) return [...problems];
  return [
    ...problems.slice(0, max),
    `... and ${problems.length - max} more problem${problems.length - max === 1 ? '' : 's'}`,
  ];
}

interface Frame {
  array: boolean;
  keys: Set<string>;
  key: string | undefined;
  index: number;
  expectKey: boolean;
}

const pathOf = (stack: Frame[]): string =>
  stack
    .map((f, i) => (f.array ? `[${f.index}]` : f.key === undefined ? '' : `${i === 0 ? '' : '.'}${keyName(f.key)}`))
    .join('')
    .replace(/^\./, '');

/**
 * Scans JSON text once, without recursion: nesting deeper than `maxDepth` and keys given twice in one object
 * (JSON.parse silently keeps the last) become problems naming the path. Text that is not JSON is left to JSON.parse.
 */
export function scanJson(text: string, maxDepth = MAX_DEPTH): string[] {
  const problems: string[] = [];
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top && !top.array && top.expectKey) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          return problems; // a broken string: JSON.parse will say where
        }
        if (top.keys.has(key)) {
          top.key = key;
          problems.push(`${pathOf(stack)}: given twice in one object (JSON keeps only the last; remove one)`);
        }
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) {
        const at = pathOf(stack);
        problems.push(
          `${at ? `${at}: ` : ''}nesting deeper than ${maxDepth} levels of arrays and objects (a config needs at ` +
            'most 4)',
        );
        return problems;
      }
      stack.push({ array: c === 0x5b, keys: new Set(), key: undefined, index: 0, expectKey: c === 0x7b });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.array) top.index++;
      else if (top) top.expectKey = true;
    }
  }
  return problems;
}
