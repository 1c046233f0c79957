// The precondLab.* commands. Each works from the palette (asking what it needs), from the tree's menus (given the
// clicked node) and programmatically (given arguments, no UI), which is how the extension-host tests drive them.
// What each command takes and resolves with is the typed map in commandArgs.ts.
import { openPlayground } from './playground/panel';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ConfigError, type ExperimentConfig } from '../shared/config';
import { ExperimentStore, type Summary } from '../sweep/store';
import type { CommandArgs, CommandResult, RunOptions } from './commandArgs';
import { COMMAND_IDS, commandTitle, type CommandId } from './commandIds';
import { parseConfig } from '../shared/config';
import { compareConfigs, presetConfig, setsEvalEvery, sweepConfig, withChanges } from './configs';
import { findConfigFiles, readConfigText } from './configFiles';
import { deleteTarget, exportCsv, newConfig, revealTarget } from './fileActions';
import type { LabRunner, SweepRequest } from './labRunner';
import { annotate, exportPanel, openCompare, openResults, pinRuns } from './openResults';
import type { Reporter } from './reporter';
import type { LabSettings } from './settings';
import { readStore } from './storeReader';
import { startSweep } from './sweepUi';
import type { ExecutorChoice } from './executorChoice';
import { askCompare, askSweep, pickExperiment, pickPreset } from './sweepWizard';
import { rootArg } from './safePaths';
import { resolveTarget, type Target } from './targets';
import { mayRun } from './trust';
import { askReproduce, reproduceInEditor } from './reproduceCommand';
import type { TreeSnapshot } from './treeModel';
import { treeHandlers, type TreeControls } from './treeCommands';
import { SweepEstimator } from './presetEstimate';

export interface CommandDeps {
  lab: LabRunner;
  reporter: Reporter;
  settings: () => LabSettings;
  refresh: () => Promise<TreeSnapshot>;
  /** the Experiments view's filter box (src/host/treeCommands.ts) */
  tree: TreeControls;
  /** the extension's global storage folder: this machine's measured speed (speed.json) for time estimates */
  globalStorage?: string;
  executors: ExecutorChoice;
}

/** Arguments arrive unchecked (a menu passes a tree node, a link or another extension anything), so each handler
 *  takes unknown and checks; what it resolves with is typed by the contract. */
type Handlers = { [K in CommandId]: (...args: unknown[]) => CommandResult<K> | Promise<CommandResult<K>> };

const isOptions = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !('kind' in v) && !('fsPath' in v);

/** The config the user means: the active editor's JSON, else a visible *.precond.json, else one they pick. */
async function configInEditor(): Promise<vscode.Uri | undefined> {
  // The output panel and other non-file documents can be the active editor; they are never configs.
  const json = (e: vscode.TextEditor | undefined): boolean =>
    !!e && ['file', 'untitled'].includes(e.document.uri.scheme) && /\.json$/i.test(e.document.fileName);
  const active = vscode.window.activeTextEditor;
  if (json(active)) return active!.document.uri;
  const visible = vscode.window.visibleTextEditors
    .filter(json)
    .sort(
      (a, b) =>
        Number(b.document.fileName.endsWith('.precond.json')) - Number(a.document.fileName.endsWith('.precond.json')),
    );
  if (visible.length) return visible[0].document.uri;
  const files = await findConfigFiles();
  if (!files.length) return undefined;
  const pick = await vscode.window.showQuickPick(
    files.map((f) => ({
      label: path.basename(f.path),
      description: f.error ? `invalid: ${f.error}` : f.config?.description,
      path: f.path,
    })),
    { title: 'Run which experiment config?' },
  );
  return pick && vscode.Uri.file(pick.path);
}

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  // a `root` argument must be the results folder or inside it (see safePaths.ts)
  const rootOf = (o?: RunOptions): string => rootArg(d.settings().resultsRoot, o?.root);
  const defaults = (): { evalEvery: number; maxRuns: number } => ({
    evalEvery: d.settings().evalEvery,
    maxRuns: d.settings().maxRuns,
  });
  // where a sweep trains: options.executor, else the precondLab.executor setting (executorChoice.ts)
  const sweep = async (
    config: ExperimentConfig,
    o: RunOptions | undefined,
    extra: Partial<SweepRequest> = {},
  ): Promise<Summary> => {
    const executor = await d.executors.make((await d.executors.choose(o?.executor, false))!, o?.force || extra.force);
    return startSweep(d, { config, root: rootOf(o), force: o?.force, executor, ...extra });
  };
  /** A sweep started from the UI (a pick, the tree, the editor's title bar) asks where to train when more than
   *  local is set up; undefined when the user dismissed the pick. */
  const where = async <T extends RunOptions>(o: T | undefined, ask: boolean): Promise<T | undefined> => {
    const executor = await d.executors.choose(o?.executor, ask);
    return executor && ({ ...o, executor } as T);
  };

  /** Pins the runs named (the tree's selection, or one run), or the runs picked from an experiment. */
  const pinCommand = async (a: unknown, sel: unknown, pin: boolean): Promise<number> => {
    const root = rootOf();
    const named = (Array.isArray(sel) && sel.length ? sel : [a])
      .map((x) => resolveTarget(x, root))
      .filter((t): t is Target => !!t);
    let runs = named.filter((t) => t.runId).map((t) => ({ root: t.root, experiment: t.experiment, runId: t.runId! }));
    if (!runs.length) {
      const t =
        named[0] ?? (await target(a, pin ? 'Pin runs of which experiment?' : 'Unpin runs of which experiment?'));
      if (!t) return 0;
      const ids = new ExperimentStore(t.root, t.experiment).listRunIds();
      const picked = await vscode.window.showQuickPick(ids, {
        title: `${pin ? 'Pin' : 'Unpin'} which runs of ${t.experiment}?`,
        canPickMany: true,
      });
      if (!picked?.length) return 0;
      runs = picked.map((runId) => ({ root: t.root, experiment: t.experiment, runId }));
    }
    const n = await pinRuns(runs, pin);
    d.reporter.log(`${pin ? 'pinned' : 'unpinned'} ${n} run(s) for comparison`);
    return n;
  };
  const target = async (arg: unknown, title: string, options?: RunOptions): Promise<Target | undefined> => {
    const root = rootOf(options);
    const t = resolveTarget(arg, root);
    if (t) return t;
    const name = await pickExperiment(
      readStore(root).map((e) => e.name),
      title,
    );
    return name ? resolveTarget(name, root) : undefined;
  };
  const isLive = (t: Target): boolean => {
    const runs = d.lab.live(t.root).get(t.experiment);
    return !!runs && (t.runId ? runs.has(t.runId) : runs.size > 0);
  };

  const runConfigFile = async (arg: unknown, o?: RunOptions): Promise<Summary | undefined> => {
    // a Uri, a path, a tree node with a config file, or else the active editor's document
    const file =
      typeof arg === 'object' && arg !== null && typeof (arg as { configPath?: unknown }).configPath === 'string'
        ? (arg as { configPath: string }).configPath
        : arg;
    const uri =
      file instanceof vscode.Uri
        ? file
        : typeof file === 'string'
          ? vscode.Uri.file(path.resolve(file))
          : await configInEditor();
    if (!uri)
      throw new Error(
        'open an experiment config (*.precond.json) in the editor, or create one with "New Experiment Config", ' +
          'then run it',
      );
    const open = vscode.workspace.textDocuments.find((doc) => doc.uri.toString() === uri.toString());
    const text = open ? open.getText() : await readConfigText(uri);
    const name = path.basename(uri.fsPath);
    let config: ExperimentConfig;
    try {
      config = parseConfig(text, name, { maxRuns: d.settings().maxRuns });
      if (!setsEvalEvery(text)) config = withChanges(config, {}, defaults());
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      d.reporter.error(
        `${name} is invalid, nothing was started; fix the field${e.problems.length > 1 ? 's' : ''} and run again`,
        e,
        {
          title: 'Open Config',
          run: () => vscode.window.showTextDocument(uri),
        },
      );
      return undefined;
    }
    const on = await where(o, o === undefined);
    return on && sweep(config, on);
  };

  const estimator = new SweepEstimator(() => d.settings().resultsRoot, d.globalStorage);
  const handlers: Handlers = {
    ...treeHandlers(d),
    'precondLab.runPreset': async (a) => {
      // from the pick: each preset shows its time estimate, and a full one asks before it starts (presetEstimate.ts)
      const picked = !(isOptions(a) && typeof a.preset === 'string');
      const args = (
        picked ? await pickPreset('Run a paper preset', false, estimator.describe()) : a
      ) as CommandArgs<'precondLab.runPreset'>[0];
      const on = args && (await where(args, !isOptions(a)));
      if (!on) return undefined;
      const config = presetConfig(on, defaults());
      const executor = on.executor ?? d.settings().executors.executor;
      d.reporter.log(`${config.name}: ${estimator.line(config, executor)}`);
      if (picked && !on.quick && !(await estimator.confirm(config, executor))) return undefined;
      return sweep(config, on);
    },
    'precondLab.sweepP': async (a) => {
      const args = (isOptions(a) ? a : await askSweep()) as CommandArgs<'precondLab.sweepP'>[0];
      const on = args && (await where(args, !isOptions(a)));
      return on && sweep(sweepConfig(on, defaults()), on);
    },
    'precondLab.compareOptimizers': async (a) => {
      const args = (isOptions(a) ? a : await askCompare()) as CommandArgs<'precondLab.compareOptimizers'>[0];
      const on = args && (await where(args, !isOptions(a)));
      return on && Promise.all(compareConfigs(on, defaults()).map((c) => sweep(c, on)));
    },
    'precondLab.newConfig': async (a) => {
      const args = (
        isOptions(a) ? a : await pickPreset('New experiment config from a preset')
      ) as CommandArgs<'precondLab.newConfig'>[0];
      return args && newConfig(args);
    },
    'precondLab.runConfig': (a, o) =>
      runConfigFile(a, isOptions(o) ? (o as CommandArgs<'precondLab.runConfig'>[1]) : undefined),
    'precondLab.cancelRun': async (a) => {
      const live = [...d.lab.live().keys()];
      const t =
        resolveTarget(a, d.settings().resultsRoot) ??
        (await pickExperiment(live, 'Cancel which sweep?').then(
          (n) => n && resolveTarget(n, d.settings().resultsRoot),
        ));
      if (!t) return false;
      const ok = t.runId ? d.lab.cancelRun(t.experiment, t.runId) : d.lab.cancelSweep(t.experiment) > 0;
      if (!ok) d.reporter.log(`${t.runId ?? t.experiment} is not queued or running: nothing to cancel`);
      return ok;
    },
    'precondLab.cancelAll': () => d.lab.cancelAll(),
    'precondLab.setRedisPassword': (a) => d.executors.setRedisPassword(a),
    'precondLab.openPlayground': (a) =>
      openPlayground(isOptions(a) ? (a as CommandArgs<'precondLab.openPlayground'>[0]) : undefined),
    'precondLab.reproduce': async (a) => {
      const args = (isOptions(a) ? a : await askReproduce()) as CommandArgs<'precondLab.reproduce'>[0];
      return (
        args &&
        reproduceInEditor(
          args,
          rootOf(args),
          (c) => sweep(c, args),
          (l) => d.reporter.log(l),
        )
      );
    },
    'precondLab.openResults': async (a, o) => {
      const t = await target(a, 'Open the results of which experiment?');
      if (t) await openResults(t.dir, { ...(isOptions(o) ? o : {}), runId: t.runId });
    },
    'precondLab.exportPanel': (a) => exportPanel(a),
    'precondLab.pinRun': (a, s) => pinCommand(a, s, true),
    'precondLab.unpinRun': (a, s) => pinCommand(a, s, false),
    'precondLab.openCompare': () => openCompare(),
    'precondLab.annotate': async (a, v) => {
      const t = await target(a, 'Tags and note of which experiment?');
      return t
        ? annotate(t.dir, t.runId, isOptions(v) ? (v as CommandArgs<'precondLab.annotate'>[1]) : undefined)
        : false;
    },
    'precondLab.exportCsv': async (a, f) => {
      const t = await target(a, 'Export which experiment as CSV?');
      if (!t) return undefined;
      const file = await exportCsv(
        t,
        f instanceof vscode.Uri ? f.fsPath : typeof f === 'string' ? path.resolve(f) : undefined,
      );
      if (file) d.reporter.info(`Exported ${t.experiment} to ${file}`);
      return file;
    },
    'precondLab.showOutput': () => d.reporter.channel.show(),
    'precondLab.refresh': () => d.refresh(),
    'precondLab.rerun': async (a, o) => {
      const opts = isOptions(o) ? (o as CommandArgs<'precondLab.rerun'>[1]) : undefined;
      const t = await target(a, 'Re-run which experiment?', opts);
      if (!t) return undefined;
      if (isLive(t))
        throw new Error(`${t.runId ?? t.experiment} is still queued or running; cancel it first or wait for it`);
      const store = new ExperimentStore(t.root, t.experiment);
      const config = store.readConfig();
      if (!config)
        return t.configPath
          ? runConfigFile(t.configPath, opts)
          : Promise.reject(new Error(`${t.dir} holds no experiment.json to re-run`));
      const on = await where({ ...opts, root: t.root }, !opts);
      if (!on) return undefined;
      if (!t.runId) return sweep(config, on);
      const run = store.readRun(t.runId);
      if (!run) throw new Error(`run ${t.runId} is not in ${t.dir}`);
      // Re-run exactly this run: the experiment's config with a one-point grid at its params.
      const grid = Object.fromEntries(Object.entries(run.params).map(([k, v]) => [k, [v]]));
      const one = withChanges(config, { grid });
      return sweep(one, { root: t.root, executor: on.executor }, { force: true, whole: config });
    },
    'precondLab.delete': async (a, o) => {
      const t = await target(a, 'Delete which experiment?');
      if (!t) return false;
      if (isLive(t)) throw new Error(`${t.runId ?? t.experiment} is queued or running; cancel it before deleting`);
      const ok = await deleteTarget(t, !(isOptions(o) && o.confirm === false));
      if (ok) {
        d.reporter.log(`deleted ${t.runId ? `run ${t.runId} of ` : ''}${t.experiment}`);
        await d.refresh();
      }
      return ok;
    },
    'precondLab.reveal': async (a) => {
      const t = await target(a, 'Reveal which experiment?');
      if (t) await revealTarget(t);
    },
  };

  return COMMAND_IDS.map((id) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        if (!mayRun(id, d.reporter)) return undefined;
        return await handlers[id](...args);
      } catch (e) {
        d.reporter.error(`${commandTitle(id)} failed`, e);
        return undefined;
      }
    }),
  );
}
