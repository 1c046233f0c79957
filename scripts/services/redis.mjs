// @ts-check
// A throwaway Redis for tests and benchmarks: redis-server (apt's `redis-server`) on 127.0.0.1 with a free port, a
// random password (`requirepass`), AOF on (`--appendonly yes`, no RDB snapshots) in a temp folder, started and
// stopped by PID. `restart()` stops it gracefully (Redis flushes the AOF on SIGTERM) and starts it again on the same
// port and folder, which is how the fault tests take Redis away mid-sweep. `stop()` kills it and removes the folder;
// callers run it in a `finally`, and a process exit kills it too.
//
// As a command: `node scripts/services/redis.mjs` starts one, prints `REDIS_URL=...` and `REDIS_PID=...`, and keeps
// it until Ctrl-C (for trying a worker pool by hand).
import { spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The redis-server binary, or undefined when it is not installed. */
export function redisServerPath() {
  for (const p of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (fs.existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on the port, rejects after `ms`. */
function waitForPort(/** @type {number} */ port, ms = 10_000) {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(undefined);
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > until) reject(new Error(`redis-server did not listen on 127.0.0.1:${port} within ${ms} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * @typedef {{ url: string, port: number, password: string, dir: string, pid: () => number | undefined,
 *   log: () => string, restart: (downMs?: number) => Promise<void>, stop: () => void }} RedisService
 */

/**
 * Starts redis-server. Throws with a clear message when it is not installed.
 * @param {{ password?: string }} [opts]
 * @returns {Promise<RedisService>}
 */
export async function startRedis(opts = {}) {
  const bin = redisServerPath();
  if (!bin) throw new Error('redis-server is not installed (Debian: apt-get install redis-server)');
  const password = opts.password ?? crypto.randomBytes(18).toString('base64url');
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-redis-'));
  const logFile = path.join(dir, 'redis.log');
  // the password goes in a config file (mode 0600), not on the command line where `ps` would show it
  const conf = path.join(dir, 'redis.conf');
  fs.writeFileSync(
    conf,
    [
      'bind 127.0.0.1',
      `port ${port}`,
      `dir ${dir}`,
      'save ""',
      'appendonly yes',
      'daemonize no',
      'protected-mode yes',
      `logfile ${logFile}`,
      `requirepass ${password}`,
    ].join('\n') + '\n',
    { mode: 0o600 },
  );
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  const launch = async () => {
    child = spawn(bin, [conf], { stdio: 'ignore', detached: false });
    await waitForPort(port);
  };
  const kill = (/** @type {NodeJS.Signals} */ sig) => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      c.once('exit', () => resolve(undefined));
      c.kill(sig);
    });
  };
  const onExit = () => child?.kill('SIGKILL');
  process.on('exit', onExit);
  await launch();
  return {
    url: `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    port,
    password,
    dir,
    pid: () => child?.pid,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    async restart(downMs = 1000) {
      await kill('SIGTERM');
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    stop() {
      process.off('exit', onExit);
      child?.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await startRedis();
  console.log(`REDIS_URL=${r.url}\nREDIS_PID=${r.pid()}\n(Ctrl-C stops it and removes ${r.dir})`);
  process.on('SIGINT', () => {
    r.stop();
    process.exit(0);
  });
}
