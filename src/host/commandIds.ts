// Every command the extension registers: its palette title and its icon in menus. package.json's
// contributes.commands is this table written out (a unit test checks it equals contributedCommands()), commands.ts
// gives each a handler (its map is typed by these ids) and the extension-host tests expect exactly these, so the
// palette, the menus and the code cannot drift apart. No vscode here: the unit tests import it.

export const CATEGORY = 'Preconditioning Lab';

/** id -> title and codicon (without the `$()`); in package.json's order. */
const COMMANDS = {
  'precondLab.runPreset': { title: 'Run Paper Preset', icon: 'beaker' },
  'precondLab.sweepP': { title: 'New Sweep over p', icon: 'add' },
  'precondLab.compareOptimizers': { title: 'Compare Optimizers', icon: 'versions' },
  'precondLab.newConfig': { title: 'New Experiment Config', icon: 'new-file' },
  'precondLab.runConfig': { title: 'Run Experiment Config', icon: 'play' },
  'precondLab.cancelRun': { title: 'Cancel', icon: 'debug-stop' },
  'precondLab.cancelAll': { title: 'Cancel All Runs', icon: 'debug-stop' },
  'precondLab.setRedisPassword': { title: 'Set Redis Password (BullMQ Executor)', icon: 'key' },
  'precondLab.openResults': { title: 'Open Results', icon: 'graph' },
  'precondLab.exportCsv': { title: 'Export Results as CSV', icon: 'export' },
  'precondLab.showOutput': { title: 'Show Output' },
  'precondLab.refresh': { title: 'Refresh Experiments', icon: 'refresh' },
  'precondLab.rerun': { title: 'Re-run', icon: 'debug-restart' },
  'precondLab.delete': { title: 'Delete', icon: 'trash' },
  'precondLab.reveal': { title: 'Reveal in Explorer', icon: 'folder-opened' },
  'precondLab.exportPanel': { title: 'Export Chart as PNG, SVG or CSV', icon: 'file-media' },
  'precondLab.pinRun': { title: 'Pin for Comparison', icon: 'pin' },
  'precondLab.unpinRun': { title: 'Unpin from Comparison', icon: 'pinned' },
  'precondLab.openCompare': { title: 'Compare Pinned Runs', icon: 'graph-line' },
  'precondLab.annotate': { title: 'Tags and Note...', icon: 'tag' },
  'precondLab.reproduce': { title: 'Reproduce the Paper (Report)', icon: 'checklist' },
  'precondLab.filterTree': { title: 'Filter Experiments...', icon: 'filter' },
  'precondLab.clearFilter': { title: 'Clear Filter', icon: 'clear-all' },
  'precondLab.groupTree': { title: 'Group Runs By...', icon: 'list-tree' },
  'precondLab.sortTree': { title: 'Sort Runs By...', icon: 'list-ordered' },
  'precondLab.openConfigFile': { title: 'Open Config', icon: 'json' },
  'precondLab.openRunJson': { title: 'Open run.json', icon: 'file-code' },
  'precondLab.openMetrics': { title: 'Open Metrics File', icon: 'output' },
  'precondLab.copyCliCommand': { title: 'Copy CLI Command', icon: 'terminal' },
  'precondLab.openPlayground': { title: 'Open Playground', icon: 'play-circle' },
} as const satisfies Record<string, { title: string; icon?: string }>;

export type CommandId = keyof typeof COMMANDS;
export const COMMAND_IDS = Object.keys(COMMANDS) as CommandId[];

export const commandTitle = (id: CommandId): string => COMMANDS[id].title;

/** The contributes.commands entries package.json must hold. */
export function contributedCommands(): { command: CommandId; title: string; category: string; icon?: string }[] {
  return COMMAND_IDS.map((command) => {
    const c: { title: string; icon?: string } = COMMANDS[command];
    return { command, title: c.title, category: CATEGORY, ...(c.icon ? { icon: `$(${c.icon})` } : {}) };
  });
}
