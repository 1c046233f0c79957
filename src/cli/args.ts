// A small argument parser: flags that take a value consume the next argument even when it starts with '-'
// (so `--p -2,0,2` works).
export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string>;
  switches: Set<string>;
}

export function parseArgs(argv: string[], valued: readonly string[], switches: readonly string[]): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: new Map(), switches: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (valued.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`--${name} needs a value`);
      if (out.flags.has(name)) throw new Error(`--${name} is given twice (give it once; lists are comma-separated)`);
      out.flags.set(name, v);
    } else if (switches.includes(name)) out.switches.add(name);
    else
      throw new Error(`unknown option --${name} (options: ${[...valued, ...switches].map((s) => `--${s}`).join(' ')})`);
  }
  return out;
}

/** A decimal number as written by hand (no hex, no empty string, no Infinity), or undefined. */
export function finiteNumber(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

const short = (t: string): string => (t.length > 40 ? `${t.slice(0, 30)}... (${t.length} characters)` : t);

export function numberList(flag: string, text: string): number[] {
  return text.split(',').map((t) => {
    const v = finiteNumber(t);
    if (v === undefined)
      throw new Error(
        `--${flag}: '${short(t)}' is not a finite number (give a comma-separated list, e.g. --${flag} -2,0,2)`,
      );
    return v;
  });
}
