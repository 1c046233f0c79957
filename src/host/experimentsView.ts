// The Experiments view: the tree provider fed by the results store, the workspace's config files and the live
// sweeps, kept current by file watchers (another window or the CLI may write the store too) and by the run
// manager's events.
import * as vscode from 'vscode';
import { readStore } from './storeReader';
import { readReproductions } from './reproductionEntry';
import { LateBands } from './lateBands';
import { buildTree, flatten, type ConfigFileEntry, type TreeSnapshot } from './treeModel';
import { filters, knownKeys, parseQuery, type TreeQuery } from './treeFilter';
import { paramsByAxis } from './runView';
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
  /** the filter box's text ('' when none) */
  query(): string;
  /** sets the filter box's text (treeFilter.ts; '' clears it), redraws and returns the tree; throws FilterError */
  setQuery(text: string): TreeSnapshot;
  /** the parameters and final metrics the store's runs have, for the filter box's hints and the pickers */
  keys(): { params: string[]; metrics: string[] };
}

export function createExperimentsView(lab: LabRunner, settings: () => LabSettings): ExperimentsView {
  let configs: ConfigFileEntry[] = [];
  let query: TreeQuery | undefined;
  let hasConfigs: boolean | undefined;
  // late windows are streamed off the critical path; a redraw follows when one is read
  const bands = new LateBands(() => provider.scheduleRefresh());
  const build = (): TreeSnapshot => {
    const root = settings().resultsRoot;
    const experiments = readStore(root, bands);
    const live = lab.live(root);
    const tree = buildTree({ experiments, configs, live, query, reproductions: readReproductions(root) });
    // The welcome view (package.json viewsWelcome) shows while the store holds no experiment and nothing runs
    // (buildTree leaves the view empty then, config files included); with config files in the workspace it offers
    // to run one. A filter that matches nothing says so in the view's message instead.
    if (hasConfigs !== configs.length > 0) {
      hasConfigs = configs.length > 0;
      void vscode.commands.executeCommand('setContext', 'precondLab.hasConfigs', hasConfigs);
    }
    // (build runs only from provider.refresh(), after the view below exists)
    showQuery(treeView, tree);
    return tree;
  };
  const showQuery = (view: vscode.TreeView<unknown>, tree: TreeSnapshot): void => {
    view.description = query?.text || undefined;
    const shown = flatten(tree).filter((n) => n.kind === 'run').length;
    view.message = !query?.text
      ? undefined
      : filters(query) && !shown
        ? `No run matches "${query.text}". Clear the filter with the ✕ in the view's title bar.`
        : filters(query)
          ? `Filter "${query.text}": ${shown} run${shown === 1 ? '' : 's'} shown.`
          : undefined;
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
  void vscode.commands.executeCommand('setContext', 'precondLab.filtered', false);

  return {
    snapshot: build,
    refresh: async () => {
      configs = await findConfigFiles();
      return provider.refresh();
    },
    onDidChange: provider.onDidChangeTreeData,
    query: () => query?.text ?? '',
    setQuery: (text) => {
      const next = text.trim() ? parseQuery(text) : undefined;
      query = next;
      void vscode.commands.executeCommand('setContext', 'precondLab.filtered', !!next);
      return provider.refresh();
    },
    keys: () => {
      const runs = readStore(settings().resultsRoot).flatMap((e) =>
        e.runs.map((r) => ({
          id: r.id,
          experiment: e.name,
          params: paramsByAxis(r.params),
          state: r.status,
          final: r.final,
          labels: [],
        })),
      );
      return knownKeys(runs);
    },
    dispose: () => {
      lab.off('changed', onLab);
      storeWatcher?.dispose();
      for (const s of subs) s.dispose();
    },
  };
}
