// The engine's problems with an experiment config's text, each placed on the field it names: the plain-text half of
// configDiagnostics.ts (no vscode), unit-tested in test/unit/configDiagnostics.test.ts.
import { ConfigError, parseConfig } from '../shared/config';

export interface Located {
  /** the engine's problem text */
  message: string;
  /** offsets into the text: the field's key (or array element), else the document's start */
  start: number;
  end: number;
}

type Seg = string | number;

/** `grid.p[1]` or `settings.optim.lbfgs.lr` as path segments. */
export function problemPath(problem: string): Seg[] | undefined {
  const m = /^([$\w][\w$.-]*(?:\[\d+\])*(?:\.[\w$-]+(?:\[\d+\])*)*): /.exec(problem);
  if (!m) return undefined;
  const out: Seg[] = [];
  for (const part of m[1].split('.'))
    for (const [, name, index] of part.matchAll(/([^[\]]+)|\[(\d+)\]/g))
      out.push(index !== undefined ? Number(index) : name);
  return out;
}

/**
 * Offsets of every key and array element in a JSON text by path ('settings.lr', 'grid.p.1'): a small scanner that
 * tolerates what it cannot read (a file mid-edit) by stopping there.
 */
export function jsonLocations(text: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  const stack: { kind: 'obj' | 'arr'; path: Seg[]; index: number; key?: string }[] = [];
  const here = (): Seg[] => {
    const top = stack[stack.length - 1];
    if (!top) return [];
    return top.kind === 'arr' ? [...top.path, top.index] : top.key !== undefined ? [...top.path, top.key] : top.path;
  };
  let expectKey = false;
  let i = 0;
  const markValue = (start: number, end: number): void => {
    const top = stack[stack.length - 1];
    if (top?.kind === 'arr') out.set(here().join('.'), [start, end]);
  };
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const raw = text.slice(i, j + 1);
      if (expectKey) {
        let key: string;
        try {
          key = JSON.parse(raw) as string;
        } catch {
          return out;
        }
        stack[stack.length - 1].key = key;
        out.set(here().join('.'), [i, j + 1]);
        expectKey = false;
      } else markValue(i, j + 1);
      i = j + 1;
    } else if (ch === '{' || ch === '[') {
      markValue(i, i + 1);
      stack.push({ kind: ch === '{' ? 'obj' : 'arr', path: here(), index: 0 });
      expectKey = ch === '{';
      i++;
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      expectKey = false;
      i++;
    } else if (ch === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'arr') top.index++;
      else if (top) {
        top.key = undefined;
        expectKey = true;
      }
      i++;
    } else if (/[-\d tfn]/.test(ch)) {
      let j = i;
      while (j < text.length && /[^,\]}\s]/.test(text[j])) j++;
      markValue(i, j);
      i = Math.max(j, i + 1);
    } else i++;
  }
  return out;
}

/** The engine's problems with a config text, each placed on the field it names (or the start of the file). */
export function locateProblems(text: string, source: string): Located[] {
  try {
    parseConfig(text, source);
    return [];
  } catch (e) {
    const problems = e instanceof ConfigError ? e.problems : [(e as Error).message];
    const where = jsonLocations(text);
    return problems.map((message) => {
      const segs = problemPath(message);
      // the deepest part of the path that exists: an unknown field's key, else its parent
      for (let n = segs?.length ?? 0; n > 0; n--) {
        const at = where.get(segs!.slice(0, n).join('.'));
        if (at) return { message, start: at[0], end: at[1] };
      }
      return { message, start: 0, end: Math.min(1, text.length) };
    });
  }
}
