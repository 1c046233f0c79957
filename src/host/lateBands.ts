// The late window of each run for the tree and the CSV, read off the host's thread's critical path: a run's
// metrics.jsonl is streamed asynchronously (64 KB chunks, one record line parsed at a time) the first time its band
// is asked for and again only when the file grew, and `onUpdate` asks for a redraw when a band is ready. The tree
// never waits for it: until it is read, a run simply shows no band. A transfer run whose Task 1 was reused reads the
// records of the run it reused.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { lateMetric, lateWindow, type LateWindow } from '../shared/charts/lateWindow';
import { ExperimentStore, type RunFile } from '../sweep/store';

interface Entry {
  size: number;
  mtime: number;
  band?: LateWindow;
  reading?: boolean;
}

/** The metrics file a run's curves come from: its own, or (empty and reused) the reused run's in the same root. */
export function metricsSource(root: string, runDir: string, run: RunFile | undefined): string {
  const own = path.join(runDir, 'metrics.jsonl');
  const from = run?.reusedTask1;
  if (!from) return own;
  let size = 0;
  try {
    size = fs.statSync(own).size;
  } catch {
    size = 0;
  }
  const [exp, id] = from.split('/');
  if (size > 0 || !exp || !id || exp === '..' || id === '..') return own;
  return path.join(root, exp, 'runs', id, 'metrics.jsonl');
}

/** Streams one metrics file and returns the late window of `metric` (undefined when it has none). */
export async function readLateWindow(file: string, metric: string): Promise<LateWindow | undefined> {
  const values: number[] = [];
  let rest = '';
  const take = (line: string): void => {
    if (!line.trim()) return;
    try {
      const v = (JSON.parse(line) as Record<string, unknown>)[metric];
      if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
    } catch {
      /* a torn line is skipped, as the store does */
    }
  };
  for await (const chunk of fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) take(l);
  }
  take(rest);
  return lateWindow(values);
}

export class LateBands {
  private entries = new Map<string, Entry>();

  constructor(private readonly onUpdate: () => void = () => undefined) {}

  /** The band of the metrics file if it is read and current; otherwise undefined, and a read starts. */
  get(file: string, kind: string | undefined): LateWindow | undefined {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      this.entries.delete(file);
      return undefined;
    }
    const e = this.entries.get(file);
    if (e && e.size === st.size && e.mtime === st.mtimeMs) return e.band;
    if (e?.reading) return e.band;
    const next: Entry = { size: st.size, mtime: st.mtimeMs, band: e?.band, reading: true };
    this.entries.set(file, next);
    readLateWindow(file, lateMetric(kind)).then(
      (band) => {
        next.reading = false;
        next.band = band;
        this.onUpdate();
      },
      () => {
        next.reading = false;
      },
    );
    return e?.band;
  }

  /** Reads every band now (for the CSV export, which waits for them). */
  async read(file: string, kind: string | undefined): Promise<LateWindow | undefined> {
    try {
      return await readLateWindow(file, lateMetric(kind));
    } catch {
      return undefined;
    }
  }
}

/** The late window of every run of a summary, read (streamed) now, for the CSV export. */
export async function lateWindowsOf(
  dir: string,
  summary: { experiment?: { kind?: string }; runs: { id: string }[] },
): Promise<Map<string, LateWindow>> {
  const out = new Map<string, LateWindow>();
  const store = new ExperimentStore(path.dirname(dir), path.basename(dir));
  for (const r of summary.runs) {
    const run = store.readRun(r.id);
    const file = metricsSource(path.dirname(dir), store.runDir(r.id), run);
    try {
      const band = await readLateWindow(file, lateMetric(run?.kind ?? summary.experiment?.kind));
      if (band) out.set(r.id, band);
    } catch {
      /* no records: no band */
    }
  }
  return out;
}
