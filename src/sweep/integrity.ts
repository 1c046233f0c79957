// What a complete run holds, recorded in its run.json when it ends, and the check made before a done run is
// skipped on a rerun. The manifest is computed from the bytes this process wrote (a running tally of the
// metrics lines as they are appended, the exact text of weights.json), not read back, so damage done to the
// files later (a truncation, an edit, a flipped byte, a deleted file) shows as a mismatch.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FileDigest {
  bytes: number;
  sha256: string;
}

export interface Manifest {
  metrics: FileDigest & { records: number };
  /** absent for runs that keep no weights (the OOD experiment) */
  weights?: FileDigest;
}

export const digestOf = (data: string | Buffer): FileDigest => ({
  bytes: Buffer.byteLength(data),
  sha256: crypto.createHash('sha256').update(data).digest('hex'),
});

/** The running digest of one run's metrics.jsonl while it is appended to. */
export class MetricsTally {
  records = 0;
  bytes = 0;
  private readonly hash = crypto.createHash('sha256');
  add(text: string, records: number): void {
    this.hash.update(text);
    this.bytes += Buffer.byteLength(text);
    this.records += records;
  }
  digest(): Manifest['metrics'] {
    return { records: this.records, bytes: this.bytes, sha256: this.hash.copy().digest('hex') };
  }
}

const read = (file: string): Buffer | string => {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'is missing'
      : `cannot be read (${(e as NodeJS.ErrnoException).code})`;
  }
};

const countLines = (b: Buffer): number => {
  let n = 0;
  for (const c of b) if (c === 10) n++;
  return n;
};

const isDigest = (d: unknown): d is FileDigest =>
  typeof d === 'object' &&
  d !== null &&
  Number.isInteger((d as FileDigest).bytes) &&
  typeof (d as FileDigest).sha256 === 'string';

/** Checks a run folder against its manifest: undefined when it matches, else what is wrong (naming the file). */
export function checkManifest(dir: string, m: Manifest): string | undefined {
  if (
    !isDigest(m?.metrics) ||
    !Number.isInteger(m.metrics.records) ||
    (m.weights !== undefined && !isDigest(m.weights))
  )
    return 'the manifest in its run.json is malformed';
  const metrics = read(path.join(dir, 'metrics.jsonl'));
  if (typeof metrics === 'string') return `metrics.jsonl ${metrics}`;
  const lines = countLines(metrics);
  if (lines !== m.metrics.records) return `metrics.jsonl has ${lines} records, its run.json says ${m.metrics.records}`;
  if (metrics.length !== m.metrics.bytes)
    return `metrics.jsonl has ${metrics.length} bytes, its run.json says ${m.metrics.bytes}`;
  if (digestOf(metrics).sha256 !== m.metrics.sha256) return 'metrics.jsonl does not match the checksum in its run.json';
  if (m.weights) {
    const w = read(path.join(dir, 'weights.json'));
    if (typeof w === 'string') return `weights.json ${w}`;
    if (w.length !== m.weights.bytes) return `weights.json has ${w.length} bytes, its run.json says ${m.weights.bytes}`;
    if (digestOf(w).sha256 !== m.weights.sha256) return 'weights.json does not match the checksum in its run.json';
  }
  return undefined;
}

/** What can be checked of a run written before run.json had a manifest: every metrics line parses, steps
 *  increase strictly, and weights.json (when the run keeps weights) parses. Undefined when all of that holds. */
export function checkWithoutManifest(dir: string, needsWeights: boolean): string | undefined {
  const metrics = read(path.join(dir, 'metrics.jsonl'));
  if (typeof metrics === 'string') return `metrics.jsonl ${metrics}`;
  const text = metrics.toString('utf8');
  if (!text.endsWith('\n')) return 'metrics.jsonl ends in a cut-off line';
  let last = -Infinity;
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    n++;
    let step: unknown;
    try {
      step = (JSON.parse(line) as { step?: unknown }).step;
    } catch {
      return `metrics.jsonl line ${n} is not valid JSON`;
    }
    if (typeof step !== 'number' || !(step > last))
      return `metrics.jsonl line ${n}: step ${String(step)} does not follow step ${last}`;
    last = step;
  }
  if (n === 0) return 'metrics.jsonl is empty';
  if (needsWeights) {
    const w = read(path.join(dir, 'weights.json'));
    if (typeof w === 'string') return `weights.json ${w}`;
    try {
      JSON.parse(w.toString('utf8'));
    } catch {
      return 'weights.json is not valid JSON';
    }
  }
  return undefined;
}
