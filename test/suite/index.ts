// Mocha entry run inside the extension host (code-server through scripts/test-exthost.mjs, or VS Code through
// @vscode/test-electron). Loads every *.test.js bundled next to it, prints the spec report to the host's console
// and one machine-readable result line that the runners parse.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';

export const RESULT_PREFIX = 'exthost-result';

export function run(): Promise<void> {
  // Sweeps run real child processes: minutes on a slow machine are normal, a hang is not.
  // EXTHOST_GREP (passed through code-server's environment) runs only the tests whose titles match it
  const grep = process.env.EXTHOST_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 180_000, reporter: 'spec', ...(grep ? { grep } : {}) });
  // An untrusted workspace (the Restricted Mode session of scripts/test-exthost.mjs) runs the *.untrusted.test.js
  // files alone; a trusted one runs all the others. Trust is the window's, so one session cannot run both.
  const untrusted = !vscode.workspace.isTrusted;
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f.endsWith('.untrusted.test.js') === untrusted);
  for (const f of files.sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures };
        console.log(`${RESULT_PREFIX} passed=${stats.passes} failed=${stats.failures}`);
        if (failures > 0) reject(new Error(`${failures} extension-host tests failed`));
        else resolve();
      });
    } catch (e) {
      console.log(`${RESULT_PREFIX} passed=0 failed=1`);
      reject(e);
    }
  });
}
