// The reproduction report from the results store: what the store holds for each experiment of the reproduction
// plan (src/shared/reproduce/report.ts), rendered to <root>/reproduction[-quick]/{report.html, report.md,
// verdicts.json}. Shared by `precond-lab reproduce` and the editor's Reproduce the Paper command.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { countRuns, expandRuns, type ExperimentConfig } from '../shared/config';
import { SETTINGS, type SettingName } from '../shared/presets';
import type { ClaimRun } from '../shared/reproduce/claims';
import type { ReferenceSeries } from '../shared/reproduce/reference';
import { buildReport, reproductionPlan, type ExperimentState, type ReportModel } from '../shared/reproduce/report';
import { renderHtml, renderMarkdown } from '../shared/reproduce/render';
import { loadSummary } from './store';
import { refreshExperiment } from './recovery';
import { writeTextAtomic } from './files';

/** The report's view of what the store holds for one experiment of the plan. */
export function experimentState(
  outRoot: string,
  item: { preset: string; setting: SettingName; config: ExperimentConfig },
  warn: (text: string) => void,
): ExperimentState {
  const { config } = item;
  const expected = countRuns(config.kind, config.grid);
  const dir = path.join(outRoot, config.name);
  const base: ExperimentState = { ...item, runs: [], expected, seconds: 0 };
  if (!fs.existsSync(path.join(dir, 'runs'))) return base;
  for (const w of refreshExperiment(dir)) warn(`${config.name}: ${w}`);
  const { summary, warning } = loadSummary(dir);
  if (warning) warn(`${config.name}: ${warning}`);
  if (JSON.stringify(summary.experiment.settings) !== JSON.stringify(config.settings)) {
    warn(
      `${config.name}: the store's experiment has other settings than the ${item.setting} setting; its runs are ` +
        'not counted (move that folder away or use another --out)',
    );
    return base;
  }
  const wanted = new Set(expandRuns(config).map((r) => r.id));
  const runs: ClaimRun[] = summary.runs
    .filter((r) => wanted.has(r.id))
    .map((r) => ({ id: r.id, params: r.params, status: r.status, final: r.final }));
  const seconds = summary.runs.filter((r) => wanted.has(r.id)).reduce((a, r) => a + (r.seconds ?? 0), 0);
  return { ...base, runs, seconds };
}

/** The folder the report goes to, inside the store. */
export const reportDir = (root: string, quick: boolean, testSteps?: number): string =>
  path.join(
    root,
    `${quick ? 'reproduction-quick' : 'reproduction'}${testSteps !== undefined ? `-test${testSteps}` : ''}`,
  );

/** Reads the store for every experiment of the plan and writes the report; returns the model and its folder. */
export function writeReproductionReport(
  root: string,
  o: {
    settings: SettingName[];
    quick: boolean;
    reference: readonly ReferenceSeries[];
    markdownCopy?: string;
    testSteps?: number;
  },
  warn: (text: string) => void,
): { model: ReportModel; dir: string } {
  const plan = reproductionPlan(o.settings, o.quick, o.testSteps);
  const states = plan.map((p) => experimentState(root, p, warn));
  const seen = new Set<string>();
  let wall = 0;
  for (const s of states) {
    if (seen.has(s.config.name)) continue;
    seen.add(s.config.name);
    wall += s.seconds;
  }
  const model = buildReport(states, {
    quick: o.quick,
    settings: o.settings,
    reference: o.reference,
    generatedAt: new Date().toISOString().slice(0, 10),
    wallSeconds: wall,
    testSteps: o.testSteps,
  });
  const dir = reportDir(root, o.quick, o.testSteps);
  fs.mkdirSync(dir, { recursive: true });
  writeTextAtomic(path.join(dir, 'report.html'), renderHtml(model));
  const markdown = renderMarkdown(model);
  writeTextAtomic(path.join(dir, 'report.md'), markdown);
  writeTextAtomic(path.join(dir, 'verdicts.json'), JSON.stringify(verdictsJson(model), null, 1) + '\n');
  if (o.markdownCopy) writeTextAtomic(path.resolve(o.markdownCopy), markdown);
  return { model, dir };
}

/** The verdict table as data: claim id -> setting -> verdict, with the runs behind it. */
export function verdictsJson(model: ReportModel): Record<string, Partial<Record<SettingName, unknown>>> {
  const out: Record<string, Partial<Record<SettingName, unknown>>> = {};
  for (const { def, results } of model.claims) {
    out[def.id] = {};
    for (const s of SETTINGS) {
      const r = results[s];
      if (r)
        out[def.id][s] = {
          verdict: r.result.verdict,
          finished: r.finished,
          expected: r.expected,
          experiment: r.experiment,
        };
    }
  }
  return out;
}
