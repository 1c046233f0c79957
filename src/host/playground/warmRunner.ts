// The host side of the playground's warm runner: one child process (dist/playgroundRunner.js) started when the
// panel opens and kept until it closes, so a change of a control costs a message, not a process start. A child
// that dies is reported and started again by the next request. No vscode here: the unit tests drive it directly.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { BackendChoice } from '../../shared/protocol';
import type { FromPlayground, ToPlayground } from '../../shared/playground/protocol';
import type { PlaygroundTraining } from '../../shared/playground/controls';

export interface RunnerInfo {
  backend: string;
  kernel: string;
  note: string;
}

export interface WarmRunnerEvents {
  message: [msg: FromPlayground];
  /** the child ended without being asked to (the next request starts a new one) */
  exit: [why: string];
}

export class WarmRunner extends EventEmitter<WarmRunnerEvents> {
  private child: ChildProcess | undefined;
  private readyP: Promise<RunnerInfo> | undefined;
  private disposed = false;
  /** how many child processes this runner started (1 while it stays warm) */
  starts = 0;

  constructor(
    private readonly runnerPath: string,
    private readonly backend: () => BackendChoice,
    private readonly threads?: number,
  ) {
    super();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the child if none runs; resolves once its backend is up. */
  ready(): Promise<RunnerInfo> {
    if (this.disposed) return Promise.reject(new Error('the playground runner was closed'));
    if (this.readyP && this.child) return this.readyP;
    this.starts++;
    const child = fork(this.runnerPath, [this.backend(), String(this.threads ?? '')], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    this.readyP = new Promise<RunnerInfo>((resolve, reject) => {
      child.on('message', (msg: FromPlayground) => {
        if (msg.type === 'ready') resolve({ backend: msg.backend, kernel: msg.kernel, note: msg.note });
        else if (msg.type === 'failed' && msg.id === 0) reject(new Error(msg.reason));
        else this.emit('message', msg);
      });
      child.on('error', (e) => reject(new Error(`the playground runner did not start: ${e.message}`)));
      child.on('exit', (code, signal) => {
        if (this.child === child) {
          this.child = undefined;
          this.readyP = undefined;
        }
        const line = stderr.trim().split('\n').filter(Boolean).pop();
        const why = `the playground runner exited (${signal ? `signal ${signal}` : `code ${code}`})${line ? `: ${line}` : ''}`;
        reject(new Error(why));
        if (!this.disposed) this.emit('exit', why);
      });
    });
    // a rejection nobody awaits yet must not be unhandled
    this.readyP.catch(() => undefined);
    return this.readyP;
  }

  private post(msg: ToPlayground): void {
    this.child?.send(msg, (e) => {
      if (e && !this.disposed) this.emit('exit', `the playground runner did not take a message: ${e.message}`);
    });
  }

  /** Trains `training` as request `id`; any run in flight is superseded (stopped, reported cancelled). */
  async train(id: number, training: PlaygroundTraining): Promise<void> {
    await this.ready();
    this.post({ type: 'train', id, training });
  }

  cancel(id: number): void {
    this.post({ type: 'cancel', id });
  }

  /** Stops the child (asked first, killed if it has not gone after a second). */
  dispose(): void {
    this.disposed = true;
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    child.send({ type: 'exit' } satisfies ToPlayground, () => undefined);
    const t = setTimeout(() => child.kill('SIGKILL'), 1000);
    child.once('exit', () => clearTimeout(t));
  }
}
