// @ts-check
// Finds the code-server binary the test layers use: $CODE_SERVER if set, else the pinned install in the cache
// folder, else installs it (scripts/code-server/install.sh). No code-server and no way to install it is an error,
// never a silent skip: a layer that did not run must not look green.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const here = path.dirname(fileURLToPath(import.meta.url));

export function cacheDir() {
  return path.join(
    process.env.PRECOND_LAB_CACHE ?? path.join(os.homedir(), '.cache', 'precond-lab'),
    `code-server-${CODE_SERVER_VERSION}`,
  );
}

export function codeServerBin({ install = true } = {}) {
  if (process.env.CODE_SERVER) {
    if (!existsSync(process.env.CODE_SERVER)) throw new Error(`CODE_SERVER=${process.env.CODE_SERVER} does not exist`);
    return process.env.CODE_SERVER;
  }
  const dir = cacheDir();
  const bin = path.join(dir, 'node_modules', '.bin', 'code-server');
  if (existsSync(path.join(dir, '.installed')) && existsSync(bin)) return bin;
  if (!install)
    throw new Error(
      `code-server ${CODE_SERVER_VERSION} is not installed in ${dir}; run scripts/code-server/install.sh`,
    );
  process.stderr.write(`code-server ${CODE_SERVER_VERSION} not found in ${dir}: installing it\n`);
  const r = spawnSync('bash', [path.join(here, 'install.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !existsSync(last)) {
    throw new Error(
      `code-server is missing and scripts/code-server/install.sh failed (exit ${r.status}); this test layer cannot run`,
    );
  }
  return last;
}

export function chromiumPath() {
  const p = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(p))
    throw new Error(
      `Chromium not found at ${p} (apt-get install chromium, or set CHROMIUM); this test layer cannot run`,
    );
  return p;
}
