// @ts-check
// Starts code-server on a free port with a throwaway user-data and extensions folder, waits for /healthz, and
// returns { url, host, state, stop() }. Used by the extension-host suite, the end-to-end tests and `npm run try`.
// Run directly (`node scripts/code-server/serve.mjs [--folder DIR] [--port N] [--no-extension]`) it serves until
// Ctrl-C and prints a URL that opens DIR with this checkout loaded as a development extension.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerBin } from './locate.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Settings for a quiet, deterministic workbench: no welcome tab, no trust prompt, no update or telemetry noise. */
const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'window.restoreWindows': 'none',
};

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `workspaceTrust: true` starts it with workspace trust on (no `--disable-workspace-trust`, trust enabled, no
 * prompt), so a folder it opens is in Restricted Mode: the extension-host suite's Restricted Mode session.
 * @param {{ port?: number, settings?: Record<string, unknown>, log?: (line: string) => void,
 *   readyTimeoutMs?: number, workspaceTrust?: boolean }} [opts]
 */
export async function startCodeServer(opts = {}) {
  const bin = codeServerBin();
  const port = opts.port ?? (await freePort());
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-code-server-'));
  fs.mkdirSync(path.join(state, 'data', 'User'), { recursive: true });
  fs.mkdirSync(path.join(state, 'ext'));
  fs.writeFileSync(path.join(state, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const trust = opts.workspaceTrust
    ? {
        'security.workspace.trust.enabled': true,
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.banner': 'never',
      }
    : {};
  fs.writeFileSync(
    path.join(state, 'data', 'User', 'settings.json'),
    JSON.stringify({ ...BASE_SETTINGS, ...trust, ...opts.settings }, null, 2),
  );
  const args = [
    '--config',
    path.join(state, 'config.yaml'),
    '--user-data-dir',
    path.join(state, 'data'),
    '--extensions-dir',
    path.join(state, 'ext'),
    '--disable-telemetry',
    '--disable-update-check',
    ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
  ];
  // Its own process group, so stop() also ends the extension host and any runner processes it forked.
  const proc = spawn(bin, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, XDG_CONFIG_HOME: path.join(state, 'xdg') },
  });
  let output = '';
  /** @param {Buffer} d */
  const onData = (d) => {
    const text = d.toString();
    output = (output + text).slice(-8000);
    if (opts.log) for (const line of text.split('\n')) if (line.trim()) opts.log(line);
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  let exited = false;
  const exitedPromise = new Promise((resolve) => proc.once('exit', () => resolve((exited = true))));
  /** @param {NodeJS.Signals} signal */
  const killGroup = (signal) => {
    if (proc.pid === undefined) return; // never started: nothing to end
    try {
      process.kill(-proc.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const onParentExit = () => killGroup('SIGKILL');
  process.once('exit', onParentExit);

  const stop = async () => {
    process.off('exit', onParentExit);
    if (!exited) {
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(timer);
      killGroup('SIGKILL'); // children that outlived their parent
    }
    fs.rmSync(state, { recursive: true, force: true });
  };

  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`code-server exited before it was ready:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `code-server did not answer ${url}/healthz within ${(opts.readyTimeoutMs ?? 60_000) / 1000} s:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, host, port, state, pid: proc.pid, stop, output: () => output };
}

/** @typedef {Awaited<ReturnType<typeof startCodeServer>>} CodeServer */

/**
 * The workbench URL that opens `folder` with `extensionPath` loaded as a development extension and, given
 * `testsPath`, runs that mocha entry inside the extension host (code-server's command line refuses these flags;
 * the URL payload does the same job).
 * @param {Pick<CodeServer, 'host' | 'url'>} server
 * @param {{ folder?: string, extensionPath?: string, testsPath?: string }} where
 */
export function workbenchUrl(server, { folder, extensionPath, testsPath }) {
  /** @param {string} p */
  const remote = (p) => `vscode-remote://${server.host}${path.resolve(p)}`;
  const payload = [];
  if (extensionPath) payload.push(['extensionDevelopmentPath', remote(extensionPath)]);
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  const q = new URLSearchParams();
  if (folder) q.set('folder', path.resolve(folder));
  if (payload.length) q.set('payload', JSON.stringify(payload));
  return `${server.url}/?${q}`;
}

/** @param {string[]} argv */
async function main(argv) {
  const folderAt = argv.indexOf('--folder');
  const folder = folderAt >= 0 ? argv[folderAt + 1] : process.cwd();
  const portAt = argv.indexOf('--port');
  // a fixed port is easier to forward from a remote machine
  const server = await startCodeServer({ port: portAt >= 0 ? Number(argv[portAt + 1]) : undefined });
  const url = workbenchUrl(server, { folder, extensionPath: argv.includes('--no-extension') ? undefined : repoRoot });
  process.stdout.write(`code-server ${server.url} (state in ${server.state})\nopen: ${url}\nCtrl-C stops it.\n`);
  const quit = () => server.stop().then(() => process.exit(0));
  process.once('SIGINT', quit);
  process.once('SIGTERM', quit);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  });
}
