// `precond-lab reproduce --quick --setting both` end to end (issue 13): every figure's quick preset under both
// settings, then the report. Test-only reduction, documented in README.md (Reproducing the paper): `--test-steps 20` cuts the
// costly experiments (Figure 2's seven optimizers on MNIST, and the AdaHessian regressions of Figures 1c-d and 3c-d)
// to 20 steps, in their own folders; the exact-covariance figures run their quick presets unchanged. The verdicts asserted are those whose direction the quick
// presets already show; a rerun trains nothing (the store resumes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const cli = path.resolve(__dirname, '../../cli.js');
const ARGS = ['reproduce', '--quick', '--setting', 'both', '--test-steps', '20', '--workers', '2', '--backend', 'wasm'];

test('reproduce --quick --setting both: runs every figure in both settings and writes the report', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-reproduce-'));
  try {
    const r = spawnSync(process.execPath, [cli, ...ARGS, '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    assert.match(r.stderr, /about .* left/, 'progress with an estimate of the time left');
    const dir = path.join(out, 'reproduction-quick-test20');
    const verdicts = JSON.parse(fs.readFileSync(path.join(dir, 'verdicts.json'), 'utf8'));
    // every claim has a result under both settings, every run finished (Figure 2b may be 'not measured' here: at
    // 20 steps AdaHessian at p = -2 diverges, and the rule needs p = -2; the report marks the run as unstable)
    for (const [id, v] of Object.entries(verdicts) as [
      string,
      Record<string, { verdict: string; finished: number; expected: number }>,
    ][])
      for (const s of ['paper', 'corrected']) {
        assert.ok(v[s], `${id}: no ${s} result`);
        assert.equal(v[s].finished, v[s].expected, `${id} ${s}: runs missing`);
      }
    // the directions the quick presets show: Figure 1 exact covariance and Task 1 of Figure 3 follow Experiment 1
    for (const id of ['fig1ab', 'fig3ab-task1'])
      for (const s of ['paper', 'corrected']) assert.equal(verdicts[id][s].verdict, 'holds', `${id} ${s}`);
    // the paper and corrected settings are different experiments where a departure applies
    assert.equal(verdicts.fig3ab.paper.experiment, 'fig3-cov-paper-quick');
    assert.equal(verdicts.fig3ab.corrected.experiment, 'fig3-cov-quick');
    assert.equal(verdicts.fig1ab.paper.experiment, verdicts.fig1ab.corrected.experiment);

    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    // self-contained: figures inline, nothing fetched
    assert.ok((html.match(/<svg /g) ?? []).length >= 10, 'inline SVG figures');
    assert.doesNotMatch(html, /\b(src|href)="(https?:)?\/\//);
    assert.doesNotMatch(html, /<script/);
    // the authors' numbers beside the lab's, the rule, the missing list
    assert.match(md, /\| -2 \| 1\.8679 \| /);
    assert.match(md, /Rule: At each SNR, the Spearman correlation/);
    assert.match(md, /## Still missing\n\nNothing/);
    assert.match(md, /Test run: the Figure 2 and AdaHessian experiments were cut to 20 steps/);
    assert.match(html, /authors&apos; code/);
    assert.match(md, /unstable \(diverged, left out\)|Figure 2b[^\n]*\*\*(holds|mixed|does not hold)\*\*/);

    // resuming: the same command again trains nothing and writes the same verdicts
    const again = spawnSync(process.execPath, [cli, ...ARGS, '--out', out], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr.slice(-3000));
    // (the store skips done runs; a diverged run is trained again, and diverges again: it is deterministic)
    const diverged = fs
      .readdirSync(out)
      .flatMap((e) =>
        fs.existsSync(path.join(out, e, 'runs'))
          ? fs.readdirSync(path.join(out, e, 'runs')).map((id) => path.join(out, e, 'runs', id, 'run.json'))
          : [],
      )
      .filter((f) => JSON.parse(fs.readFileSync(f, 'utf8')).status === 'diverged').length;
    assert.match(again.stderr, new RegExp(` ${diverged} runs trained, ${80 - diverged} already done`));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'verdicts.json'), 'utf8')), verdicts);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('reproduce: bad input is refused with a message, nothing written', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-reproduce-bad-'));
  try {
    for (const [args, message] of [
      [['--setting', 'authors'], /--setting must be paper, corrected or both/],
      [['--test-steps', 'x'], /--test-steps must be a whole number/],
      [['fig1-cov'], /reproduce takes no preset or file/],
      [['--reference', path.join(out, 'missing.json')], /--reference/],
    ] as const) {
      const r = spawnSync(process.execPath, [cli, 'reproduce', '--quick', '--report-only', '--out', out, ...args], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    fs.writeFileSync(path.join(out, 'ref.json'), JSON.stringify({ series: [{ source: 'x', case: 'middle' }] }));
    const r = spawnSync(
      process.execPath,
      [cli, 'reproduce', '--quick', '--report-only', '--out', out, '--reference', path.join(out, 'ref.json')],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /series\[0\]: bad or missing .*case \(high or low\)/);
    assert.deepEqual(fs.readdirSync(out).sort(), ['ref.json']);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

test('reproduce --report-only on an empty store: every verdict not measured, every figure named as missing', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-reproduce-empty-'));
  try {
    const r = spawnSync(process.execPath, [cli, 'reproduce', '--report-only', '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const md = fs.readFileSync(path.join(out, 'reproduction', 'report.md'), 'utf8');
    for (const name of [
      'fig1-cov',
      'fig1-adahessian-paper',
      'fig3-cov-paper',
      'fig3-adahessian',
      'fig2-optimizers-paper',
    ])
      assert.match(md, new RegExp(`\`${name}\`, (paper|corrected)\\): 0/\\d+ runs finished`), name);
    assert.doesNotMatch(md, /\*\*(holds|mixed|does not hold)\*\*/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
