// @ts-check
// `npm test`: build once, then the layers in order (lint, unit, extension host, faults, end to end), with one
// summary line per layer at the end. The test layers run the same commands as
// `npm run test:unit|test:exthost|test:faults|test:e2e`, minus the build each of those starts with; the lint layer
// runs `npm run lint`'s two checks (ESLint, Prettier) as two steps, counted as passed or failed, and needs no build.
// Every layer runs even when an earlier one failed, so one run shows everything; the exit code is non-zero if any
// layer failed or could not run (a missing code-server or Chromium is a failure, never a skip).
// `node scripts/test-all.mjs e2e` runs only the named layers.
import { spawn } from 'node:child_process';

/** @typedef {{ passed: number, failed: number }} Counts */
/** @typedef {{ code: number, out: string }} StepResult */
/**
 * `independent`: every step runs even after one fails (they check different things), and `parse` gets each
 * step's result; otherwise the steps stop at the first failure. `build`: false for a layer that needs no build.
 * @typedef {{ name: string, steps: string[][], parse: (out: string, steps: StepResult[]) => Counts | undefined,
 *   independent?: boolean, build?: boolean }} Layer
 */

/** @type {Layer[]} */
const LAYERS = [
  {
    name: 'lint',
    steps: [
      ['npx', 'eslint', '.'],
      ['npx', 'prettier', '--check', '.'],
    ],
    independent: true,
    build: false,
    parse: (_out, steps) => ({
      passed: steps.filter((s) => s.code === 0).length,
      failed: steps.filter((s) => s.code !== 0).length,
    }),
  },
  {
    name: 'unit',
    steps: [
      ['npm', 'run', '--silent', 'check-types'],
      ['node', '--test', '--test-concurrency=1', 'dist/test/unit/'],
    ],
    // node --test prints `ℹ pass N` / `ℹ fail N` (spec reporter) or `# pass N` / `# fail N` (TAP, when piped)
    parse: (out) => counts(out, /^(?:ℹ|#) pass (\d+)/m, /^(?:ℹ|#) fail (\d+)/m),
  },
  {
    name: 'exthost',
    steps: [
      ['node', 'scripts/build-tests.mjs'],
      ['node', 'scripts/test-exthost.mjs'],
    ],
    parse: (out) => counts(out, /^exthost: (\d+) passed/m, /^exthost: \d+ passed, (\d+) failed/m),
  },
  {
    name: 'faults',
    steps: [['node', 'test/faults/run.mjs']],
    parse: (out) => {
      const lines = [
        ...out.matchAll(/^\S+\s+tried\s+(\d+)\s+handled as specified\s+(\d+)\s+lost or corrupted runs (\d+)/gm),
      ];
      if (!lines.length) return undefined;
      const failed = lines.filter((m) => m[1] !== m[2] || m[3] !== '0' || m[1] === '0').length;
      return { passed: lines.length - failed, failed };
    },
  },
  {
    // the executors against real engines (Redis, Slurm) started on loopback by the tests; a missing engine fails
    // under PRECOND_LAB_CI=1 (.ci/run) and skips with a reason elsewhere
    name: 'services',
    steps: [['node', '--test', '--test-concurrency=1', 'test/services/']],
    parse: (out) => counts(out, /^(?:ℹ|#) pass (\d+)/m, /^(?:ℹ|#) fail (\d+)/m),
  },
  {
    name: 'e2e',
    steps: [['node', 'test/e2e/run.mjs']],
    parse: (out) => counts(out, /^e2e: (\d+) passed/m, /^e2e: \d+ passed, (\d+) failed/m),
  },
];

/**
 * @param {string} out
 * @param {RegExp} passRe
 * @param {RegExp} failRe
 * @returns {Counts | undefined}
 */
function counts(out, passRe, failRe) {
  const p = passRe.exec(out);
  const f = failRe.exec(out);
  return p && f ? { passed: Number(p[1]), failed: Number(f[1]) } : undefined;
}

/**
 * Runs a command, echoing its output, and resolves with its exit code and stdout.
 * @param {string[]} command
 * @returns {Promise<StepResult>}
 */
function run([cmd, ...args]) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on('error', (e) => resolve({ code: 127, out: `${out}\n${e.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/**
 * @param {string[][]} steps
 * @param {boolean} [independent] run every step even after one failed (the first failure is the one reported)
 * @returns {Promise<{ code: number, out: string, failedStep?: string, results: StepResult[] }>}
 */
async function runSteps(steps, independent = false) {
  let out = '';
  /** @type {StepResult[]} */
  const results = [];
  /** @type {{ code: number, failedStep: string } | undefined} */
  let failure;
  for (const step of steps) {
    const r = await run(step);
    out += r.out;
    results.push(r);
    if (r.code !== 0) {
      failure ??= { code: r.code, failedStep: step.join(' ') };
      if (!independent) break;
    }
  }
  return { code: failure?.code ?? 0, out, failedStep: failure?.failedStep, results };
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !LAYERS.some((l) => l.name === w));
if (unknown.length) {
  console.error(`unknown layer ${unknown.join(', ')} (layers: ${LAYERS.map((l) => l.name).join(', ')})`);
  process.exit(2);
}
const layers = LAYERS.filter((l) => wanted.length === 0 || wanted.includes(l.name));

console.log('=== build (npm run build) ===');
const t0 = Date.now();
const build = await run(['npm', 'run', '--silent', 'build']);
const lines = [
  `build: ${build.code === 0 ? 'ok' : `FAILED (exit ${build.code})`} (${Math.round((Date.now() - t0) / 1000)} s)`,
];
let ok = build.code === 0;
for (const layer of layers) {
  if (build.code !== 0 && layer.build !== false) {
    lines.push(`${layer.name}: 0 passed, 1 failed (not run: the build failed)`);
    continue;
  }
  console.log(`\n=== ${layer.name} (${layer.steps.map((s) => s.join(' ')).join(' && ')}) ===`);
  const t = Date.now();
  const { code, out, failedStep, results } = await runSteps(layer.steps, layer.independent);
  const secs = Math.round((Date.now() - t) / 1000);
  const c = layer.parse(out, results);
  // a step that fails without failing tests (type check, missing code-server, a crash) still fails the layer
  const extra = code !== 0 && (!c || c.failed === 0) ? 1 : 0;
  const note = extra ? `, \`${failedStep}\` exited ${code}` : '';
  lines.push(`${layer.name}: ${c?.passed ?? 0} passed, ${(c?.failed ?? 0) + extra} failed (${secs} s${note})`);
  if (code !== 0 || (c?.failed ?? 0) > 0) ok = false;
}
console.log(`\n${lines.join('\n')}`);
process.exit(ok ? 0 : 1);
