// The results panels of a window: one per experiment folder, opened by "Open Results" (tree, palette, CodeLens,
// notification), revived after a window reload by the panel serializer, fed live by the host run manager and by
// changes to the results store, and exported to PNG and CSV through the host's save dialog or to given files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PRESETS } from '../../shared/presets';
import {
  PANEL_VIEW_TYPE,
  parsePanelState,
  type ExportFormat,
  type Focus,
  type PanelCommand,
  type Tab,
} from '../../shared/panelMessages';
import { parseExportArgs, withExt, type ExportArgs, type ExportResult } from './exportArgs';
import { presetNames } from '../configs';
import type { LabRunner } from '../labRunner';
import type { Reporter } from '../reporter';
import { experimentDir, insideResults, isExperimentFolder, rootArg } from '../safePaths';
import { PanelModel } from './panelModel';
import { playgroundAt } from '../playground/fromStore';
import { ResultsPanel, type PanelHost, type Rendered } from './resultsPanel';
import { COMPARE_DIR, CompareModel } from './compareModel';
import { pinKey, Pins, type Memento, type Pin } from './pins';
import { parseTagInput } from '../../shared/annotations';
import { readAnnotations, writeAnnotation } from '../../sweep/annotations';

export const COMPARE_VIEW_TYPE = 'precondLab.compare';

/** precondLab.annotate's programmatic form: the tags and note to set (no prompts). */
export interface AnnotateValues {
  tags?: string[] | string;
  note?: string;
}

export interface PanelsDeps {
  extensionUri: vscode.Uri;
  lab: LabRunner;
  reporter: Reporter;
  resultsRoot: () => string;
  /** fires when the results store or the live state changed (the Experiments view's redraws) */
  storeChanged: vscode.Event<void>;
  /** where pins are kept (the workspace's state) */
  memento: Memento;
  /** redraws the Experiments view (tags show there) */
  refreshTree?: () => unknown;
}

export interface PanelInfo {
  experiment: string;
  dir: string;
  kind?: string;
  tab?: Tab;
  ready: boolean;
  visible: boolean;
  active: boolean;
  /** the results panel's view type, or the comparison's */
  view: string;
  /** times the page loaded: 1 after opening, +1 after each hide/show or reload */
  loads: number;
  rendered?: Rendered;
}

const QUICK_PRESETS = PRESETS.map((p) => ({ name: `${p.name}-quick`, title: `Run ${p.quick.figure ?? p.name}` }));

export class ResultsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ResultsPanel>();
  readonly pins: Pins;
  private compare: ResultsPanel | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private readonly onLab = (experiment: string): void => this.pokeExperiment(experiment);

  constructor(private readonly deps: PanelsDeps) {
    this.pins = new Pins(deps.memento);
    this.subs.push(
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => this.revive(panel, state),
      }),
      vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => {
          if (this.compare) panel.dispose();
          else this.adoptCompare(panel);
        },
      }),
      this.pins.onChange(() => {
        for (const p of this.panels.values()) p.poke();
        this.compare?.resend();
      }),
      deps.storeChanged(() => {
        for (const p of this.panels.values()) p.poke();
      }),
    );
    deps.lab.on('records', this.onLab);
    deps.lab.on('state', this.onLab);
    deps.lab.on('progress', this.onLab);
  }

  /** Opens (or shows) the panel of an experiment folder, on the tab and runs `focus` names. */
  async open(dir: string, focus?: Focus, preserveFocus = false): Promise<ResultsPanel> {
    // every caller passes a folder it checked; this is the last guard that a panel only ever reads the store
    const key = insideResults(this.deps.resultsRoot(), dir, 'results panel folder');
    const existing = this.panels.get(key);
    if (existing) {
      existing.show(focus, preserveFocus);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      `Results: ${path.basename(key)}`,
      { viewColumn: vscode.ViewColumn.Active, preserveFocus },
      { enableScripts: true, retainContextWhenHidden: false },
    );
    return this.adopt(panel, key, focus);
  }

  /** A panel VS Code restored after a reload: its page's saved state names the experiment folder. */
  private revive(panel: vscode.WebviewPanel, state: unknown): void {
    const parsed = parsePanelState(state);
    if (!parsed.ok) {
      this.deps.reporter.log(`could not restore a results panel: ${parsed.error}`);
      panel.dispose();
      return;
    }
    // The state comes from the webview's storage: only an experiment folder of the results store is reopened.
    let key: string;
    try {
      key = insideResults(this.deps.resultsRoot(), parsed.value.dir, 'restored panel folder');
      if (!isExperimentFolder(key))
        throw new Error(`restored panel folder ${key} holds no experiment.json or summary.json`);
    } catch (e) {
      this.deps.reporter.log(`did not restore a results panel: ${(e as Error).message}`);
      panel.dispose();
      return;
    }
    if (this.panels.has(key)) {
      panel.dispose();
      return;
    }
    this.adopt(panel, key, undefined);
  }

  private model(dir: string, only?: () => ReadonlySet<string>): PanelModel {
    const name = path.basename(dir);
    const root = path.dirname(dir);
    return new PanelModel(
      dir,
      () => this.deps.lab.live(root).get(name),
      () => this.pins.runsOf(root, name),
      only,
    );
  }

  private host(extra: Partial<PanelHost> = {}): PanelHost {
    return {
      extensionUri: this.deps.extensionUri,
      presets: () => QUICK_PRESETS,
      log: (line) => this.deps.reporter.log(line),
      exportFromPage: (p, format) => {
        this.exportFrom(p, { format }, true).then(
          (r) =>
            r &&
            this.deps.reporter.info(`Exported ${p.experiment}: ${[r.png, r.svg, r.csv].filter(Boolean).join(', ')}`),
          (e: unknown) => this.deps.reporter.error(`Export of ${p.experiment} failed`, e),
        );
      },
      command: (p, c) => void this.command(p, c),
      pin: (p, ids, pin) => {
        const targets = ids.map((id) => this.pinOf(p, id)).filter((x) => x !== undefined);
        (pin ? this.pins.add(targets) : this.pins.remove(targets)).then(
          (n) => this.deps.reporter.log(`${pin ? 'pinned' : 'unpinned'} ${n} run(s) for comparison`),
          (e: unknown) => this.deps.reporter.error('Could not change the pinned runs', e),
        );
      },
      annotate: (p, runId) => {
        const t = runId ? this.pinOf(p, runId) : undefined;
        const dir = t ? path.join(t.root, t.experiment) : p.model.dir;
        if (dir === COMPARE_DIR) return;
        this.annotate(dir, t?.run ?? runId).catch((e: unknown) =>
          this.deps.reporter.error('Could not save the tags and note', e),
        );
      },
      openCompare: () => void this.openCompare(),
      ...extra,
    };
  }

  /** A run id as a panel knows it ("<run id>" in a results panel, "<experiment>/<run id>" in the comparison). */
  private pinOf(p: ResultsPanel, id: string): Pin | undefined {
    if (p === this.compare) return this.pins.list().find((x) => pinKey(x) === id);
    if (id.includes('/')) return undefined;
    return { root: path.dirname(p.model.dir), experiment: path.basename(p.model.dir), run: id };
  }

  private adopt(panel: vscode.WebviewPanel, dir: string, focus: Focus | undefined): ResultsPanel {
    const rp = new ResultsPanel(panel, this.model(dir), this.host(), focus);
    this.panels.set(dir, rp);
    rp.onDisposed.event(() => this.panels.delete(dir));
    return rp;
  }

  /** Opens (or shows) the comparison of the pinned runs. */
  async openCompare(preserveFocus = false): Promise<ResultsPanel> {
    if (this.compare) {
      this.compare.resend();
      this.compare.show(undefined, preserveFocus);
      return this.compare;
    }
    const panel = vscode.window.createWebviewPanel(
      COMPARE_VIEW_TYPE,
      'Compare pinned runs',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus },
      { enableScripts: true, retainContextWhenHidden: false },
    );
    return this.adoptCompare(panel);
  }

  private adoptCompare(panel: vscode.WebviewPanel): ResultsPanel {
    const model = new CompareModel(
      () => this.pins.list(),
      (dir, only) => this.model(dir, only),
    );
    const rp = new ResultsPanel(panel, model, this.host({ title: 'Compare pinned runs' }), { tab: 'compare' });
    this.compare = rp;
    rp.onDisposed.event(() => {
      if (this.compare === rp) this.compare = undefined;
    });
    return rp;
  }

  /**
   * Sets the tags and note of a run (or of the experiment): from `values` when given (no prompts), else asked
   * for, prefilled with what is stored. A damaged annotations.json is reported and left as it is.
   */
  async annotate(dir: string, runId: string | undefined, values?: AnnotateValues): Promise<boolean> {
    const current = readAnnotations(dir);
    if (!current.ok) throw new Error(`${current.error}. Fix or move the file away; nothing was changed.`);
    const now = runId ? current.value.runs[runId] : current.value.experiment;
    const what = runId ? `run ${runId} of ${path.basename(dir)}` : `experiment ${path.basename(dir)}`;
    let tags: string[];
    let note: string | undefined;
    if (values) {
      const parsed = parseTagInput(Array.isArray(values.tags) ? values.tags.join(' ') : (values.tags ?? ''));
      if (!parsed.ok) throw new Error(parsed.error);
      tags = parsed.tags;
      note = values.note ?? now?.note;
    } else {
      const text = await vscode.window.showInputBox({
        title: `Tags of ${what}`,
        prompt: 'Tags separated by spaces or commas (letters, digits, . _ - + :); empty removes them',
        value: (now?.tags ?? []).join(' '),
        validateInput: (v) => {
          const r = parseTagInput(v);
          return r.ok ? undefined : r.error;
        },
      });
      if (text === undefined) return false;
      const parsed = parseTagInput(text);
      if (!parsed.ok) return false;
      tags = parsed.tags;
      note = await vscode.window.showInputBox({
        title: `Note on ${what}`,
        prompt: 'A note (optional); empty removes it',
        value: now?.note ?? '',
      });
      if (note === undefined) note = now?.note;
    }
    writeAnnotation(dir, runId, tags, note, 'VS Code');
    this.deps.reporter.log(`tags of ${what}: ${tags.join(' ') || '(none)'}${note ? '; note set' : ''}`);
    for (const p of this.panels.values()) if (p.model.dir === dir) p.resend();
    this.compare?.resend();
    this.deps.refreshTree?.();
    return true;
  }

  private pokeExperiment(experiment: string): void {
    for (const p of this.panels.values()) if (path.basename(p.model.dir) === experiment) p.poke();
  }

  private async command(p: ResultsPanel, c: PanelCommand): Promise<void> {
    const target = { experiment: path.basename(p.model.dir), root: path.dirname(p.model.dir) };
    try {
      if (c.command === 'openPlayground') {
        const at = playgroundAt(p.model.dir, c.runId);
        await vscode.commands.executeCommand('precondLab.openPlayground', at.controls);
        if (at.differences.length)
          this.deps.reporter.log(
            `playground at ${at.runId}; it keeps fixed what differs: ${at.differences.join(', ')}`,
          );
        return;
      }
      if (c.command === 'runPreset') {
        if (!presetNames().includes(c.preset)) throw new Error(`no preset named ${c.preset}`);
        await vscode.commands.executeCommand('precondLab.runPreset', { preset: c.preset });
      } else await vscode.commands.executeCommand('precondLab.rerun', target);
    } catch (e) {
      this.deps.reporter.error(`The results panel could not ${c.command}`, e);
    }
  }

  /** The panel an export or a test means: named by folder or experiment, else the active one, else the only one. */
  async find(args: ExportArgs, open = true): Promise<ResultsPanel | undefined> {
    if (args.experiment === COMPARE_DIR) return this.compare ?? (open ? this.openCompare(true) : undefined);
    if (args.dir || args.experiment) {
      const results = this.deps.resultsRoot();
      const dir = args.dir
        ? insideResults(results, args.dir, 'dir')
        : experimentDir(results, rootArg(results, args.root), args.experiment);
      return (
        this.panels.get(dir) ?? (open ? this.open(dir, args.tab ? { tab: args.tab } : undefined, true) : undefined)
      );
    }
    const all = [...this.panels.values()];
    return (
      all.find((p) => p.panel.active) ?? all.find((p) => p.panel.visible) ?? (all.length === 1 ? all[0] : undefined)
    );
  }

  /** precondLab.exportPanel: writes the tab's PNG and/or CSV; asks (format, file) only for what args leave open. */
  async exportPanel(raw: unknown): Promise<ExportResult | undefined> {
    const args = parseExportArgs(raw);
    const p = await this.find(args);
    if (!p) throw new Error('open an experiment’s results first (Open Results), then export its charts');
    return this.exportFrom(p, args, raw === undefined);
  }

  private async exportFrom(p: ResultsPanel, args: ExportArgs, interactive: boolean): Promise<ExportResult | undefined> {
    let formats: ExportFormat[];
    if (args.format === 'both') formats = ['png', 'csv'];
    else if (args.format) formats = [args.format];
    else if (args.file) formats = [/\.csv$/i.test(args.file) ? 'csv' : /\.svg$/i.test(args.file) ? 'svg' : 'png'];
    else if (args.png || args.csv || args.svg)
      formats = [
        ...(args.png ? ['png' as const] : []),
        ...(args.svg ? ['svg' as const] : []),
        ...(args.csv ? ['csv' as const] : []),
      ];
    else if (interactive) {
      const pick = await vscode.window.showQuickPick(
        [
          { label: 'PNG', description: 'an image of the charts on this tab', formats: ['png'] as ExportFormat[] },
          {
            label: 'SVG',
            description: 'the charts as vector graphics (for papers, editable)',
            formats: ['svg'] as ExportFormat[],
          },
          { label: 'CSV', description: 'the data behind the charts on this tab', formats: ['csv'] as ExportFormat[] },
          { label: 'PNG and CSV', description: 'both', formats: ['png', 'csv'] as ExportFormat[] },
        ],
        { title: `Export ${p.experiment}` },
      );
      if (!pick) return undefined;
      formats = pick.formats;
    } else formats = ['png', 'csv'];

    const out: ExportResult = {};
    for (const format of formats) {
      const tab = args.tab ?? p.tab;
      let file =
        args[format] ?? (args.file ? (formats.length > 1 ? withExt(args.file, format) : args.file) : undefined);
      if (!file) {
        const base = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(p.model.dir));
        const uri = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.joinPath(base, `${p.experiment}-${tab ?? 'results'}.${format}`),
          filters:
            format === 'png'
              ? { 'PNG image': ['png'] }
              : format === 'svg'
                ? { 'SVG image': ['svg'] }
                : { CSV: ['csv'] },
          title: `Export ${p.experiment} ${tab ?? ''} as ${format.toUpperCase()}`,
        });
        if (!uri) continue;
        file = uri.fsPath;
      }
      const { data, rows } = await p.collect(format, args.tab);
      const abs = path.resolve(file);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      if (format === 'png') fs.writeFileSync(abs, Buffer.from(data.slice(data.indexOf(',') + 1), 'base64'));
      else fs.writeFileSync(abs, data);
      out[format] = abs;
      if (format === 'csv') out.rows = rows;
      this.deps.reporter.log(
        `exported ${p.experiment} (${args.tab ?? p.tab ?? 'current tab'}) as ${format.toUpperCase()} to ${abs}`,
      );
    }
    return out.png || out.csv || out.svg ? out : undefined;
  }

  list(): PanelInfo[] {
    return [...this.panels.values(), ...(this.compare ? [this.compare] : [])].map((p) => ({
      experiment: p.experiment,
      dir: p.model.dir,
      kind: p.model.experiment?.kind,
      view: p === this.compare ? COMPARE_VIEW_TYPE : PANEL_VIEW_TYPE,
      tab: p.tab,
      ready: p.isReady,
      visible: p.panel.visible,
      active: p.panel.active,
      loads: p.loads,
      ...(p.lastRendered ? { rendered: p.lastRendered } : {}),
    }));
  }

  dispose(): void {
    this.deps.lab.off('records', this.onLab);
    this.deps.lab.off('state', this.onLab);
    this.deps.lab.off('progress', this.onLab);
    for (const p of [...this.panels.values()]) p.dispose();
    this.compare?.dispose();
    for (const s of this.subs) s.dispose();
  }
}
