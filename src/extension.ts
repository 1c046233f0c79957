// Extension entry point: wires the host run manager, the Experiments view, the commands, the status bar, the
// config files' CodeLens and the results panels. Returns an API for tests and for the panels.
import * as vscode from 'vscode';
import type { MetricRecord } from './shared/records';
import { registerCommands } from './host/commands';
import { registerConfigLens } from './host/configLens';
import { createExperimentsView } from './host/experimentsView';
import { ExecutorChoice } from './host/executorChoice';
import { LabRunner, type SweepHandle } from './host/labRunner';
import { panelsApi, registerResultsPanels, type PanelsApi } from './host/openResults';
import { playgroundApi, registerPlayground } from './host/playground/panel';
import { Reporter, type ShownMessage } from './host/reporter';
import { readSettings } from './host/settings';
import { createStatusBar } from './host/statusBar';
import { watchTrust } from './host/trust';
import { reattachSweeps } from './host/sweepReattach';
import type { TreeSnapshot } from './host/treeModel';

export interface RecordsEvent {
  experiment: string;
  runId: string;
  records: MetricRecord[];
}

export interface LabApi {
  /** the Experiments tree as plain data, built now from the store, the live sweeps and the config files */
  tree(): TreeSnapshot;
  /** finds config files again and redraws the tree */
  refresh(): Promise<TreeSnapshot>;
  /** the host run manager: enqueue, cancel, live state; events 'state', 'progress', 'records', 'sweep', ... */
  runManager: LabRunner;
  /** the results folder the tree shows (the precondLab.resultsFolder setting, resolved) */
  storeRoot(): string;
  /** live records of every run, as they stream from the runner processes */
  onRecords: vscode.Event<RecordsEvent>;
  /** notifications shown so far (newest last): VS Code cannot read them back */
  messages(): readonly ShownMessage[];
  /** the open results panels (tab, loaded, what they drew) and their PNG/CSV export without dialogs */
  panels: PanelsApi;
  /** the open Playground: its state, a change of controls and Keep without the page */
  playground: typeof playgroundApi;
  /** what activation does for sweeps an earlier window left on BullMQ (sweepReattach.ts), again: the sweeps started */
  reattach(): Promise<SweepHandle[]>;
}

export function activate(context: vscode.ExtensionContext): LabApi {
  const channel = vscode.window.createOutputChannel('Preconditioning Lab', { log: true });
  const reporter = new Reporter(channel);
  const settings = () => readSettings(context.globalStorageUri.fsPath);
  const lab = new LabRunner({
    runnerPath: context.asAbsolutePath('dist/runner.js'),
    workers: () => settings().maxParallelRuns,
    backend: () => settings().backend,
  });
  const records = new vscode.EventEmitter<RecordsEvent>();
  lab.on('records', (experiment, runId, recs) => records.fire({ experiment, runId, records: recs }));
  lab.on('log', (line) => channel.info(line));
  lab.on('backend', (backend, kernel) =>
    channel.info(`runs use backend ${backend}${kernel ? `, kernel ${kernel}` : ''}`),
  );

  const view = createExperimentsView(lab, settings);
  const executors = new ExecutorChoice(context.secrets, context.asAbsolutePath('dist/cli.js'), settings, reporter);
  context.subscriptions.push(
    channel,
    records,
    view,
    createStatusBar(lab, settings),
    registerResultsPanels({
      extensionUri: context.extensionUri,
      lab,
      reporter,
      resultsRoot: () => settings().resultsRoot,
      storeChanged: view.onDidChange,
      memento: context.workspaceState,
      refreshTree: view.refresh,
    }),
    registerConfigLens(() => settings().resultsRoot, view.onDidChange),
    registerPlayground({
      context,
      backend: () => settings().backend,
      resultsRoot: () => settings().resultsRoot,
      refresh: view.refresh,
      log: (line) => channel.info(line),
    }),
    ...registerCommands({
      lab,
      reporter,
      settings,
      refresh: view.refresh,
      tree: view,
      globalStorage: context.globalStorageUri.fsPath,
      executors,
    }),
    // Restricted Mode: reading works, running waits for trust (src/host/trust.ts)
    watchTrust(reporter, view.refresh),
  );
  channel.info(`Preconditioning Lab activated; results folder ${settings().resultsRoot}`);
  // sweeps an earlier window left training on BullMQ workers: watched again, not submitted again
  const reattach = (): Promise<SweepHandle[]> =>
    reattachSweeps({
      root: settings().resultsRoot,
      lab,
      redisUrl: () => executors.redisUrl(),
      makeBullmq: () => executors.make('bullmq'),
      makeSlurm: () => executors.makeIfOffered('slurm'),
      queue: () => settings().executors.bullmq.queue,
      trusted: () => vscode.workspace.isTrusted,
      log: (line) => channel.info(line),
    });
  reattach().catch((e: unknown) => channel.warn(`reattaching sweeps: ${(e as Error).message}`));

  return {
    tree: view.snapshot,
    refresh: view.refresh,
    runManager: lab,
    storeRoot: () => settings().resultsRoot,
    onRecords: records.event,
    messages: () => reporter.recent,
    panels: panelsApi(),
    playground: playgroundApi,
    reattach,
  };
}

// Runner processes exit when the extension host goes (they watch their IPC channel), leaving their runs
// 'running' on disk, which the next window shows as interrupted with a re-run action.
export function deactivate(): void {}
