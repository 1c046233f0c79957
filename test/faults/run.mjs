// @ts-check
// `npm run test:faults`: the fault suite. Each class module in this folder (listed below) exports
// `{ name, run }`; `run()` resolves with `{ tried, handled, lost, failures }`:
//   tried    how many faults of the class were injected
//   handled  how many ended as specified (the expected refusal or outcome, no crash, no stack trace)
//   lost     runs lost, duplicated or corrupted (must be 0)
//   failures one line per fault that was not handled, for the log
// It prints one line per class and exits non-zero if any fault was not handled or any run was lost.
// `node test/faults/run.mjs corpus kill` runs only the named classes.
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLASSES = ['corpus', 'bounds', 'kill', 'concurrent', 'damaged', 'full-disk', 'diverge'];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !CLASSES.includes(w));
if (unknown.length) {
  console.error(`unknown fault class ${unknown.join(', ')} (classes: ${CLASSES.join(', ')})`);
  process.exit(2);
}
const lines = [];
let ok = true;
for (const name of CLASSES.filter((c) => wanted.length === 0 || wanted.includes(c))) {
  console.log(`\n=== ${name} ===`);
  const t = Date.now();
  let r;
  try {
    const mod = await import(pathToFileURL(path.join(here, `${name}.mjs`)).href);
    r = await mod.run();
  } catch (e) {
    r = { tried: 0, handled: 0, lost: 0, failures: [`the class itself failed: ${e instanceof Error ? e.stack : e}`] };
    ok = false;
  }
  for (const f of r.failures ?? []) console.log(`  NOT HANDLED: ${f}`);
  if (r.handled !== r.tried || r.lost !== 0 || r.tried === 0) ok = false;
  lines.push(
    `${name.padEnd(11)} tried ${String(r.tried).padStart(4)}  handled as specified ` +
      `${String(r.handled).padStart(4)}  lost or corrupted runs ${r.lost}  (${Math.round((Date.now() - t) / 1000)} s)`,
  );
}
console.log(`\n${lines.join('\n')}`);
console.log(`faults: ${ok ? 'all handled' : 'FAILED'}`);
process.exit(ok ? 0 : 1);
