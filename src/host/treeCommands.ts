// The Experiments view's own commands: the filter box (filter, sort, group, clear) and, on a run, open its config,
// run.json or metrics file and copy the CLI command that trains it again. commands.ts spreads these handlers into
// its table; each works from the view's title bar or context menu, from the palette (asking what it needs) and
// with arguments and no UI (the extension-host tests).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ExperimentStore } from '../sweep/store';
import type { CommandResult } from './commandArgs';
import type { CommandId } from './commandIds';
import { cliCommandFor } from './cliCommand';
import { metricsSource } from './lateBands';
import { plainText } from './notifyText';
import type { Reporter } from './reporter';
import { insideResults, rootArg } from './safePaths';
import type { LabSettings } from './settings';
import { readStore } from './storeReader';
import { pickExperiment } from './sweepWizard';
import { resolveTarget, type Target } from './targets';
import { FilterError, HEADLINE_KEY, parseQuery, unknownKeys } from './treeFilter';
import type { TreeSnapshot } from './treeModel';

/** What the commands need from the view (experimentsView.ts implements it). */
export interface TreeControls {
  query(): string;
  setQuery(text: string): TreeSnapshot;
  keys(): { params: string[]; metrics: string[] };
}

export interface TreeCommandDeps {
  reporter: Reporter;
  settings: () => LabSettings;
  tree: TreeControls;
}

export const TREE_COMMAND_IDS = [
  'precondLab.filterTree',
  'precondLab.clearFilter',
  'precondLab.groupTree',
  'precondLab.sortTree',
  'precondLab.openConfigFile',
  'precondLab.openRunJson',
  'precondLab.openMetrics',
  'precondLab.copyCliCommand',
] as const satisfies readonly CommandId[];
type TreeCommandId = (typeof TREE_COMMAND_IDS)[number];
type TreeHandlers = {
  [K in TreeCommandId]: (...args: unknown[]) => CommandResult<K> | Promise<CommandResult<K>>;
};

/** The query text with its `sort:` or `group:` directive replaced (or removed, given undefined). */
export function withDirective(text: string, kind: 'sort' | 'group', value: string | undefined): string {
  const kept = text
    .split(/\s+/)
    .filter((t) => t && !t.toLowerCase().startsWith(`${kind}:`))
    .join(' ');
  return [kept, value === undefined ? '' : `${kind}:${value}`].filter(Boolean).join(' ');
}

const SYNTAX =
  'p=0,1  case=high  status=done  testMSE<1.5  seed!=42  a word  sort:-testMSE  group:seed,case (group:none: flat)';

export function treeHandlers(d: TreeCommandDeps): TreeHandlers {
  const resultsRoot = (): string => d.settings().resultsRoot;
  const set = (text: string): TreeSnapshot => d.tree.setQuery(text);

  /** An experiment or one of its runs: from the argument, else the user picks (a run when `run`). */
  const target = async (arg: unknown, title: string, run: boolean): Promise<Target | undefined> => {
    const root = resultsRoot();
    let t = resolveTarget(arg, root);
    if (!t) {
      const name = await pickExperiment(
        readStore(root).map((e) => e.name),
        title,
      );
      t = name ? resolveTarget(name, root) : undefined;
    }
    if (!t || !run || t.runId) return t;
    const ids = new ExperimentStore(t.root, t.experiment).listRunIds();
    if (!ids.length) throw new Error(`${t.experiment} has no runs yet`);
    const id =
      ids.length === 1 ? ids[0] : await vscode.window.showQuickPick(ids, { title: `${title} (${t.experiment})` });
    return id ? { ...t, runId: id } : undefined;
  };

  const open = async (file: string, what: string): Promise<string> => {
    if (!fs.existsSync(file)) throw new Error(`${what} does not exist (${file})`);
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
    return file;
  };

  return {
    'precondLab.filterTree': async (a) => {
      if (typeof a === 'string') return set(a);
      const keys = d.tree.keys();
      const known = [...keys.params, 'status', HEADLINE_KEY, ...keys.metrics].join(', ');
      const text = await vscode.window.showInputBox({
        title: 'Filter the Experiments view',
        value: d.tree.query(),
        prompt: `Keys: ${known || 'none yet'}. Empty clears the filter.`,
        placeHolder: SYNTAX,
        validateInput: (t) => {
          try {
            const q = parseQuery(t);
            const unknown = unknownKeys(q, [
              {
                id: '',
                experiment: '',
                state: 'done',
                labels: [],
                params: Object.fromEntries(keys.params.map((k) => [k, ''])),
                final: Object.fromEntries(keys.metrics.map((k) => [k, 0])),
              },
            ]);
            return unknown.length
              ? {
                  message: `No run has ${unknown.join(', ')} (keys: ${known})`,
                  severity: vscode.InputBoxValidationSeverity.Warning,
                }
              : undefined;
          } catch (e) {
            return e instanceof FilterError ? e.message : String(e);
          }
        },
      });
      return text === undefined ? undefined : set(text);
    },
    'precondLab.clearFilter': () => set(''),
    'precondLab.groupTree': async (a) => {
      let value: string | undefined | null = null;
      if (Array.isArray(a)) value = a.length ? a.map(String).join(',') : 'none';
      else if (typeof a === 'string') value = a === 'default' ? undefined : a;
      else {
        const keys = d.tree.keys().params;
        const pick = await vscode.window.showQuickPick(
          [
            {
              label: 'The swept axes',
              description: 'default: case, SNR... with p labelling the runs',
              value: undefined,
            },
            { label: 'None', description: 'a flat list of runs', value: 'none' },
            ...keys.map((k) => ({ label: k, description: `one level: ${k}`, value: k })),
            { label: 'Several levels...', description: 'e.g. seed, case', value: '*' },
          ],
          { title: 'Group runs by' },
        );
        if (!pick) return undefined;
        value = pick.value;
        if (value === '*') {
          const text = await vscode.window.showInputBox({
            title: 'Group runs by these levels, outermost first',
            prompt: `Comma-separated; parameters: ${keys.join(', ')}`,
            validateInput: (t) => (/^\s*[\w.-]+(\s*,\s*[\w.-]+)*\s*$/.test(t) ? undefined : 'e.g. seed, case'),
          });
          if (text === undefined) return undefined;
          value = text.replace(/\s+/g, '');
        }
      }
      return set(withDirective(d.tree.query(), 'group', value ?? undefined));
    },
    'precondLab.sortTree': async (a) => {
      let value: string | undefined;
      if (typeof a === 'string') value = a;
      else if (a && typeof a === 'object' && typeof (a as { key?: unknown }).key === 'string') {
        const s = a as { key: string; descending?: boolean };
        value = `${s.descending ? '-' : ''}${s.key}`;
      } else {
        const { params, metrics } = d.tree.keys();
        const keys = [
          { label: HEADLINE_KEY, description: 'the number each run row shows' },
          ...metrics.map((k) => ({ label: k, description: 'final metric' })),
          ...params.map((k) => ({ label: k, description: 'parameter' })),
          { label: 'status', description: 'run state' },
        ];
        const key = await vscode.window.showQuickPick([{ label: 'Default order', description: '' }, ...keys], {
          title: 'Sort runs by',
        });
        if (!key) return undefined;
        if (key.label === 'Default order') return set(withDirective(d.tree.query(), 'sort', undefined));
        const dir = await vscode.window.showQuickPick(['ascending', 'descending'], { title: `Sort by ${key.label}` });
        if (!dir) return undefined;
        value = `${dir === 'descending' ? '-' : ''}${key.label}`;
      }
      return set(withDirective(d.tree.query(), 'sort', value));
    },
    'precondLab.openConfigFile': async (a) => {
      const t = await target(a, 'Open the config of which experiment?', false);
      if (!t) return undefined;
      // what ran is the store's copy; a config file not run yet has only its own
      const stored = insideResults(t.root, path.join(t.dir, 'experiment.json'), 'experiment.json');
      if (fs.existsSync(stored)) return open(stored, `${t.experiment}'s experiment.json`);
      if (t.configPath) return open(t.configPath, 'the config file');
      throw new Error(`${t.experiment} has no experiment.json in ${t.dir}`);
    },
    'precondLab.openRunJson': async (a) => {
      const t = await target(a, 'Open run.json of which run?', true);
      if (!t?.runId) return undefined;
      const dir = new ExperimentStore(t.root, t.experiment).runDir(t.runId);
      return open(insideResults(t.root, path.join(dir, 'run.json'), 'run.json'), `run.json of ${t.runId}`);
    },
    'precondLab.openMetrics': async (a) => {
      const t = await target(a, 'Open the metrics of which run?', true);
      if (!t?.runId) return undefined;
      const store = new ExperimentStore(t.root, t.experiment);
      const dir = store.runDir(t.runId);
      // a transfer run that reused its Task 1 reads through to the run it reused (issue 14, defect 1)
      const file = insideResults(t.root, metricsSource(t.root, dir, store.readRun(t.runId)), 'metrics file');
      if (path.dirname(file) !== dir) d.reporter.log(`${t.runId} reused its Task 1: opening ${file}`);
      return open(file, `the metrics of ${t.runId}`);
    },
    'precondLab.copyCliCommand': async (a) => {
      const t = await target(a, 'Copy the CLI command of which run?', true);
      if (!t?.runId) return undefined;
      const store = new ExperimentStore(t.root, t.experiment);
      const config = store.readConfig();
      const run = store.readRun(t.runId);
      if (!config || !run) throw new Error(`${t.experiment}/${t.runId} has no readable experiment.json and run.json`);
      const cmd = cliCommandFor(
        config,
        t.runId,
        { params: run.params, key: run.key, backend: run.backend },
        path.join(t.dir, 'experiment.json'),
        rootArg(resultsRoot(), t.root),
      );
      await vscode.env.clipboard.writeText(cmd.text);
      d.reporter.log(`copied: ${cmd.text}`);
      d.reporter.info(
        plainText(
          `Copied the command that trains ${t.runId} again (from the ${cmd.base}, into an experiment of its own)` +
            `${cmd.note ? `; ${cmd.note}` : ''}.`,
        ),
      );
      return cmd.text;
    },
  };
}
