// The editor's side of the executors: which one a sweep runs on (options given to a command, else a quick pick when
// the sweep is started from the UI and more than `local` is set up, else the precondLab.executor setting), the
// Executor built from the settings (executorSettings.ts), and the Redis password, kept in the editor's secret
// storage (never in settings.json, never in a message or the log).
import * as vscode from 'vscode';
import { EXECUTOR_NAMES, type Executor, type ExecutorName } from '../sweep/executors/types';
import { executorDetail, executorOffered, makeExecutor, redisUrlFor, urlHoldsPassword } from './executorSettings';
import type { Reporter } from './reporter';
import type { LabSettings } from './settings';

export const REDIS_PASSWORD_KEY = 'precondLab.redisPassword';

const ICONS: Record<ExecutorName, string> = { local: 'vm', slurm: 'server-environment', bullmq: 'cloud' };

export class ExecutorChoice {
  private warnedPlainPassword = false;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    /** this extension's dist/cli.js */
    private readonly cliPath: string,
    private readonly settings: () => LabSettings,
    private readonly reporter: Reporter,
  ) {}

  /**
   * The executor a sweep runs on: `requested` (a command's `executor` option) when given, else the user's pick when
   * `ask` (the sweep was started from the UI) and something besides local is set up, else the setting. Undefined:
   * the user dismissed the pick (nothing is started).
   */
  async choose(requested: unknown, ask: boolean): Promise<ExecutorName | undefined> {
    if (requested !== undefined) {
      if (!(EXECUTOR_NAMES as readonly unknown[]).includes(requested))
        throw new Error(
          `executor must be one of ${EXECUTOR_NAMES.join(', ')}, got '${String(requested).slice(0, 40)}'`,
        );
      return requested as ExecutorName;
    }
    const s = this.settings();
    const setting = s.executors.executor;
    if (!ask) return setting;
    const offered = EXECUTOR_NAMES.filter((n) => executorOffered(n, s.executors));
    if (offered.length < 2) return setting;
    // the setting first, so Enter takes it
    const ordered = [setting, ...offered.filter((n) => n !== setting)];
    const pick = await vscode.window.showQuickPick(
      ordered.map((name) => ({
        label: `$(${ICONS[name]}) ${name}`,
        description: name === setting ? '(setting)' : undefined,
        detail: executorDetail(name, s.executors, s.maxParallelRuns),
        name,
      })),
      { title: 'Run the sweep where?', placeHolder: 'Executor for this sweep (precondLab.executor is the default)' },
    );
    return pick?.name;
  }

  /** The executor to hand the run manager; undefined for local. Throws a message naming the setting at fault. */
  async make(name: ExecutorName, force?: boolean): Promise<Executor | undefined> {
    if (name === 'local') return undefined;
    const s = this.settings().executors;
    if (name === 'bullmq' && urlHoldsPassword(s.bullmq.redisUrl) && !this.warnedPlainPassword) {
      this.warnedPlainPassword = true;
      this.reporter.log(
        'precondLab.bullmq.redisUrl holds a password, and settings.json is plain text: prefer a URL without one ' +
          'and "Preconditioning Lab: Set Redis Password" (kept in the editor\'s secret storage)',
      );
    }
    const redisPassword = name === 'bullmq' ? await this.secrets.get(REDIS_PASSWORD_KEY) : undefined;
    return makeExecutor(name, s, {
      redisPassword,
      cliPath: this.cliPath,
      // a Slurm task runs the CLI with Node; the editor's own binary is Electron in VS Code desktop
      nodePath: process.versions.electron ? 'node' : process.execPath,
      owner: 'VS Code',
      force,
    });
  }

  /** The executor when the settings set it up (executorOffered), else undefined: for reattaching on activation. */
  async makeIfOffered(name: ExecutorName): Promise<Executor | undefined> {
    return executorOffered(name, this.settings().executors) ? this.make(name) : undefined;
  }

  /** The Redis URL the bullmq executor would connect with (the password filled in from the secret storage);
   *  undefined when none is set up. Never shown: for reattaching on activation (sweepReattach.ts). */
  async redisUrl(): Promise<string | undefined> {
    const s = this.settings().executors;
    if (!executorOffered('bullmq', s)) return undefined;
    return redisUrlFor(s.bullmq, await this.secrets.get(REDIS_PASSWORD_KEY), process.env);
  }

  /** Stores the Redis password in the editor's secret storage ('' removes it); no argument: asks for it. True when
   *  something was stored or removed. */
  async setRedisPassword(arg: unknown): Promise<boolean> {
    const given = typeof arg === 'string' ? arg : undefined;
    const password =
      given ??
      (await vscode.window.showInputBox({
        title: 'Redis password for the bullmq executor',
        prompt:
          "Kept in the editor's secret storage and used with precondLab.bullmq.redisUrl when that URL has no " +
          'password. Leave empty to remove it.',
        password: true,
        ignoreFocusOut: true,
      }));
    if (password === undefined) return false;
    if (/[\n\r\0]/.test(password)) throw new Error('the Redis password must be one line');
    if (password === '') {
      await this.secrets.delete(REDIS_PASSWORD_KEY);
      this.reporter.log('Redis password removed from the secret storage');
    } else {
      await this.secrets.store(REDIS_PASSWORD_KEY, password);
      this.reporter.log("Redis password saved in the editor's secret storage");
    }
    return true;
  }
}
