// One results panel: a webview over one experiment folder. It waits for the page's `ready`, sends a full snapshot,
// then batches what changes (live records, run states, files written by other processes) into at most one update
// per UPDATE_MS. The page is not kept alive while hidden (retainContextWhenHidden is off, which keeps memory low
// with many panels): it reloads when shown, restores its own view state with getState, and says `ready` again,
// which gets it a fresh snapshot. Every message from the page is validated before anything is done with it.
import * as vscode from 'vscode';
import {
  parsePanelMessage,
  type ExportFormat,
  type Focus,
  type HostToPanel,
  type PanelCommand,
  type Tab,
} from '../../shared/panelMessages';
import { panelHtml } from './html';
import type { ModelChanges } from './panelModel';
import type { PanelSource } from './compareModel';

/** At most ten updates a second. */
const UPDATE_MS = 100;

export interface PanelHost {
  extensionUri: vscode.Uri;
  presets: () => { name: string; title: string }[];
  log: (line: string) => void;
  exportFromPage: (panel: ResultsPanel, format: ExportFormat) => void;
  command: (panel: ResultsPanel, c: PanelCommand) => void;
  /** pin or unpin runs for comparison (ids as the page knows them) */
  pin?: (panel: ResultsPanel, runIds: string[], pin: boolean) => void;
  /** edit tags and note of a run, or of the experiment */
  annotate?: (panel: ResultsPanel, runId: string | undefined) => void;
  openCompare?: () => void;
  /** the panel's title, when it is not "Results: <folder>" */
  title?: string;
}

export interface Rendered {
  tab: Tab;
  figures: number;
  points: number;
  empty: boolean;
}

interface Pending {
  resolve: (v: { data: string; rows?: number }) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class ResultsPanel implements vscode.Disposable {
  private ready = false;
  private focus: Focus | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private nextRequest = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly readyWaiters: (() => void)[] = [];
  private readonly subs: vscode.Disposable[] = [];
  private disposed = false;
  /** the tab the page shows, as it last said */
  tab: Tab | undefined;
  /** how many times the page has loaded (hide/show and reloads rebuild it) */
  loads = 0;
  lastRendered: Rendered | undefined;
  readonly onDisposed = new vscode.EventEmitter<void>();

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly model: PanelSource,
    private readonly host: PanelHost,
    focus?: Focus,
  ) {
    this.focus = focus;
    const media = vscode.Uri.joinPath(host.extensionUri, 'media');
    const bundle = vscode.Uri.joinPath(host.extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [bundle, media] };
    panel.iconPath = vscode.Uri.joinPath(media, 'lab.svg');
    panel.title = host.title ?? `Results: ${model.dir.split(/[\\/]/).pop()}`;
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'panel.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'webview', 'panel.css')).toString(),
      title: panel.title,
    });
    this.subs.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidChangeViewState(() => {
        // a hidden page is torn down; it says `ready` again when shown
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  get isReady(): boolean {
    return this.ready;
  }

  get experiment(): string {
    return this.model.experiment?.name ?? this.model.dir.split(/[\\/]/).pop() ?? '';
  }

  /** Shows a tab (and runs) now if the page is up, else with the next snapshot. */
  show(focus: Focus | undefined, preserveFocus = false): void {
    if (focus) {
      if (this.ready) this.post({ type: 'focus', focus });
      else this.focus = focus;
    }
    this.panel.reveal(undefined, preserveFocus);
  }

  /** Sends a fresh snapshot (pins or annotations changed what the header and tables show). */
  resend(): void {
    if (!this.ready) return;
    this.dirty = false;
    this.post({ type: 'snapshot', snapshot: this.model.snapshot(this.host.presets()) });
  }

  /** Something changed (records, states, files): an update goes out within UPDATE_MS. */
  poke(): void {
    this.dirty = true;
    if (!this.timer) this.timer = setTimeout(() => this.flush(), UPDATE_MS);
  }

  whenReady(timeoutMs = 30_000): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`the results panel of ${this.experiment} did not load within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      this.readyWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Asks the page for the current tab's PNG or CSV (showing the panel first: a hidden page cannot draw). */
  async collect(format: ExportFormat, tab?: Tab, timeoutMs = 30_000): Promise<{ data: string; rows?: number }> {
    if (!this.panel.visible) this.panel.reveal(undefined, true);
    await this.whenReady(timeoutMs);
    const requestId = this.nextRequest++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(
          new Error(`the results panel did not answer the ${format.toUpperCase()} export within ${timeoutMs / 1000} s`),
        );
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      this.post({ type: 'collect', requestId, format, ...(tab ? { tab } : {}) });
    });
  }

  private receive(raw: unknown): void {
    const parsed = parsePanelMessage(raw);
    if (!parsed.ok) {
      this.host.log(`results panel ${this.experiment}: ignored a message: ${parsed.error}`);
      return;
    }
    const msg = parsed.value;
    switch (msg.type) {
      case 'ready': {
        this.ready = true;
        this.loads++;
        if (msg.tab) this.tab = msg.tab;
        const focus = this.focus;
        this.focus = undefined;
        this.dirty = false;
        this.post({
          type: 'snapshot',
          snapshot: this.model.snapshot(this.host.presets()),
          ...(focus ? { focus } : {}),
        });
        if (this.model.pending) this.poke();
        for (const w of this.readyWaiters.splice(0)) w();
        return;
      }
      case 'tab':
        this.tab = msg.tab;
        return;
      case 'rendered':
        this.tab = msg.tab;
        this.lastRendered = { tab: msg.tab, figures: msg.figures, points: msg.points, empty: msg.empty };
        return;
      case 'export':
        this.host.exportFromPage(this, msg.format);
        return;
      case 'pin':
        this.host.pin?.(this, msg.runIds, msg.pin);
        return;
      case 'annotate':
        this.host.annotate?.(this, msg.runId);
        return;
      case 'openCompare':
        this.host.openCompare?.();
        return;
      case 'collected': {
        const p = this.pending.get(msg.requestId);
        if (!p)
          return this.host.log(
            `results panel ${this.experiment}: an export answer nobody asked for (request ${msg.requestId})`,
          );
        this.pending.delete(msg.requestId);
        clearTimeout(p.timer);
        if (msg.ok) p.resolve({ data: msg.data, rows: msg.rows });
        else p.reject(new Error(`the panel could not export: ${msg.error}`));
        return;
      }
      case 'command': {
        const { type: _t, ...command } = msg;
        this.host.command(this, command as PanelCommand);
        return;
      }
      case 'error':
        this.host.log(`results panel ${this.experiment}: ${msg.message}`);
        return;
    }
  }

  private flush(): void {
    this.timer = undefined;
    if (!this.dirty || this.disposed) return;
    this.dirty = false;
    // Not ready (loading or hidden): the snapshot it gets on `ready` holds everything; only keep the cache fresh.
    const changes: ModelChanges = this.model.sync();
    // a sync reads at most READ_CHUNK bytes of records; the rest follows in the next one, so the host never stalls
    if (this.model.pending) this.poke();
    if (!this.ready) return;
    if (!changes.runs.length && !changes.append.length && !changes.replace.length && !changes.removed.length) return;
    this.post({ type: 'update', ...changes });
  }

  private post(msg: HostToPanel): void {
    if (this.disposed) return;
    // an undelivered update is not lost: a hidden page reloads when shown and asks for a snapshot
    void this.panel.webview.postMessage(msg).then(undefined, () => undefined);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error('the results panel was closed'));
    }
    this.pending.clear();
    for (const s of this.subs) s.dispose();
    this.onDisposed.fire();
    this.onDisposed.dispose();
    this.panel.dispose();
  }
}
