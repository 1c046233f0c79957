// @ts-check
// The extension-host suite in desktop VS Code via @vscode/test-electron, for machines that can download VS Code
// (a developer laptop). Offline machines run the same suite through code-server: scripts/test-exthost.mjs.
// `--check` only verifies that the runner, the extension and the built suite are in place (no download).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const extensionTestsPath = path.join(repoRoot, 'out/test/suite/index.js');

for (const f of [path.join(repoRoot, 'dist/extension.js'), extensionTestsPath]) {
  if (!fs.existsSync(f)) {
    console.error(
      `${path.relative(repoRoot, f)} is missing: run \`npm run build && node scripts/build-tests.mjs\` first`,
    );
    process.exit(1);
  }
}
if (typeof runTests !== 'function') {
  console.error('@vscode/test-electron has no runTests export');
  process.exit(1);
}
if (process.argv.includes('--check')) {
  console.log('test-electron: runner, extension and suite in place (not run: --check)');
  process.exit(0);
}

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-electron-ws-'));
try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath,
    // a fresh folder, and no other extensions to interfere
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
  console.log('exthost (electron): all passed');
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  console.log('exthost (electron): failed (see the report above)');
  process.exitCode = 1;
} finally {
  fs.rmSync(workspace, { recursive: true, force: true });
}
