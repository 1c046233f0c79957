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
      out.flags.set(name, v);
    } else if (switches.includes(name)) out.switches.add(name);
    else throw new Error(`unknown option --${name} (options: ${[...valued, ...switches].map((s) => `--${s}`).join(' ')})`);
  }
  return out;
}

export function numberList(flag: string, text: string): number[] {
  return text.split(',').map((t) => {
    const v = Number(t.trim());
    if (t.trim() === '' || !Number.isFinite(v)) throw new Error(`--${flag}: '${t}' is not a number (give a comma-separated list, e.g. --${flag} -2,0,2)`);
    return v;
  });
}
