// Where the user hears about things: every message goes to the output channel, errors and warnings also to a
// notification with actions that say what to do. The recent messages are kept for the extension's test API,
// since notifications cannot be read back through VS Code's API.
import * as vscode from 'vscode';
import { ConfigError } from '../shared/config';
import { plainText } from './notifyText';

export interface Action {
  title: string;
  run: () => unknown;
}

export interface ShownMessage {
  level: 'info' | 'warning' | 'error';
  text: string;
}

export class Reporter {
  readonly recent: ShownMessage[] = [];

  constructor(readonly channel: vscode.LogOutputChannel) {}

  log(line: string): void {
    this.channel.info(line);
  }

  info(text: string, ...actions: Action[]): void {
    this.channel.info(text);
    this.show('info', text, actions);
  }

  warn(text: string, ...actions: Action[]): void {
    this.channel.warn(text);
    this.show('warning', text, actions);
  }

  /** Reports a failure: a ConfigError lists every bad field; anything else gives its message (stack in the log). */
  error(context: string, e: unknown, ...actions: Action[]): void {
    const what = e instanceof ConfigError ? e.problems.join('; ') : e instanceof Error ? e.message : String(e);
    const text = `${context}: ${what}`;
    this.channel.error(e instanceof ConfigError ? `${context}:\n  - ${e.problems.join('\n  - ')}` : text);
    if (e instanceof Error && !(e instanceof ConfigError) && e.stack) this.channel.debug(e.stack);
    this.show('error', text, actions);
  }

  // Not awaited: a command's promise (which tests await) must not wait for the user to dismiss a notification.
  private show(level: ShownMessage['level'], text: string, actions: Action[]): void {
    // names, paths and error details in `text` come from configs and the store: never let them form a link
    const safe = plainText(text);
    this.recent.push({ level, text: safe });
    if (this.recent.length > 100) this.recent.shift();
    const all = level === 'info' ? actions : [...actions, { title: 'Show Output', run: () => this.channel.show(true) }];
    const shown =
      level === 'error'
        ? vscode.window.showErrorMessage(safe, ...all.map((a) => a.title))
        : level === 'warning'
          ? vscode.window.showWarningMessage(safe, ...all.map((a) => a.title))
          : vscode.window.showInformationMessage(safe, ...all.map((a) => a.title));
    void Promise.resolve(shown).then((picked) => all.find((a) => a.title === picked)?.run());
  }
}
