// @ts-check
// Bounds on work: huge grids, huge strings, floods of bad values, unbounded files, deep nesting. Each case runs
// the built CLI as a real process in a fresh temp folder with --out under it, and is handled when the CLI refuses
// with a message naming the bound (or, for a raised --max-runs, accepts and shows the count), prints no stack
// trace, prints at most 10 KB, and writes nothing (no --out folder, no run folder).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './lib.mjs';
import { cliIn, judge } from './refusal.mjs';

export const name = 'bounds';

const NOISE = { version: 1, name: 'b', kind: 'noise', grid: { case: ['high'], p: [0], snr: [1], seed: [1] } };
const range = (/** @type {number} */ n, /** @type {(i: number) => unknown} */ f) =>
  Array.from({ length: n }, (_, i) => f(i));
const distinctP = (/** @type {number} */ n) => range(n, (i) => -3 + (6 * i) / n);

/**
 * @typedef {{ id: string, files?: Record<string, string | { sparse: number }>, argv: (dir: string) => string[],
 *   expect: { refused?: string, accepted?: boolean },
 *   also?: (r: { stdout: string, stderr: string }) => string | undefined }} Case
 * @type {Case[]}
 */
const CASES = [
  {
    id: '2x10^6 runs from a small file (case 2 x p 1000 x snr 1000): refused with the count, before any write',
    files: {
      'big.json': JSON.stringify({
        ...NOISE,
        grid: { case: ['high', 'low'], p: distinctP(1000), snr: range(1000, (i) => i + 1) },
      }),
    },
    argv: () => ['run', 'big.json'],
    expect: {
      refused: 'grid: 2000000 runs (case 2 x p 1000 x snr 1000 x seed 1) exceed the limit of 10000 runs per sweep',
    },
  },
  {
    id: '10^6 runs from flags (--p 1000 values x --snr 1000 values): refused with the count and how to raise it',
    argv: () => [
      'run',
      'fig1-cov',
      '--case',
      'high',
      '--p',
      distinctP(1000).join(','),
      '--snr',
      range(1000, (i) => i + 1).join(','),
    ],
    expect: {
      refused:
        'grid: 1000000 runs (case 1 x p 1000 x snr 1000 x seed 1) exceed the limit of 10000 runs per sweep; raise ' +
        'the limit with --max-runs 1000000',
    },
  },
  {
    id: '--max-runs 1000000 raises the cap: run --dry-run accepts and shows the count, writing nothing',
    argv: () => [
      'run',
      'fig1-cov',
      '--case',
      'high',
      '--p',
      distinctP(1000).join(','),
      '--snr',
      range(1000, (i) => i + 1).join(','),
      '--max-runs',
      '1000000',
      '--dry-run',
    ],
    expect: { accepted: true },
    also: (r) => (r.stdout.includes('1000000 runs') ? undefined : `count not shown: ${r.stdout}`),
  },
  {
    id: '--max-runs 20000: validate shows 20000 runs',
    argv: () => [
      'validate',
      'fig1-cov',
      '--p',
      distinctP(100).join(','),
      '--snr',
      range(100, (i) => i + 1).join(','),
      '--max-runs',
      '20000',
    ],
    expect: { accepted: true },
    also: (r) => (r.stdout.includes('20000 runs') ? undefined : `count not shown: ${r.stdout}`),
  },
  {
    id: 'a grid axis of 10^6 values in a file (7 MB): refused by the config size limit',
    files: {
      'values.json': JSON.stringify({ ...NOISE, grid: { ...NOISE.grid, p: range(1_000_000, (i) => i / 1e6) } }),
    },
    argv: () => ['run', 'values.json'],
    expect: { refused: 'more than the 1 MB allowed' },
  },
  {
    id: 'a 50 MB description: refused by the size limit, nothing written',
    files: { 'desc.json': JSON.stringify({ ...NOISE, description: 'd'.repeat(50 * 1024 * 1024) }) },
    argv: () => ['run', 'desc.json'],
    expect: { refused: 'more than the 1 MB allowed' },
  },
  {
    id: 'a 10001-character description in a small file: refused naming description',
    files: { 'desc.json': JSON.stringify({ ...NOISE, description: 'd'.repeat(10_001) }) },
    argv: () => ['run', 'desc.json'],
    expect: { refused: 'description: 10001 characters, more than the 10000 allowed' },
  },
  {
    id: '10^6 bad values (a 4 MB file): refused by size in one line',
    files: { 'bad.json': JSON.stringify({ ...NOISE, grid: { ...NOISE.grid, p: range(1_000_000, () => 'x') } }) },
    argv: () => ['run', 'bad.json'],
    expect: { refused: 'more than the 1 MB allowed' },
  },
  {
    id: '200000 bad values within 1 MB: refused on the axis length, not value by value',
    files: { 'bad.json': JSON.stringify({ ...NOISE, grid: { ...NOISE.grid, p: range(200_000, () => 'x') } }) },
    argv: () => ['run', 'bad.json'],
    expect: { refused: 'grid.p: 200000 values, more than the 10000 one axis may have' },
  },
  {
    id: '10000 bad values: 20 listed, the rest counted, output under 10 KB',
    files: { 'bad.json': JSON.stringify({ ...NOISE, grid: { ...NOISE.grid, p: range(10_000, (i) => 10 + i) } }) },
    argv: () => ['run', 'bad.json'],
    expect: { refused: 'grid.p[0]: must be a number in [-3, 3], got 10' },
    also: (r) =>
      r.stderr.includes('... and 9980 more problems') && (r.stderr.match(/grid\.p\[/g) ?? []).length === 20
        ? undefined
        : `problems not capped at 20: ${r.stderr.slice(0, 300)}`,
  },
  {
    id: 'run /dev/zero: refused by the file-type check',
    argv: () => ['run', '/dev/zero'],
    expect: { refused: 'config /dev/zero: is not a regular file' },
  },
  {
    id: 'run /etc: a folder, no raw EISDIR',
    argv: () => ['run', '/etc'],
    expect: { refused: 'config /etc: is a folder, not a file' },
  },
  {
    id: '--init /dev/zero: refused by the file-type check',
    argv: () => ['run', 'fig1-cov', '--quick', '--init', '/dev/zero'],
    expect: { refused: '--init /dev/zero: is not a regular file' },
  },
  {
    id: 'a 2 GB (sparse) config: refused by its size without reading it',
    files: { 'huge.json': { sparse: 2 * 1024 ** 3 } },
    argv: () => ['run', 'huge.json'],
    expect: { refused: 'config huge.json: 2048 MB, more than the 1 MB allowed' },
  },
  {
    id: 'a 100 MB (sparse) --init file: refused by the 64 MB limit',
    files: { 'w.json': { sparse: 100 * 1024 ** 2 } },
    argv: () => ['run', 'fig1-cov', '--quick', '--init', 'w.json'],
    expect: { refused: '--init w.json: 100 MB, more than the 64 MB allowed' },
  },
  {
    id: '10^5-deep nested arrays as a config: a clear message, no stack overflow',
    files: { 'deep.json': '['.repeat(100_000) + ']'.repeat(100_000) },
    argv: () => ['run', 'deep.json'],
    expect: { refused: 'nesting deeper than 32 levels of arrays and objects' },
  },
  {
    id: '10^5-deep nested objects in settings: a clear message naming where',
    files: {
      'deep.json': JSON.stringify(NOISE).replace(
        /}$/,
        `,"settings":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
      ),
    },
    argv: () => ['validate', 'deep.json'],
    expect: { refused: 'settings.a.a.a' },
  },
  {
    id: '10^5-deep nesting as --init weights: a clear message',
    files: { 'w.json': '['.repeat(100_000) + ']'.repeat(100_000) },
    argv: () => ['run', 'fig1-cov', '--quick', '--init', 'w.json'],
    expect: { refused: '--init w.json: [0][0][0]' },
  },
];

export async function run() {
  const result = { tried: 0, handled: 0, lost: 0, failures: /** @type {string[]} */ ([]) };
  for (const c of CASES) {
    result.tried++;
    const { dir, cleanup } = tempDir('bounds');
    let why;
    try {
      for (const [f, content] of Object.entries(c.files ?? {})) {
        if (typeof content === 'string') fs.writeFileSync(path.join(dir, f), content);
        else fs.truncateSync((fs.closeSync(fs.openSync(path.join(dir, f), 'w')), path.join(dir, f)), content.sparse);
      }
      const argv = c.argv(dir);
      const r = await cliIn([argv[0], '--out', path.join(dir, 'out'), ...argv.slice(1)], dir);
      why = judge(r, c.expect, dir, Object.keys(c.files ?? {})) ?? c.also?.(r);
    } catch (e) {
      why = `the case itself failed: ${/** @type {Error} */ (e).message}`;
    } finally {
      cleanup();
    }
    if (why === undefined) result.handled++;
    else result.failures.push(`${c.id}: ${why}`);
    console.log(`  ${why === undefined ? 'ok  ' : 'FAIL'} ${c.id}${why === undefined ? '' : `: ${why}`}`);
  }
  return result;
}
