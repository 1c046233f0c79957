// Runs pinned for comparison, across experiments: kept per workspace (VS Code's workspaceState, so they survive a
// reload and belong to this workspace only), in the order they were pinned. A pin names the results folder, the
// experiment and the run; a pin whose run has gone is kept (the comparison says so) until it is unpinned. No vscode
// here (the memento is an interface), so the unit tests drive it with a plain map.

export interface Pin {
  /** the results folder the experiment is in (absolute) */
  root: string;
  experiment: string;
  run: string;
}

export interface Memento {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

export const PINS_KEY = 'precondLab.pins';
/** A comparison of more runs than this is unreadable as one chart. */
export const MAX_PINS = 24;
const NAME = /^[A-Za-z0-9._-]{1,200}$/;

export const pinKey = (p: Pin): string => `${p.experiment}/${p.run}`;
const same = (a: Pin, b: Pin): boolean => a.root === b.root && a.experiment === b.experiment && a.run === b.run;

/** Keeps the well-formed pins of a stored list (it is the editor's storage: input like any other). */
export function parsePins(raw: unknown): Pin[] {
  if (!Array.isArray(raw)) return [];
  const out: Pin[] = [];
  for (const p of raw) {
    if (!p || typeof p !== 'object') continue;
    const { root, experiment, run } = p as Record<string, unknown>;
    if (typeof root !== 'string' || !root || typeof experiment !== 'string' || typeof run !== 'string') continue;
    if (!NAME.test(experiment) || !NAME.test(run)) continue;
    const pin = { root, experiment, run };
    if (!out.some((q) => same(q, pin))) out.push(pin);
  }
  return out.slice(0, MAX_PINS);
}

export class Pins {
  private readonly listeners: (() => void)[] = [];
  constructor(private readonly memento: Memento) {}

  list(): Pin[] {
    return parsePins(this.memento.get(PINS_KEY));
  }

  /** The pinned run ids of one experiment. */
  runsOf(root: string, experiment: string): Set<string> {
    return new Set(
      this.list()
        .filter((p) => p.root === root && p.experiment === experiment)
        .map((p) => p.run),
    );
  }

  has(pin: Pin): boolean {
    return this.list().some((p) => same(p, pin));
  }

  /** Adds pins (those already pinned are left); returns how many were added. Throws past MAX_PINS. */
  async add(pins: Pin[]): Promise<number> {
    const list = this.list();
    const fresh = parsePins(pins).filter((p) => !list.some((q) => same(p, q)));
    if (list.length + fresh.length > MAX_PINS)
      throw new Error(
        `at most ${MAX_PINS} runs can be pinned for comparison (${list.length} are): unpin some in the Compare panel first`,
      );
    if (!fresh.length) return 0;
    await this.memento.update(PINS_KEY, [...list, ...fresh]);
    this.fire();
    return fresh.length;
  }

  async remove(pins: Pin[]): Promise<number> {
    const list = this.list();
    const keep = list.filter((p) => !pins.some((q) => same(p, q)));
    if (keep.length === list.length) return 0;
    await this.memento.update(PINS_KEY, keep);
    this.fire();
    return list.length - keep.length;
  }

  async clear(): Promise<void> {
    await this.memento.update(PINS_KEY, []);
    this.fire();
  }

  onChange(fn: () => void): { dispose(): void } {
    this.listeners.push(fn);
    return { dispose: () => void this.listeners.splice(this.listeners.indexOf(fn) >>> 0, 1) };
  }

  private fire(): void {
    for (const f of [...this.listeners]) f();
  }
}
