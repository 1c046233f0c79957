// Opens an experiment's results: the results panel (src/host/panels) on the tab its kind starts with (Summary for
// the regression sweeps, Accuracy for OOD), or on the Curves of one run when a run is named or runs are training.
// Everything that opens results (tree menus, palette, CodeLens, the notification after a sweep) calls openResults.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TABS, type Focus, type Tab } from '../shared/panelMessages';
import type { LabRunner } from './labRunner';
import type { ExportResult } from './panels/exportArgs';
import { ResultsPanels, type AnnotateValues, type PanelInfo, type PanelsDeps } from './panels/panels';
import type { Pin } from './panels/pins';
import { setRunIconBase } from './panels/runIcons';

export type ResultsPanelsDeps = PanelsDeps;

/** For tests and other extensions: the open panels and the export, without UI. */
export interface PanelsApi {
  list(): PanelInfo[];
  export(args: unknown): Promise<ExportResult | undefined>;
  /** the runs pinned for comparison, in pin order */
  pins(): Pin[];
}

export interface OpenOptions {
  tab?: Tab;
  runId?: string;
  runIds?: string[];
  preserveFocus?: boolean;
}

let panels: ResultsPanels | undefined;
/** the run manager whose live sweeps decide whether results open on the live curves */
let labRef: LabRunner | undefined;
const running = (dir: string): boolean => (labRef?.live(path.dirname(dir)).get(path.basename(dir))?.size ?? 0) > 0;

export function registerResultsPanels(deps: ResultsPanelsDeps): vscode.Disposable {
  setRunIconBase(deps.extensionUri);
  const p = new ResultsPanels(deps);
  panels = p;
  labRef = deps.lab;
  return new vscode.Disposable(() => {
    p.dispose();
    if (panels === p) panels = undefined;
  });
}

export function panelsApi(): PanelsApi {
  return {
    list: () => panels?.list() ?? [],
    export: (args) => exportPanel(args),
    pins: () => panels?.pins.list() ?? [],
  };
}

const ready = (): ResultsPanels => {
  if (!panels) throw new Error('the results panels are not ready yet (the extension is still activating)');
  return panels;
};

/** precondLab.pinRun / unpinRun: pins (or unpins) runs for the cross-experiment comparison; returns how many. */
export async function pinRuns(
  targets: { root: string; experiment: string; runId: string }[],
  pin: boolean,
): Promise<number> {
  const list = targets.map((t) => ({ root: t.root, experiment: t.experiment, run: t.runId }));
  const n = pin ? await ready().pins.add(list) : await ready().pins.remove(list);
  return n;
}

/** precondLab.openCompare: the comparison panel of the pinned runs. */
export async function openCompare(): Promise<void> {
  await ready().openCompare();
}

/** precondLab.annotate: tags and note of a run or an experiment (prompts unless `values` are given). */
export async function annotate(dir: string, runId: string | undefined, values?: AnnotateValues): Promise<boolean> {
  return ready().annotate(dir, runId, values);
}

export async function openResults(experimentDir: string, options: OpenOptions = {}): Promise<void> {
  if (!panels) throw new Error('the results panels are not ready yet (the extension is still activating)');
  const dir = path.resolve(experimentDir);
  const tab =
    typeof options.tab === 'string' && (TABS as readonly string[]).includes(options.tab) ? options.tab : undefined;
  const runIds = [
    ...(typeof options.runId === 'string' ? [options.runId] : []),
    ...(Array.isArray(options.runIds) ? options.runIds.filter((r) => typeof r === 'string') : []),
  ];
  const focus: Focus | undefined = runIds.length
    ? { tab: tab ?? 'curves', runIds }
    : tab
      ? { tab }
      : running(dir)
        ? { tab: 'curves' }
        : undefined;
  await panels.open(dir, focus, options.preserveFocus === true);
}

/** precondLab.exportPanel: see ExportArgs in src/host/panels/exportArgs.ts. */
export async function exportPanel(args: unknown): Promise<ExportResult | undefined> {
  if (!panels) throw new Error('the results panels are not ready yet');
  return panels.exportPanel(args);
}
