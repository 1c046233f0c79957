// Adapts the plain tree model to VS Code. Rebuilds are debounced: a sweep reports progress several times a
// second per run, and the tree needs no more than a few redraws a second to show it.
import * as vscode from 'vscode';
import type { TreeNode, TreeSnapshot } from './treeModel';
import { runIcon } from './panels/runIcons';
import { treeRunColors } from './panels/treeColors';

export class ExperimentsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private roots: TreeSnapshot = [];
  /** run node id -> palette index: a finished run's icon has the colour of its curves in the results panel */
  private colors = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly build: () => TreeSnapshot) {}

  /** Rebuilds now from the store and the live sweeps. */
  refresh(): TreeSnapshot {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.roots = this.build();
    this.colors = treeRunColors(this.roots);
    this.emitter.fire();
    return this.roots;
  }

  scheduleRefresh(delayMs = 250): void {
    this.timer ??= setTimeout(() => this.refresh(), delayMs);
  }

  get current(): TreeSnapshot {
    return this.roots;
  }

  getChildren(node?: TreeNode): TreeNode[] {
    return node ? node.children : this.roots;
  }

  getTreeItem(n: TreeNode): vscode.TreeItem {
    // Experiments start collapsed unless they are running (the list stays short); groups start open, so an
    // opened experiment shows its runs at once. VS Code remembers what the user toggles, by id.
    const open = n.kind === 'group' || n.contextValue.includes('active');
    const collapsible = !n.children.length
      ? vscode.TreeItemCollapsibleState.None
      : open
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(n.label, collapsible);
    item.id = n.id;
    item.description = n.description;
    item.contextValue = n.contextValue;
    if (n.tooltip) item.tooltip = new vscode.MarkdownString(n.tooltip);
    if (n.icon)
      item.iconPath = new vscode.ThemeIcon(n.icon.id, n.icon.color ? new vscode.ThemeColor(n.icon.color) : undefined);
    const color = n.kind === 'run' && n.state === 'done' ? this.colors.get(n.id) : undefined;
    const colored = color === undefined ? undefined : runIcon(color);
    if (colored) item.iconPath = colored;
    // An experiment that exists only as a config file, or a broken config, opens the file on click.
    if (n.configPath && (n.kind === 'config' || !n.dir)) {
      item.command = { command: 'vscode.open', title: 'Open Config', arguments: [vscode.Uri.file(n.configPath)] };
    }
    // A run with results opens its curves on click (issue 14, defect 8), live while it trains.
    if (n.kind === 'run' && n.dir)
      item.command = { command: 'precondLab.openResults', title: 'Open Curves', arguments: [n] };
    // The reproduction entry: a written report is written again from the store as it is now and opened; without
    // one, the click asks what to reproduce (issue 13).
    if (n.kind === 'reproduction')
      item.command = n.reproduction
        ? {
            command: 'precondLab.reproduce',
            title: 'Open Reproduction Report',
            arguments: [{ quick: n.reproduction.quick, reportOnly: true }],
          }
        : { command: 'precondLab.reproduce', title: 'Reproduce the Paper' };
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.emitter.dispose();
  }
}
