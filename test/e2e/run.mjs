// @ts-check
// End-to-end tests in a real browser: Debian's Chromium (playwright-core) against code-server with this checkout
// loaded as a development extension on a sample workspace. Screenshots go to test-output/e2e/. Prints
// `e2e: N passed, N failed`; exits non-zero on failure. Needs `npm run build` first (dist/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchChromium } from '../../scripts/code-server/browser.mjs';
import { repoRoot, startCodeServer, workbenchUrl } from '../../scripts/code-server/serve.mjs';
import { checks as labChecks } from './lab.e2e.mjs';
import { checks as panelChecks, prepare as preparePanels } from './panels.e2e.mjs';
import { checks as playgroundChecks } from './playground.e2e.mjs';
import { checks as compareChecks, prepare as prepareCompare } from './compare.e2e.mjs';
import { makeSampleWorkspace } from './sampleWorkspace.mjs';

const shots = path.join(repoRoot, 'test-output', 'e2e');
const keep = process.env.PRECOND_KEEP_WORKSPACE === '1';

async function main() {
  // PRECOND_EXTENSION_PATH tests another copy of the extension (an unpacked .vsix, say) instead of this checkout
  const extensionPath = path.resolve(process.env.PRECOND_EXTENSION_PATH ?? repoRoot);
  if (!fs.existsSync(path.join(extensionPath, 'dist/extension.js')))
    throw new Error(`${extensionPath}/dist/extension.js is missing: run \`npm run build\` first`);
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(extensionPath, 'package.json'), 'utf8'));
  const ws = makeSampleWorkspace(repoRoot);
  /** @type {import('./check').Check[]} */
  const all = [...labChecks, ...panelChecks, ...playgroundChecks, ...compareChecks];
  // E2E_GREP runs only the checks whose names match it (the lab checks that make the sample sweep always run)
  const grep = process.env.E2E_GREP ? new RegExp(process.env.E2E_GREP) : undefined;
  const checks = grep ? all.filter((c) => labChecks.includes(c) || grep.test(c.name)) : all;
  // the background CLI runs of a group's prepare() only when one of its checks will wait for them
  // the comparison's checks open the panels' experiments too (e2e-many, fig3-cov-quick)
  if (checks.some((c) => panelChecks.includes(c) || compareChecks.includes(c))) preparePanels(ws, repoRoot);
  if (checks.some((c) => compareChecks.includes(c))) prepareCompare(ws, repoRoot);
  /** @type {import('../../scripts/code-server/serve.mjs').CodeServer | undefined} */
  let server;
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    server = await startCodeServer();
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    page.on('pageerror', (e) => process.stderr.write(`  [page error] ${e.message}\n`));
    await page.goto(workbenchUrl(server, { folder: ws, extensionPath }));
    for (const check of checks) {
      const t = Date.now();
      /** @type {Error | undefined} */
      let error;
      try {
        await check.run({ page, ws, pkg });
      } catch (e) {
        error = /** @type {Error} */ (e);
      }
      const shot = path.join(shots, `${check.shot}${error ? '-FAILED' : ''}.png`);
      await page.screenshot({ path: shot }).catch(() => undefined);
      await check.after?.(page).catch(() => undefined);
      const secs = ((Date.now() - t) / 1000).toFixed(1);
      if (error) {
        failed++;
        console.log(
          `  ✖ ${check.name} (${secs} s)\n      ` +
            `${String(error.message).split('\n').slice(0, 6).join('\n      ')}\n      screenshot: ` +
            `${path.relative(repoRoot, shot)}`,
        );
      } else {
        passed++;
        console.log(`  ✔ ${check.name} (${secs} s)`);
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    if (keep) console.log(`  workspace kept: ${ws}`);
    else fs.rmSync(ws, { recursive: true, force: true });
  }
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e.stack ?? String(e));
    console.log('e2e: 0 passed, 1 failed (could not run)');
    process.exit(1);
  },
);
