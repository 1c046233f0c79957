// "Reproduce the Paper": runs every figure's preset under the chosen settings as ordinary sweeps (the tree shows
// them, done runs are skipped), then writes the reproduction report into the results folder and opens its HTML in
// a panel. The same report `precond-lab reproduce` writes (src/sweep/reproduction.ts).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentConfig } from '../shared/config';
import { SETTINGS, type SettingName } from '../shared/presets';
import { REFERENCE } from '../shared/reproduce/reference';
import { reproductionPlan } from '../shared/reproduce/report';
import { writeReproductionReport } from '../sweep/reproduction';
import type { Summary } from '../sweep/store';

export interface ReproduceArgs {
  /** the quick presets (minutes) instead of the full ones (hours) */
  quick?: boolean;
  /** default both */
  setting?: SettingName | 'both';
  /** write the report from the results so far, training nothing */
  reportOnly?: boolean;
  /** open the report when written (default true) */
  open?: boolean;
}

export interface ReproduceResult {
  /** report.html in the store */
  report: string;
  /** claim id -> setting -> verdict */
  verdicts: Record<string, Partial<Record<SettingName, string>>>;
}

/** Asks what to reproduce; undefined when dismissed. */
export async function askReproduce(): Promise<ReproduceArgs | undefined> {
  const pick = await vscode.window.showQuickPick(
    [
      { label: 'Quick presets, both settings', detail: 'minutes: the direction of each claim', a: { quick: true } },
      { label: 'Full presets, both settings', detail: 'hours: the figures; resumes what is done', a: { quick: false } },
      {
        label: 'Report only (full presets)',
        detail: 'write the report from the results so far, train nothing',
        a: { quick: false, reportOnly: true },
      },
      {
        label: 'Report only (quick presets)',
        detail: 'write the report from the results so far, train nothing',
        a: { quick: true, reportOnly: true },
      },
    ],
    { title: "Reproduce the paper: the authors' setting and the corrected one" },
  );
  return pick?.a;
}

export async function reproduceInEditor(
  args: ReproduceArgs,
  root: string,
  sweep: (config: ExperimentConfig) => Promise<Summary>,
  log: (line: string) => void,
): Promise<ReproduceResult> {
  const choice = args.setting ?? 'both';
  if (choice !== 'both' && !(SETTINGS as readonly string[]).includes(choice))
    throw new Error(`setting must be paper, corrected or both, got '${String(choice).slice(0, 40)}'`);
  const settings: SettingName[] = choice === 'both' ? [...SETTINGS] : [choice];
  const quick = args.quick !== false;
  if (!args.reportOnly) {
    const plan = reproductionPlan(settings, quick);
    const names = new Set<string>();
    for (const item of plan) {
      if (names.has(item.config.name)) continue;
      names.add(item.config.name);
      const summary = await sweep(item.config);
      // a cancelled sweep ends the reproduction; the report still says how far it got
      if (summary.runs.some((r) => r.status === 'cancelled')) break;
    }
  }
  const { model, dir } = writeReproductionReport(root, { settings, quick, reference: REFERENCE }, (w) =>
    log(`reproduce: ${w}`),
  );
  const report = path.join(dir, 'report.html');
  log(`reproduce: report written to ${report}`);
  if (args.open !== false) openReport(report);
  const verdicts: ReproduceResult['verdicts'] = {};
  for (const { def, results } of model.claims)
    verdicts[def.id] = Object.fromEntries(Object.entries(results).map(([s, r]) => [s, r.result.verdict]));
  return { report, verdicts };
}

/** Shows a report.html (self-contained: inline SVG and style, no scripts) in a panel. */
export function openReport(file: string): void {
  const panel = vscode.window.createWebviewPanel(
    'precondLab.reproduction',
    'Reproduction report',
    vscode.ViewColumn.Active,
    { enableScripts: false },
  );
  panel.webview.html = fs.readFileSync(file, 'utf8');
}
