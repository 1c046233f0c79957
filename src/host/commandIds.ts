// Every command the extension registers, with its palette title. commands.ts must give each a handler (its map
// is typed by these ids) and a unit test checks package.json declares exactly these with these titles, so the
// palette, the menus and the code cannot drift apart.
export const COMMAND_TITLES = {
  'precondLab.runPreset': 'Run Paper Preset',
  'precondLab.sweepP': 'New Sweep over p',
  'precondLab.compareOptimizers': 'Compare Optimizers',
  'precondLab.newConfig': 'New Experiment Config',
  'precondLab.runConfig': 'Run Experiment Config',
  'precondLab.cancelRun': 'Cancel',
  'precondLab.cancelAll': 'Cancel All Runs',
  'precondLab.openResults': 'Open Results',
  'precondLab.exportCsv': 'Export Results as CSV',
  'precondLab.exportPanel': 'Export Chart as PNG or CSV',
  'precondLab.showOutput': 'Show Output',
  'precondLab.refresh': 'Refresh Experiments',
  'precondLab.rerun': 'Re-run',
  'precondLab.delete': 'Delete',
  'precondLab.reveal': 'Reveal in Explorer',
} as const;

export type CommandId = keyof typeof COMMAND_TITLES;
export const COMMAND_IDS = Object.keys(COMMAND_TITLES) as CommandId[];
