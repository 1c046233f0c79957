// What each precondLab.* command takes and gives back through executeCommand. Every argument is optional: without
// one the command asks (a pick, an input box, a save dialog). commands.ts types its handlers' results and its
// argument checks by this map, and the extension-host tests call the commands through it.
//
// Every name, path and `root` given resolves inside the results folder (precondLab.resultsFolder), symlinks
// followed, or the command fails with a message naming it (src/host/safePaths.ts). In Restricted Mode the commands
// that run refuse (src/host/trust.ts). Sweep commands resolve when the sweep finishes or is cancelled; a refused
// config or another error resolves with undefined after an error notification (the API's messages() lists it).
import type { Uri } from 'vscode';
import type { Summary } from '../sweep/store';
import type { ExecutorName } from '../sweep/executors/types';
import type { CommandId } from './commandIds';
import type { CompareArgs, PresetArgs, SweepArgs } from './configs';
import type { NewConfigArgs } from './fileActions';
import type { OpenOptions } from './openResults';
import type { ExportArgs, ExportResult } from './panels/exportArgs';
import type { AnnotateValues } from './panels/panels';
import type { TargetArg } from './targets';
import type { ReproduceArgs, ReproduceResult } from './reproduceCommand';
import type { PlaygroundControls } from '../shared/playground/controls';
import type { PlaygroundInfo } from './playground/panel';
import type { TreeNode, TreeSnapshot } from './treeModel';

/** `root`: the results folder or a folder inside it; `force`: re-run runs already done; `executor`: where the
 *  sweep trains (default: the precondLab.executor setting; from the UI, a pick when more than local is set up). */
export interface RunOptions {
  root?: string;
  force?: boolean;
  executor?: ExecutorName;
}

/** An experiment or run: a tree node, { experiment, runId?, root? }, an experiment name, an experiment folder (or
 *  a run folder <experiment>/runs/<id>) as a path or a folder Uri. */
export type TargetLike = TreeNode | TargetArg | string | Uri;

/** Command id -> its arguments (a tuple) and what it resolves with. */
export interface CommandContract {
  'precondLab.runPreset': { args: [options?: PresetArgs & RunOptions]; result: Summary | undefined };
  'precondLab.sweepP': { args: [options?: SweepArgs & RunOptions]; result: Summary | undefined };
  /** regression presets give one experiment per preconditioner; an OOD preset one sweep over `optimizers` */
  'precondLab.compareOptimizers': { args: [options?: CompareArgs & RunOptions]; result: Summary[] | undefined };
  /** resolves with the file written */
  'precondLab.newConfig': { args: [options?: NewConfigArgs]; result: string | undefined };
  /** the config file as a Uri, a path or a tree node; default: the active editor */
  'precondLab.runConfig': {
    args: [config?: Uri | string | TreeNode, options?: RunOptions];
    result: Summary | undefined;
  };
  /**
   * a run: stops it (and the runs training in its process); an experiment: its sweep. True when something was
   * cancelled
   */
  'precondLab.cancelRun': { args: [target?: TargetLike]; result: boolean };
  /** resolves with the number of sweeps cancelled */
  'precondLab.cancelAll': { args: []; result: number };
  /** stores the Redis password for the bullmq executor in the editor's secret storage ('' removes it); no
   *  argument: a password input box. True when something was stored or removed */
  'precondLab.setRedisPassword': { args: [password?: string]; result: boolean };
  /** a run target opens its curves */
  'precondLab.openResults': {
    args: [target?: TargetLike, options?: Pick<OpenOptions, 'tab' | 'runIds'>];
    result: void;
  };
  /** no argument: the active results panel, a format pick and a save dialog */
  'precondLab.exportPanel': { args: [options?: ExportArgs]; result: ExportResult | undefined };
  /** runs (a run target; the tree passes the selection as the second argument); an experiment without a run: a
   *  pick of its runs. Resolves with how many were pinned (or unpinned) */
  'precondLab.pinRun': { args: [target?: TargetLike, selection?: TargetLike[]]; result: number };
  'precondLab.unpinRun': { args: [target?: TargetLike, selection?: TargetLike[]]; result: number };
  /** opens (or shows) the comparison of the pinned runs */
  'precondLab.openCompare': { args: []; result: void };
  /** tags and note of a run or experiment; with values no prompts ({ tags: 'best baseline', note }). True when
   *  saved */
  'precondLab.annotate': { args: [target?: TargetLike, values?: AnnotateValues]; result: boolean };
  /** no file: a save dialog; resolves with the file written */
  'precondLab.exportCsv': { args: [target?: TargetLike, file?: string | Uri]; result: string | undefined };
  'precondLab.showOutput': { args: []; result: void };
  'precondLab.refresh': { args: []; result: TreeSnapshot };
  /** a run: re-runs it; an experiment: re-runs what is not done (force: all) */
  'precondLab.rerun': { args: [target?: TargetLike, options?: RunOptions]; result: Summary | undefined };
  /** confirm defaults to true (a modal); true when something was deleted */
  'precondLab.delete': { args: [target?: TargetLike, options?: { confirm?: boolean }]; result: boolean };
  'precondLab.reveal': { args: [target?: TargetLike]; result: void };
  /** runs every figure's preset (quick by default) in both settings, writes the report, opens it */
  'precondLab.reproduce': {
    args: [options?: ReproduceArgs & Pick<RunOptions, 'root'>];
    result: ReproduceResult | undefined;
  };
  /** opens (or shows) the Playground, at these controls when given (a results panel's link) */
  'precondLab.openPlayground': { args: [controls?: Partial<PlaygroundControls>]; result: PlaygroundInfo };
  /** the filter box's text (src/host/treeFilter.ts: p=0 status=done testMSE<1.5 sort:-testMSE group:seed; '' clears);
   *  no argument: an input box. Resolves with the tree as filtered */
  'precondLab.filterTree': { args: [query?: string]; result: TreeSnapshot | undefined };
  'precondLab.clearFilter': { args: []; result: TreeSnapshot };
  /** grouping levels, outermost first ([] or 'none': a flat list; 'default': the swept axes); none: a pick */
  'precondLab.groupTree': { args: [levels?: string[] | string]; result: TreeSnapshot | undefined };
  /** 'testMSE', '-testMSE' (descending) or { key, descending }; none: a pick */
  'precondLab.sortTree': {
    args: [by?: string | { key: string; descending?: boolean }];
    result: TreeSnapshot | undefined;
  };
  /** the experiment's stored experiment.json (else its config file) opened in an editor; resolves with the file */
  'precondLab.openConfigFile': { args: [target?: TargetLike]; result: string | undefined };
  /** a run's run.json opened in an editor; resolves with the file */
  'precondLab.openRunJson': { args: [target?: TargetLike]; result: string | undefined };
  /** a run's metrics.jsonl (a reused Task 1's, read through) opened in an editor; resolves with the file */
  'precondLab.openMetrics': { args: [target?: TargetLike]; result: string | undefined };
  /** copies the `precond-lab run ...` line that trains the run again (src/host/cliCommand.ts); resolves with it */
  'precondLab.copyCliCommand': { args: [target?: TargetLike]; result: string | undefined };
}

/** Indexing by every CommandId makes a command missing from the contract a type error. */
export type CommandArgs<K extends CommandId> = CommandContract[K]['args'];
export type CommandResult<K extends CommandId> = CommandContract[K]['result'];
