// @ts-check
// Runs the extension-host mocha suite (out/test/suite, built by scripts/build-tests.mjs) inside code-server's real
// extension host, offline: code-server serves the workbench, Debian's Chromium loads it with the URL payload
// (extensionDevelopmentPath + extensionTestsPath), and the workbench reports the host's log and exit code through
// window.codeAutomationLog / codeAutomationExit. Two sessions: the suite in a trusted workspace, then the Restricted
// Mode cases (*.untrusted.test.js) in a code-server with workspace trust on, whose workspace is untrusted.
// Prints `exthost: N passed, N failed` over both; exits non-zero on failure.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { launchChromium } from './code-server/browser.mjs';
import { repoRoot, startCodeServer, workbenchUrl } from './code-server/serve.mjs';
import { redisServerPath, startRedis } from './services/redis.mjs';
import { slurmProblem, startSlurm } from './services/slurm.mjs';

const RESULT = /exthost-result passed=(\d+) failed=(\d+)/;
const timeoutMs = Number(process.env.EXTHOST_TIMEOUT_S ?? 900) * 1000;
const keep = process.env.PRECOND_KEEP_WORKSPACE === '1';
const verbose = process.env.EXTHOST_VERBOSE === '1';
// Workbench chatter that says nothing about the suite: connection setup, and the extension gallery it cannot reach
// offline (with its stack). EXTHOST_VERBOSE=1 shows it all.
const NOISE =
  /^(Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin|\[Service Worker\]|ChatSessionStore:)|open-vsx\.org|^\s+at .*\/static\/out\/vs\/.*workbench\.js:\d+/;

/** @typedef {{ passed: number, failed: number }} Counts */

/**
 * @param {number} passed
 * @param {number} failed
 */
function summary(passed, failed, note = '') {
  console.log(`exthost: ${passed} passed, ${failed} failed${note ? ` (${note})` : ''}`);
}

async function main() {
  // PRECOND_EXTENSION_PATH runs the suite against another copy of the extension (an unpacked .vsix, say); the
  // suite must sit inside it, because `vscode` resolves per extension folder.
  const extensionPath = path.resolve(process.env.PRECOND_EXTENSION_PATH ?? repoRoot);
  const testsPath = path.join(extensionPath, 'out/test/suite/index.js');
  for (const f of [path.join(extensionPath, 'dist/extension.js'), testsPath]) {
    if (!fs.existsSync(f))
      throw new Error(`${f} is missing: run \`npm run build && node scripts/build-tests.mjs\` first`);
  }
  const started = Date.now();
  const sessions = [
    { name: 'trusted workspace', workspaceTrust: false },
    // only when the suite has Restricted Mode cases (index.ts runs *.untrusted.test.js in an untrusted window)
    ...(fs.readdirSync(path.dirname(testsPath)).some((f) => f.endsWith('.untrusted.test.js'))
      ? [{ name: 'Restricted Mode', workspaceTrust: true }]
      : []),
  ];
  const total = { passed: 0, failed: 0 };
  let ok = true;
  // A Redis with a password for the bullmq executor's test (test/suite/executorBullmq.test.ts), which reads its URL
  // from PRECOND_LAB_TEST_REDIS_URL through code-server's environment; stopped by PID at the end, also on failure.
  // Without redis-server that test skips, or fails under PRECOND_LAB_CI=1.
  const redis = redisServerPath() ? await startRedis() : undefined;
  if (redis) process.env.PRECOND_LAB_TEST_REDIS_URL = redis.url;
  else
    console.log('  redis-server is not installed: the bullmq executor test skips (a failure under PRECOND_LAB_CI=1)');
  // Likewise a single-node Slurm cluster for the slurm executor's test (test/suite/executorSlurm.test.ts): its
  // SLURM_CONF reaches the extension host, whose sbatch/squeue/scancel then talk to it
  const problem = slurmProblem();
  const slurm = problem
    ? undefined
    : await startSlurm().catch((e) => (console.log(`  Slurm: ${e.message}`), undefined));
  const savedConf = process.env.SLURM_CONF;
  if (slurm) process.env.SLURM_CONF = slurm.conf;
  if (slurm) process.env.PRECOND_LAB_TEST_SLURM = '1';
  else console.log(`  no Slurm test cluster (${problem ?? 'it did not start'}): the slurm executor test skips`);
  try {
    for (const s of sessions) {
      console.log(`  -- ${s.name} --`);
      const r = await session({ extensionPath, testsPath, workspaceTrust: s.workspaceTrust, secret: redis?.password });
      console.log(`  ${s.name}: ${r.passed} passed, ${r.failed} failed${r.note ? ` (${r.note})` : ''}`);
      total.passed += r.passed;
      total.failed += r.failed;
      ok &&= r.ok;
    }
  } finally {
    delete process.env.PRECOND_LAB_TEST_REDIS_URL;
    redis?.stop();
    delete process.env.PRECOND_LAB_TEST_SLURM;
    if (savedConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = savedConf;
    if (slurm) spawnSync('scancel', ['--user', 'root'], { env: slurm.env });
    slurm?.stop();
  }
  summary(total.passed, total.failed, `${((Date.now() - started) / 1000).toFixed(0)} s`);
  return ok && total.failed === 0 ? 0 : 1;
}

/**
 * One code-server, one fresh workspace, the suite's index in its extension host; resolves its counts.
 * `secret`: a string that must appear nowhere in what the host prints (the test Redis's password).
 * @param {{ extensionPath: string, testsPath: string, workspaceTrust: boolean, secret?: string }} opts
 * @returns {Promise<Counts & { ok: boolean, note?: string }>}
 */
async function session({ extensionPath, testsPath, workspaceTrust, secret }) {
  const server = await startCodeServer({ workspaceTrust });
  // a fresh workspace per run: the suite writes configs and results into it
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-exthost-ws-'));
  let browser;
  /** @type {Counts | undefined} */
  let counts;
  try {
    browser = await launchChromium();
    const page = await browser.newPage();
    /** @type {(code: number) => void} */
    let resolveExit = () => undefined;
    /** @type {Promise<number>} */
    const exited = new Promise((r) => (resolveExit = r));
    let leaked = false;
    /** @param {unknown} text */
    const print = (text) => {
      for (const line of String(text).split('\n')) {
        if (secret && line.includes(secret)) {
          leaked = true;
          process.stdout.write('  [a line holding the test Redis password was printed; not shown]\n');
          continue;
        }
        const m = RESULT.exec(line);
        if (m) counts = { passed: Number(m[1]), failed: Number(m[2]) };
        if (verbose || !NOISE.test(line)) process.stdout.write(`  ${line}\n`);
      }
    };
    // the workbench's hooks take whatever its host sends: typed unknown, read defensively
    await page.exposeFunction('codeAutomationLog', (/** @type {unknown} */ _level, /** @type {unknown} */ args) => {
      // forwarded console calls arrive as console.log's arguments, format string first (mocha's reporter uses them)
      print(Array.isArray(args) ? format(...args) : String(args));
    });
    await page.exposeFunction('codeAutomationExit', (/** @type {unknown} */ code) => resolveExit(Number(code)));
    page.on('pageerror', (e) => process.stderr.write(`  [page error] ${e.message}\n`));
    await page.goto(workbenchUrl(server, { folder: workspace, extensionPath, testsPath }));
    /** @type {Promise<'timeout'>} */
    const timer = new Promise((r) => setTimeout(() => r('timeout'), timeoutMs));
    const code = await Promise.race([exited, timer]);
    if (code === 'timeout') {
      // what the window showed when the suite hung (a modal dialog, a notification waiting for a click)
      const shot = path.join(repoRoot, 'test-output', 'exthost', `timeout${workspaceTrust ? '-restricted' : ''}.png`);
      fs.mkdirSync(path.dirname(shot), { recursive: true });
      await page.screenshot({ path: shot }).then(
        () => console.log(`  screenshot: ${path.relative(repoRoot, shot)}`),
        () => undefined,
      );
      return {
        passed: counts?.passed ?? 0,
        failed: Math.max(1, counts?.failed ?? 0),
        ok: false,
        note: `timed out after ${timeoutMs / 1000} s`,
      };
    }
    // the host exited without mocha's result line: the suite failed to load
    if (!counts)
      return {
        passed: 0,
        failed: 1,
        ok: false,
        note: `extension host exited with code ${code} before reporting results`,
      };
    if (leaked) return { ...counts, failed: counts.failed + 1, ok: false, note: 'the test Redis password was printed' };
    return { ...counts, ok: code === 0 && counts.failed === 0 };
  } finally {
    await browser?.close().catch(() => undefined);
    await server.stop();
    if (keep) console.log(`  workspace kept: ${workspace}`);
    else fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e.stack ?? String(e));
    summary(0, 1, 'could not run');
    process.exit(1);
  },
);
