// What the suite relies on from the extension. The API object, tree nodes, the command table and the commands'
// argument and result types are the extension's own (src/extension.ts, src/host/treeModel.ts,
// src/host/commandIds.ts, src/host/commandArgs.ts), so `npm run check-types` flags a test that drifted from them.
import type { CommandArgs, CommandResult } from '../../src/host/commandArgs';
import { CATEGORY, COMMAND_IDS, type CommandId } from '../../src/host/commandIds';
import type { Summary } from '../../src/sweep/store';

export type { LabApi } from '../../src/extension';
export type { TreeNode, TreeSnapshot } from '../../src/host/treeModel';
export type { CommandArgs, CommandId, CommandResult };

export const EXTENSION_ID = 'precond-lab.preconditioning-lab';
export { CATEGORY };

/** Every command the extension registers; each must be contributed in package.json and registered. */
export const EXPECTED_COMMANDS: readonly string[] = COMMAND_IDS;

/** Argument of `precondLab.runPreset`; the command resolves with the sweep's Summary once every run has ended. */
export type RunPresetArgs = NonNullable<CommandArgs<'precondLab.runPreset'>[0]>;

export type SweepSummary = Summary;
