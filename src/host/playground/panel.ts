// The Playground panel: one per window, opened by "Open Playground" (palette, the Experiments view's title bar, a
// results panel's link at a run's settings) and revived after a reload by its serializer. It owns a session (the
// warm runner lives as long as the panel), feeds the page the session's messages, saves the controls and the
// traced curves in workspace state, and stores a finished run on "Keep".
import * as vscode from 'vscode';
import { panelHtml } from '../panels/html';
import { PLAYGROUND_VIEW_TYPE, type FromPlaygroundView, type ToPlaygroundView } from '../../shared/playground/messages';
import { checkControls, type PlaygroundControls } from '../../shared/playground/controls';
import type { BackendChoice } from '../../shared/protocol';
import { PlaygroundSession } from './session';
import { WarmRunner } from './warmRunner';
import { keepResult, type Kept } from './keep';

const STATE_KEY = 'precondLab.playground';

export interface PlaygroundDeps {
  context: vscode.ExtensionContext;
  backend: () => BackendChoice;
  resultsRoot: () => string;
  /** redraws the Experiments view (after Keep) */
  refresh: () => unknown;
  log: (line: string) => void;
}

/** What tests read of the open playground. */
export interface PlaygroundInfo {
  open: boolean;
  ready: boolean;
  loads: number;
  controls?: PlaygroundControls;
  curve: number;
  runnerStarts: number;
  backend?: string;
  /** page messages of superseded requests dropped on the host */
  dropped: number;
  /** ids of requests whose records reached the page, in order */
  recordIds: number[];
}

let deps: PlaygroundDeps | undefined;
let current: PlaygroundPanel | undefined;

class PlaygroundPanel {
  readonly session: PlaygroundSession;
  ready = false;
  loads = 0;
  dropped = 0;
  readonly recordIds: number[] = [];
  private readonly subs: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly d: PlaygroundDeps,
    start?: Partial<PlaygroundControls>,
  ) {
    const ext = d.context.extensionUri;
    const media = vscode.Uri.joinPath(ext, 'media');
    const bundle = vscode.Uri.joinPath(ext, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [bundle, media] };
    panel.iconPath = vscode.Uri.joinPath(media, 'lab.svg');
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'playground.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'webview', 'playground.css')).toString(),
      title: panel.title,
    });
    const saved = d.context.workspaceState.get<unknown>(STATE_KEY);
    const runner = new WarmRunner(d.context.asAbsolutePath('dist/playgroundRunner.js'), d.backend);
    this.session = new PlaygroundSession(runner, saved);
    if (start) {
      const c = checkControls({ ...this.session.controls, ...start });
      if (c.ok) this.session.controls = c.value;
    }
    this.session.on('view', (m) => this.post(m));
    this.session.on('saved', (s) => void d.context.workspaceState.update(STATE_KEY, s));
    this.session.on('dropped', () => this.dropped++);
    runner.on('exit', (why) => d.log(`playground: ${why}`));
    this.subs.push(
      panel.webview.onDidReceiveMessage((raw: FromPlaygroundView) => void this.receive(raw)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false; // a hidden page is torn down; it says `ready` again when shown
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    void this.session
      .start(saved !== undefined || start?.steps !== undefined)
      .then((info) => {
        d.log(`playground: warm runner on backend ${info.backend} (${info.kernel})`);
        return this.session.retrain();
      })
      .catch((e) => this.post({ type: 'problems', problems: [e instanceof Error ? e.message : String(e)] }));
  }

  private post(m: ToPlaygroundView): void {
    if (m.type === 'records') this.recordIds.push(m.id);
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  private async receive(m: FromPlaygroundView): Promise<void> {
    if (!m || typeof m !== 'object') return;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.loads++;
        this.session.replay();
        break;
      case 'controls':
        await this.session.change(m.controls);
        break;
      case 'clearCurve':
        this.session.clearCurve();
        break;
      case 'keep':
        await this.keep();
        break;
    }
  }

  async keep(): Promise<Kept | undefined> {
    const r = this.session.finished;
    if (!r) {
      this.post({ type: 'kept', ok: false, text: 'Nothing to keep yet: wait for the run to finish.' });
      return undefined;
    }
    try {
      const kept = await keepResult(r, this.d.resultsRoot(), this.d.context.asAbsolutePath('dist/runner.js'));
      this.post({ type: 'kept', ok: true, text: kept.text });
      this.d.log(`playground: ${kept.text}`);
      await this.d.refresh();
      return kept;
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      this.post({ type: 'kept', ok: false, text });
      return undefined;
    }
  }

  info(): PlaygroundInfo {
    return {
      open: true,
      ready: this.ready,
      loads: this.loads,
      controls: this.session.controls,
      curve: this.session.curves.points(this.session.controls).length,
      runnerStarts: this.session.runner.starts,
      backend: this.session.info?.backend,
      dropped: this.dropped,
      recordIds: [...this.recordIds],
    };
  }

  dispose(): void {
    if (current === this) current = undefined;
    this.session.dispose();
    this.subs.forEach((s) => s.dispose());
  }
}

/** Registers the panel's serializer (a reload brings the playground back with its saved controls and curves). */
export function registerPlayground(d: PlaygroundDeps): vscode.Disposable {
  deps = d;
  return vscode.Disposable.from(
    vscode.window.registerWebviewPanelSerializer(PLAYGROUND_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => {
        current?.panel.dispose();
        current = new PlaygroundPanel(panel, d);
      },
    }),
    { dispose: () => current?.panel.dispose() },
  );
}

/** Opens (or shows) the playground, at `start`'s settings when given (a result panel's link). */
export function openPlayground(start?: Partial<PlaygroundControls>): PlaygroundInfo {
  if (!deps) throw new Error('the playground is not registered');
  if (current) {
    current.panel.reveal();
    if (start) void current.session.change({ ...current.session.controls, ...start });
    return current.info();
  }
  const panel = vscode.window.createWebviewPanel(
    PLAYGROUND_VIEW_TYPE,
    'Playground',
    { viewColumn: vscode.ViewColumn.Active },
    { enableScripts: true, retainContextWhenHidden: false },
  );
  current = new PlaygroundPanel(panel, deps, start);
  return current.info();
}

/** The open playground, for tests: its state, and Keep without a click. */
export const playgroundApi = {
  info: (): PlaygroundInfo =>
    current?.info() ?? { open: false, ready: false, loads: 0, curve: 0, runnerStarts: 0, dropped: 0, recordIds: [] },
  change: (controls: Partial<PlaygroundControls>) =>
    current ? current.session.change({ ...current.session.controls, ...controls }) : Promise.resolve(undefined),
  keep: () => current?.keep() ?? Promise.resolve(undefined),
};
