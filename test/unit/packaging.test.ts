// Issue 14 item 9: what a Marketplace or Open VSX listing expects is in the package, and nothing unused. Checked on
// the files vsce reads (package.json, .vscodeignore); `npx vsce ls` lists the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '../../..');
const read = (f: string): string => fs.readFileSync(path.join(repo, f), 'utf8');
const pkg = JSON.parse(read('package.json')) as Record<string, unknown> & {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};
const ignore = read('.vscodeignore')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

test('LICENSE holds the MIT text the manifest names, and the package script no longer skips it', () => {
  assert.equal(pkg.license, 'MIT');
  assert.match(read('LICENSE'), /^MIT License/);
  assert.match(read('LICENSE'), /THE SOFTWARE IS PROVIDED "AS IS"/);
  assert.doesNotMatch(pkg.scripts.package, /--skip-license/);
});

test('a CHANGELOG and a 128 x 128 PNG icon ship', () => {
  assert.match(read('CHANGELOG.md'), /^# Changelog/);
  const icon = fs.readFileSync(path.join(repo, String(pkg.icon)));
  assert.equal(icon.subarray(1, 4).toString('latin1'), 'PNG');
  assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
  assert.ok(!ignore.includes('media/**') && !ignore.includes(String(pkg.icon)));
});

test('the file `bin` names ships; the threaded wasm binary (never loaded in Node) does not', () => {
  for (const f of Object.values(pkg.bin)) assert.ok(!ignore.includes(f.replace(/^\.\//, '')), `${f} is left out`);
  const reincluded = ignore.filter((l) => l.startsWith('!'));
  assert.ok(!reincluded.some((l) => /\*\.wasm$|threaded/.test(l)), reincluded.join(' '));
  assert.ok(reincluded.includes('!node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
});
