// The Experiments view: the tree provider fed by the results store, the workspace's config files and the live
// sweeps, kept current by file watchers (another window or the CLI may write the store too) and by the run
// manager's events.
import * as vscode from 'vscode';
import { readStore } from './storeReader';
import { LateBands } from './lateBands';
import { buildTree, type ConfigFileEntry, type TreeSnapshot } from './treeModel';
import { ExperimentsTreeProvider } from './treeProvider';
import { CONFIG_GLOB, findConfigFiles } from './configFiles';
import type { LabRunner } from './labRunner';
import type { LabSettings } from './settings';

const VIEW_ID = 'precondLab.experiments';

export interface ExperimentsView extends vscode.Disposable {
  /** the tree as plain data, built now from the store, the live sweeps and the config files last found */
  snapshot(): TreeSnapshot;
  /** finds config files again, rebuilds and redraws the tree */
  refresh(): Promise<TreeSnapshot>;
  /** fires after each redraw (the store or the live state changed) */
  onDidChange: vscode.Event<void>;
}

export function createExperimentsView(lab: LabRunner, settings: () => LabSettings): ExperimentsView {
  let configs: ConfigFileEntry[] = [];
  // late windows are streamed off the critical path; a redraw follows when one is read
  const bands = new LateBands(() => provider.scheduleRefresh());
  const build = (): TreeSnapshot => {
    const root = settings().resultsRoot;
    return buildTree({ experiments: readStore(root, bands), configs, live: lab.live(root) });
  };
  const provider = new ExperimentsTreeProvider(build);
  const treeView = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: provider, showCollapseAll: true });
  const reloadConfigs = async (): Promise<void> => {
    configs = await findConfigFiles();
    provider.scheduleRefresh(50);
  };

  let storeWatcher: vscode.FileSystemWatcher | undefined;
  const watchStore = (): void => {
    storeWatcher?.dispose();
    storeWatcher = vscode.workspace.createFileSystemWatcher(
      new vscode.RelativePattern(vscode.Uri.file(settings().resultsRoot), '**/*.json'),
    );
    const poke = (): void => provider.scheduleRefresh();
    storeWatcher.onDidCreate(poke);
    storeWatcher.onDidChange(poke);
    storeWatcher.onDidDelete(poke);
  };
  watchStore();
  const configWatcher = vscode.workspace.createFileSystemWatcher(CONFIG_GLOB);
  configWatcher.onDidCreate(reloadConfigs);
  configWatcher.onDidChange(reloadConfigs);
  configWatcher.onDidDelete(reloadConfigs);
  const onLab = (): void => provider.scheduleRefresh();
  lab.on('changed', onLab);
  const subs = [
    treeView,
    provider,
    configWatcher,
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('precondLab.resultsFolder')) return;
      watchStore();
      provider.refresh();
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      watchStore();
      void reloadConfigs();
    }),
  ];
  provider.refresh();
  void reloadConfigs();

  return {
    snapshot: build,
    refresh: async () => {
      configs = await findConfigFiles();
      return provider.refresh();
    },
    onDidChange: provider.onDidChangeTreeData,
    dispose: () => {
      lab.off('changed', onLab);
      storeWatcher?.dispose();
      for (const s of subs) s.dispose();
    },
  };
}
