// The command line as a user runs it: dist/cli.js in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const cli = path.resolve(__dirname, '../../cli.js');
const run = (args: string[], cwd = os.tmpdir()) =>
  spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });

test('presets lists every paper preset with its figure', () => {
  const r = run(['presets']);
  assert.equal(r.status, 0);
  for (const name of ['fig1-cov', 'fig3-cov', 'fig1-adahessian', 'fig3-adahessian'])
    assert.match(r.stdout, new RegExp(`^${name}\\s`, 'm'));
  assert.match(r.stdout, /Figure 1a-b/);
});

test('<command> --help prints the usage and starts nothing, whatever the command', () => {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-help-'));
  for (const command of ['reproduce', 'run', 'worker', 'report']) {
    const r = run([command, '--help'], cwd);
    assert.equal(r.status, 0, `${command} --help: ${r.stderr}`);
    assert.match(r.stdout, /precond-lab reproduce \[--quick\]/);
    // nothing was trained or written: no results folder appeared where it ran
    assert.deepEqual(fs.readdirSync(cwd), [], `${command} --help wrote ${fs.readdirSync(cwd).join(', ')}`);
  }
});

test('run with overrides ends with the table; report prints it again from the store', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-cli-'));
  const args = [
    'run',
    'fig1-cov',
    '--case',
    'low',
    '--p',
    '-1,1',
    '--snr',
    '2',
    '--steps',
    '60',
    '--eval-every',
    '20',
    '--name',
    'cli-test',
    '--out',
    out,
    '--workers',
    '1',
  ];
  const r = run(args);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /low_p-1_snr2_s42\s+done/);
  assert.match(r.stdout, /Case low: final test MSE/);
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'cli-test', 'summary.json'), 'utf8'));
  assert.deepEqual(
    summary.runs.map((x: { id: string }) => x.id),
    ['low_p-1_snr2_s42', 'low_p1_snr2_s42'],
  );
  assert.equal(summary.experiment.settings.steps, 60);
  const rep = run(['report', path.join(out, 'cli-test')]);
  assert.equal(rep.status, 0, rep.stderr);
  assert.equal(rep.stdout.trim(), r.stdout.trim());
  const again = run(args);
  assert.match(again.stderr, /2 runs already done in the store were skipped/);
});

test('an invalid override is refused before anything runs, naming the field', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-cli-'));
  const r = run(['run', 'fig1-cov', '--p', '-2,5', '--out', out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /grid\.p\[1\]: must be a number in \[-3, 3\], got 5/);
  assert.deepEqual(fs.readdirSync(out), []);
});

test('data writes the generated dataset as JSON', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'precond-lab-cli-')), 'd.json');
  const r = run(['data', 'fig1-cov', '--case', 'low', '--snr', '1', '--seed', '42', '--out', file]);
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(d.X.length, 10000);
  assert.equal(d.X[0].length, 10);
  assert.equal(d.split.train.length, 200);
  assert.equal(d.teacherIndex, 9);
  assert.equal(d.c, 0.4967141530112327);
});
