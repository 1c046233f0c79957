// What the suite relies on from the extension. The API object and tree nodes are the extension's own types
// (src/extension.ts, src/host/treeModel.ts), so `npm run check-types` flags a test that drifted from them; the
// command arguments and results follow the contract written at the top of src/host/commands.ts.
import type { Summary } from '../../src/sweep/store';

export type { LabApi } from '../../src/extension';
export type { TreeNode, TreeSnapshot } from '../../src/host/treeModel';

export const EXTENSION_ID = 'precond-lab.preconditioning-lab';
export const CATEGORY = 'Preconditioning Lab';

/** Every command the extension issue asks for; each must be contributed in package.json and registered. */
export const EXPECTED_COMMANDS = [
  'runPreset', 'sweepP', 'compareOptimizers', 'newConfig', 'runConfig', 'cancelRun', 'cancelAll',
  'openResults', 'exportCsv', 'showOutput', 'refresh', 'rerun', 'delete', 'reveal',
].map((c) => `precondLab.${c}`);

/** Argument of `precondLab.runPreset`; the command resolves with the sweep's Summary once every run has ended. */
export interface RunPresetArgs {
  preset: string;
  quick?: boolean;
  overrides?: Partial<Summary['experiment']['settings']>;
}

export type SweepSummary = Summary;
