// The Experiments tree as plain data: experiments from the results store, from live sweeps and from config files,
// with their runs grouped by the axes the grid sweeps. treeProvider.ts adapts it to VS Code; tests and the
// extension's API read it as it is. Axes are read from the runs' params, so new experiment kinds need no change here.
import * as path from 'node:path';
import type { ExperimentConfig } from '../shared/config';
import { expandRuns } from '../shared/config';
import type { StoredExperiment } from './storeReader';
import { verdictCounts, verdictTooltip, type ReproductionEntry } from './reproductionEntry';
import { tagText, type Annotation } from '../shared/annotations';
import type { EngineState } from '../sweep/executors/types';
import { filters, matches, sortRuns, type RunFacts, type TreeQuery } from './treeFilter';
import {
  engineState,
  headline,
  runIcon,
  md,
  paramLabel,
  progressOf,
  runDescription,
  runTooltip,
  runView,
  type Icon,
  type LiveRun,
  type ParamValue,
  type RunState,
  type RunView,
} from './runView';

export type NodeKind = 'experiment' | 'group' | 'run' | 'config' | 'reproduction';

export interface TreeNode {
  id: string;
  kind: NodeKind;
  label: string;
  description?: string;
  /** Markdown */
  tooltip?: string;
  icon?: Icon;
  /** the `viewItem` that menus' `when` clauses match: space-separated words, the kind first */
  contextValue: string;
  /** the experiment's name ('' for a config file that cannot be read) */
  experiment: string;
  /** the experiment's folder in the store, once it has one */
  dir?: string;
  configPath?: string;
  runId?: string;
  state?: RunState;
  /** what a remote engine says of a live run (slurm, bullmq): pending, running, requeued */
  engine?: EngineState;
  /** 0..1 while running */
  progress?: number;
  /** a reproduction entry: which report a click writes again and opens (none: the row asks what to reproduce) */
  reproduction?: { quick: boolean; report?: string };
  children: TreeNode[];
}

export interface ConfigFileEntry {
  path: string;
  config?: ExperimentConfig;
  error?: string;
}

export interface TreeInput {
  experiments: StoredExperiment[];
  configs: ConfigFileEntry[];
  /** experiment -> run id -> live state, for runs a sweep in this window owns (queued or running) */
  live: ReadonlyMap<string, ReadonlyMap<string, LiveRun>>;
  /** the filter box's query (treeFilter.ts): only matching runs, sorted and grouped as it says */
  query?: TreeQuery;
  /** the reproduction reports in the results folder (reproductionEntry.ts) */
  reproductions?: ReproductionEntry[];
}

export type TreeSnapshot = TreeNode[];

// Grouping axes, outermost first; unknown axes (a later engine's) follow in name order. p is the swept parameter
// the paper plots against, so it labels the runs themselves.
const GROUP_ORDER = ['case', 'optimizer', 'preconditioner', 'snr'];
const LEAF_AXIS = 'p';

const compareValues = (a: ParamValue, b: ParamValue): number =>
  typeof a === 'number' && typeof b === 'number'
    ? a - b
    : String(a).localeCompare(String(b), undefined, { numeric: true });

function countsText(states: RunState[]): string {
  const n = (s: RunState): number => states.filter((x) => x === s).length;
  const done = n('done');
  const parts = [done === states.length ? `${done} done` : `${done}/${states.length} done`];
  for (const s of ['running', 'queued', 'diverged', 'failed', 'cancelled', 'interrupted'] as const)
    if (n(s)) parts.push(`${n(s)} ${s}`);
  return parts.join(' · ');
}

interface Axes {
  /** grouping levels, outermost first */
  groups: string[];
  /** what labels a run, in order (a run shows those of them it has) */
  label: string[];
}

function axesOf(runs: RunView[], group?: string[]): Axes {
  const values = new Map<string, Set<string>>();
  for (const r of runs)
    for (const [k, v] of Object.entries(r.params)) (values.get(k) ?? values.set(k, new Set()).get(k)!).add(String(v));
  const varying = [...values.keys()].filter((k) => values.get(k)!.size > 1);
  const rank = (k: string): number => (GROUP_ORDER.includes(k) ? GROUP_ORDER.indexOf(k) : GROUP_ORDER.length);
  const ordered = varying.filter((k) => k !== 'seed').sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const seed = varying.includes('seed') ? ['seed'] : [];
  if (group) {
    // the filter box's grouping: the levels it names that some run has, the other varying axes label the runs
    const groups = group.filter((k, i) => values.has(k) && group.indexOf(k) === i);
    const label = [...ordered, ...seed].filter((k) => !groups.includes(k));
    return { groups, label: label.length ? label : ['seed'] };
  }
  const leaf = ordered.includes(LEAF_AXIS) || !ordered.length ? LEAF_AXIS : ordered[ordered.length - 1];
  // a run without the leaf axis (an OOD optimizer other than AdaHessian has no p) is told apart by its seed
  return { groups: ordered.filter((k) => k !== leaf), label: [leaf, ...(seed.length ? seed : ['seed?'])] };
}

/** A run's label from the axes that label it; `seed?` is the seed only where the run lacks every other axis. */
function runLabel(r: RunView, axes: string[]): string {
  const shown = axes.filter((k) => k !== 'seed?' && r.params[k] !== undefined);
  if (axes.includes('seed?') && !shown.length && r.params.seed !== undefined) shown.push('seed');
  return shown.map((k) => paramLabel(k, r.params[k])).join(' · ') || r.id;
}

function runNode(
  r: RunView,
  experiment: string,
  dir: string | undefined,
  labelAxes: string[],
  notes?: Annotation,
): TreeNode {
  const label = runLabel(r, labelAxes);
  return {
    id: `${experiment}/run/${r.id}`,
    kind: 'run',
    label,
    // tags (annotations.json) after what the run shows: "#best · test MSE 0.52"
    description: [tagText(notes?.tags), runDescription(r)].filter(Boolean).join(' · '),
    tooltip: runTooltip(r, experiment) + (notes?.note ? `\n\n📝 ${md(notes.note)}` : ''),
    icon: runIcon(r),
    // a live run's engine state (pending, running, requeued) is a word of its own: menus match `run queued`
    contextValue: `run ${r.state}${r.live ? ' live' : ''}${engineState(r) ? ` ${engineState(r)}` : ''}`,
    experiment,
    dir: dir && r.file ? path.join(dir, 'runs', r.id) : undefined,
    runId: r.id,
    state: r.state,
    engine: engineState(r),
    progress: progressOf(r),
    children: [],
  };
}

function group(
  experiment: string,
  runs: RunView[],
  axes: string[],
  prefix: string,
  make: (r: RunView) => TreeNode,
  labelAxes: string[],
  sort: ((runs: RunView[]) => RunView[]) | undefined,
): TreeNode[] {
  if (!axes.length) {
    const byLabel = (r: RunView, k: string): ParamValue => r.params[k] ?? (k === 'seed?' ? (r.params.seed ?? 0) : '');
    const sorted = [...runs].sort(
      (a, b) =>
        labelAxes.reduce((c, k) => c || compareValues(byLabel(a, k), byLabel(b, k)), 0) ||
        compareValues(a.params.seed ?? 0, b.params.seed ?? 0) ||
        compareValues(a.id, b.id),
    );
    return (sort ? sort(sorted) : sorted).map(make);
  }
  const [axis, ...rest] = axes;
  const values = [...new Set(runs.map((r) => r.params[axis]))].sort((a, b) => compareValues(a ?? '', b ?? ''));
  return values.map((value) => {
    const members = runs.filter((r) => r.params[axis] === value);
    const id = `${prefix}/${axis}=${value}`;
    const label = value === undefined ? `no ${axis}` : paramLabel(axis, value);
    const states = members.map((m) => m.state);
    return {
      id,
      kind: 'group',
      label,
      description: countsText(states),
      tooltip: `**${md(label)}**: ${md(countsText(states))}`,
      icon: { id: states.includes('running') ? 'sync~spin' : 'list-tree' },
      contextValue: 'group',
      experiment,
      children: group(experiment, members, rest, id, make, labelAxes, sort),
    };
  });
}

function experimentNode(
  name: string,
  stored: StoredExperiment | undefined,
  cfg: ConfigFileEntry | undefined,
  live: ReadonlyMap<string, LiveRun> | undefined,
  query?: TreeQuery,
): TreeNode | undefined {
  const files = new Map((stored?.runs ?? []).map((f) => [f.id, f]));
  const ids = [...new Set([...files.keys(), ...(live?.keys() ?? [])])];
  const all = ids.map((id) => {
    const v = runView(id, files.get(id), live?.get(id));
    const late = stored?.late?.get(id);
    return late ? { ...v, late } : v;
  });
  const { groups, label } = axesOf(all, query?.group);
  const facts = new Map(all.map((r) => [r, factsOf(r, name, label)]));
  const runs = filters(query) ? all.filter((r) => matches(facts.get(r)!, query!)) : all;
  // a filter hides the experiments with no matching run (config files not run yet included)
  if (filters(query) && !runs.length) return undefined;
  const sortKey = query?.sort;
  const sort = sortKey
    ? (rs: RunView[]) =>
        sortRuns(
          rs.map((r) => facts.get(r)!),
          sortKey,
        ).map((f) => f.run)
    : undefined;
  const dir = stored?.dir;
  const config = stored?.config ?? cfg?.config;
  const active = runs.some((r) => r.live);
  const words = ['experiment', dir ? 'results' : '', cfg ? 'config' : '', active ? 'active' : 'idle'].filter(Boolean);
  const kind = config?.kind ?? stored?.runs[0]?.kind ?? '';
  const planned = cfg?.config ? expandRuns(cfg.config).length : 0;
  const description = !runs.length
    ? `${kind} · ${planned} runs · not run yet`
    : runs.length < all.length
      ? `${kind} · ${runs.length} of ${all.length} runs match · ${countsText(runs.map((r) => r.state))}`
      : `${kind} · ${countsText(runs.map((r) => r.state))}`;
  const mine = stored?.annotations?.experiment;
  const tip = [`**${md(name)}** (${md(kind)}${config?.figure ? `, ${md(config.figure)}` : ''})`];
  if (mine?.note) tip.push('', `📝 ${md(mine.note)}`);
  if (config?.description) tip.push('', md(config.description));
  tip.push('', md(description));
  if (dir) tip.push('', `Results: \`${dir}\``);
  if (cfg) tip.push('', `Config: \`${cfg.path}\``);
  for (const w of stored?.warnings ?? []) tip.push('', `⚠ ${md(w)}`);
  return {
    id: name,
    kind: 'experiment',
    label: name,
    description: [tagText(mine?.tags), description].filter(Boolean).join(' · '),
    tooltip: tip.join('\n'),
    icon: active ? { id: 'sync~spin', color: 'charts.blue' } : runs.length ? { id: 'beaker' } : { id: 'json' },
    contextValue: words.join(' '),
    experiment: name,
    dir,
    configPath: cfg?.path,
    children: group(
      name,
      runs,
      groups,
      name,
      (r) => runNode(r, name, dir, label, stored?.annotations?.runs[r.id]),
      label,
      sort,
    ),
  };
}

function factsOf(r: RunView, experiment: string, labelAxes: string[]): RunFacts & { run: RunView } {
  return {
    run: r,
    id: r.id,
    experiment,
    params: r.params,
    state: r.state,
    final: r.file?.final,
    headline: headline(r.file?.final)?.value,
    labels: [runLabel(r, labelAxes), ...Object.entries(r.params).map(([k, v]) => paramLabel(k, v))],
  };
}

function invalidConfigNode(c: ConfigFileEntry, why: string): TreeNode {
  return {
    id: `config:${c.path}`,
    kind: 'config',
    label: path.basename(c.path),
    description: why,
    tooltip: `**${md(path.basename(c.path))}**\n\n${md(c.error ?? why)}\n\n\`${c.path}\``,
    icon: { id: 'error', color: 'list.errorForeground' },
    contextValue: 'config invalid',
    experiment: c.config?.name ?? '',
    configPath: c.path,
    children: [],
  };
}

export function buildTree(input: TreeInput): TreeSnapshot {
  // An empty store with nothing running leaves the view to its welcome (package.json viewsWelcome), which offers
  // the presets and, when the workspace has config files, to run one: a sample config must not hide the greeting.
  if (!input.experiments.length && !input.live.size) return [];
  const stored = new Map(input.experiments.map((e) => [e.name, e]));
  const configs = new Map<string, ConfigFileEntry>();
  const extra: TreeNode[] = [];
  for (const c of [...input.configs].sort((a, b) => a.path.localeCompare(b.path))) {
    if (!c.config) extra.push(invalidConfigNode(c, 'invalid config'));
    else if (configs.has(c.config.name))
      extra.push(
        invalidConfigNode(
          c,
          `same name as ${path.basename(configs.get(c.config.name)!.path)}: results would share a folder`,
        ),
      );
    else configs.set(c.config.name, c);
  }
  const names = [...new Set([...stored.keys(), ...input.live.keys(), ...configs.keys()])].sort((a, b) =>
    a.localeCompare(b),
  );
  const nodes = names.flatMap(
    (n) => experimentNode(n, stored.get(n), configs.get(n), input.live.get(n), input.query) ?? [],
  );
  // broken config files and the reproduction entry have no runs to match: a filter hides them
  if (filters(input.query)) return nodes;
  // (the entry needs the results folder read for reports: a caller that did not read it gets none)
  return [...(input.reproductions ? reproductionNodes(input.reproductions) : []), ...nodes, ...extra];
}

/** The reproduction row(s) above the experiments: one per report written, else one that starts a reproduction. */
function reproductionNodes(entries: ReproductionEntry[]): TreeNode[] {
  if (!entries.length)
    return [
      {
        id: 'reproduction:new',
        kind: 'reproduction',
        label: 'Reproduce the paper',
        description: 'every figure, both settings, a verdict per claim',
        tooltip:
          "**Reproduce the paper**\n\nRuns every figure's preset in the authors' setting and the corrected one, then " +
          'writes a report with a verdict per claim. Click to choose quick (minutes) or full (hours, resumes).',
        icon: { id: 'checklist' },
        contextValue: 'reproduction new',
        experiment: '',
        children: [],
      },
    ];
  return entries.map((e) => ({
    id: `reproduction:${e.quick ? 'quick' : 'full'}`,
    kind: 'reproduction' as const,
    label: e.quick ? 'Paper reproduction (quick)' : 'Paper reproduction',
    description: e.problem ? 'report unreadable' : e.verdicts ? verdictCounts(e.verdicts) : 'no report yet',
    tooltip: verdictTooltip(e),
    icon: e.problem ? { id: 'warning', color: 'problemsWarningIcon.foreground' } : { id: 'checklist' },
    contextValue: `reproduction${e.report ? ' report' : ''}`,
    experiment: '',
    dir: e.dir,
    reproduction: { quick: e.quick, ...(e.report ? { report: e.report } : {}) },
    children: [],
  }));
}

/** Depth-first list of every node, for tests and for finding a node by id. */
export function flatten(nodes: TreeSnapshot): TreeNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}
