// Process supervision for one job on this machine: a runner child process (dist/runner.js) gets the job, its
// messages go to `onMessage`, and `done` resolves with a line saying how it ended once the child has closed.
// Used by the `local` executor and by `precond-lab worker` (which trains its slice in children the same way).
import { fork } from 'node:child_process';
import type { FromRunner, Job } from '../../shared/protocol';

export interface ChildJob {
  pid: number;
  /** asks the child to stop the whole job (no runIds: killed after `graceSeconds` if it has not exited) or runs */
  cancel(runIds?: string[]): void;
  kill(): void;
  /** resolves once the child has closed, with why it ended (for runs left without an outcome) */
  done: Promise<string>;
}

/** The most telling line of a dead child's stderr: the first error message, else the last line. */
function errorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const line = lines.find((l) => /^\w*Error\b|^Error:/.test(l)) ?? lines.filter((l) => !/^Node\.js v/.test(l)).pop();
  return line ? `: ${line}` : '';
}

export function forkJob(
  runnerPath: string,
  job: Job,
  onMessage: (msg: FromRunner) => void,
  graceSeconds = 3,
  env?: NodeJS.ProcessEnv,
): ChildJob {
  const child = fork(runnerPath, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], ...(env ? { env } : {}) });
  let stderr = '';
  let failure: string | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  child.on('message', (msg: FromRunner) => {
    if (msg.type === 'failed') failure = msg.reason;
    onMessage(msg);
  });
  // 'close', not 'exit': 'exit' can fire while the child's last IPC messages (its outcomes) are still in flight
  const done = new Promise<string>((resolve) =>
    child.on('close', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      resolve(
        failure
          ? `the runner failed: ${failure.split('\n')[0]}`
          : `the runner process exited (${signal ? `signal ${signal}` : `code ${code}`}) before the run ` +
              `finished${errorLine(stderr)}`,
      );
    }),
  );
  child.send({ type: 'start', job });
  return {
    pid: child.pid ?? -1,
    cancel(runIds) {
      child.send?.({ type: 'cancel', runIds }, () => undefined);
      if (!runIds) killTimer ??= setTimeout(() => child.kill('SIGKILL'), graceSeconds * 1000);
    },
    kill: () => void child.kill('SIGKILL'),
    done,
  };
}
