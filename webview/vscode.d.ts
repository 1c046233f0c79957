// The API VS Code injects into a webview page.
interface VsCodeApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S = unknown>(): VsCodeApi<S>;
