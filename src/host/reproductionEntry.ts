// The Experiments tree's reproduction entry (issue 13): one row per reproduction report in the results folder
// (`reproduction/` for the full presets, `reproduction-quick/` for the quick ones), with the verdicts counted in its
// description and listed per claim in its tooltip; a row "Reproduce the paper" when none has been written yet.
// A click rewrites the report from the store as it is now and opens it; the context menu runs the reproduction.
// Reading is bounded and strict: a verdicts.json that is too large or the wrong shape is named, never trusted.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isObject, own } from '../shared/guards';

/** What the tree shows of one reproduction folder. */
export interface ReproductionEntry {
  dir: string;
  quick: boolean;
  /** claim id -> setting -> verdict ('holds', 'does not hold', 'mixed', 'not measured') */
  verdicts?: Record<string, Record<string, string>>;
  /** why verdicts.json could not be read */
  problem?: string;
  /** report.html, when it exists */
  report?: string;
}

const FOLDERS = [
  { name: 'reproduction', quick: false },
  { name: 'reproduction-quick', quick: true },
] as const;
/** verdicts.json is a few KB; anything far larger is not one the lab wrote */
const MAX_BYTES = 64 * 1024;

function readVerdicts(file: string): Pick<ReproductionEntry, 'verdicts' | 'problem'> {
  let raw: unknown;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_BYTES) return { problem: `verdicts.json is ${size} bytes, over ${MAX_BYTES}: not read` };
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    return { problem: `verdicts.json cannot be read: ${code ?? (e as Error).message.slice(0, 120)}` };
  }
  if (!isObject(raw)) return { problem: 'verdicts.json is not a JSON object' };
  const verdicts: Record<string, Record<string, string>> = {};
  for (const claim of Object.keys(raw)) {
    const bySetting = own(raw, claim);
    if (!isObject(bySetting)) return { problem: `verdicts.json: ${claim.slice(0, 40)} is not an object` };
    verdicts[claim] = {};
    for (const setting of Object.keys(bySetting)) {
      const v = own(bySetting, setting);
      const verdict = isObject(v) ? own(v, 'verdict') : undefined;
      if (typeof verdict !== 'string')
        return { problem: `verdicts.json: ${claim.slice(0, 40)}.${setting.slice(0, 20)} has no verdict` };
      verdicts[claim][setting] = verdict.slice(0, 40);
    }
  }
  return { verdicts };
}

/** The reproduction folders under `root` (none when the folder is absent). */
export function readReproductions(root: string): ReproductionEntry[] {
  const out: ReproductionEntry[] = [];
  for (const f of FOLDERS) {
    const dir = path.join(root, f.name);
    if (!fs.existsSync(dir)) continue;
    const report = path.join(dir, 'report.html');
    out.push({
      dir,
      quick: f.quick,
      ...readVerdicts(path.join(dir, 'verdicts.json')),
      ...(fs.existsSync(report) ? { report } : {}),
    });
  }
  return out;
}

const ORDER = ['holds', 'mixed', 'does not hold', 'not measured'];

/** "2 hold · 1 mixed · 5 not measured": the verdicts of every claim under every setting, counted. */
export function verdictCounts(verdicts: Record<string, Record<string, string>>): string {
  const counts = new Map<string, number>();
  for (const bySetting of Object.values(verdicts))
    for (const v of Object.values(bySetting)) counts.set(v, (counts.get(v) ?? 0) + 1);
  const keys = [...counts.keys()].sort(
    (a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  return keys.map((k) => `${counts.get(k)} ${k === 'holds' && counts.get(k) !== 1 ? 'hold' : k}`).join(' · ');
}

/** The Markdown tooltip: one line per claim, its verdict under each setting. */
export function verdictTooltip(e: ReproductionEntry): string {
  const title = `**Reproduction of the paper** (${e.quick ? 'quick presets' : 'full presets'})`;
  if (e.problem) return `${title}\n\n${e.problem}. Click to write the report again from the store.`;
  if (!e.verdicts) return `${title}\n\nNo report yet. Click to write it from the store.`;
  const lines = Object.entries(e.verdicts).map(
    ([claim, s]) =>
      `- ${claim}: ${Object.entries(s)
        .map(([setting, v]) => `${setting} *${v}*`)
        .join(', ')}`,
  );
  return `${title}\n\n${lines.join('\n')}\n\nClick to write the report again from the store and open it.`;
}
