// "Copy CLI Command" (issue 14): the line copied for a run, parsed by the CLI's own parser and resolved the way
// `precond-lab run` resolves it, must name the same run: same parameters, same run key as the stored run.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandRuns, resolveConfig, type ExperimentConfig } from '../../src/shared/config';
import { presetVariant } from '../../src/shared/presets';
import { ExperimentStore } from '../../src/sweep/store';
import { runKey } from '../../src/sweep/keys';
import { parseArgs } from '../../src/cli/args';
import { SWITCHES, VALUED } from '../../src/cli/flags';
import { applyOverrides, loadExperiment } from '../../src/cli/load';
import { cliCommandFor, copyName } from '../../src/host/cliCommand';

/** POSIX shell words: whitespace-separated, '...' quoted, '\'' for a quote inside quotes. */
function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      assert.ok(end > i, `unclosed quote in ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      started = true;
    } else if (ch === '\\') {
      cur += line[++i];
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) out.push(cur);
      cur = '';
      started = false;
    } else {
      cur += ch;
      started = true;
    }
  }
  if (started) out.push(cur);
  return out;
}

/** What `precond-lab run` would train for this line: its config and the one run it expands to. */
function resolveLine(line: string): { config: ExperimentConfig; runs: ReturnType<typeof expandRuns>; out: string } {
  const words = shellWords(line);
  assert.equal(words[0], 'precond-lab');
  assert.equal(words[1], 'run');
  const args = parseArgs(words.slice(2), VALUED, SWITCHES);
  const config = applyOverrides(loadExperiment(args.positional[0], args.switches.has('quick')), args);
  return { config, runs: expandRuns(config), out: args.flags.get('out')! };
}

function storeWith(config: ExperimentConfig): { root: string; file: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'precond lab cli copy-'));
  const store = new ExperimentStore(root, config.name);
  store.writeConfig(config);
  return { root, file: path.join(root, config.name, 'experiment.json') };
}

function checkEveryRun(config: ExperimentConfig, expectBase: RegExp): void {
  const { root, file } = storeWith(config);
  for (const spec of expandRuns(config)) {
    const key = runKey(config, spec.params);
    const cmd = cliCommandFor(config, spec.id, { params: spec.params, key, backend: 'wasm' }, file, root);
    assert.match(cmd.base, expectBase, cmd.text);
    const got = resolveLine(cmd.text);
    assert.equal(got.runs.length, 1, `${cmd.text} expands to ${got.runs.length} runs`);
    assert.deepEqual(got.runs[0].params, spec.params, cmd.text);
    assert.equal(runKey(got.config, got.runs[0].params), key, `run key of ${cmd.text}`);
    assert.equal(got.config.name, copyName(config.name, spec.id), 'an experiment of its own');
    assert.notEqual(got.config.name, config.name);
    assert.equal(got.out, root);
    assert.equal(cmd.note, undefined);
  }
}

test('a quick preset run: the preset with --quick and its grid point, the same run key', () => {
  const config = presetVariant('fig1-cov', true)!;
  checkEveryRun(config, /^fig1-cov \(quick\) preset$/);
  const [spec] = expandRuns(config);
  const cmd = cliCommandFor(config, spec.id, { params: spec.params }, '/x/experiment.json', '/r');
  assert.deepEqual(cmd.argv.slice(0, 3), ['run', 'fig1-cov', '--quick']);
});

test('editor overrides (steps, eval interval, lr) become flags; the key still matches', () => {
  const base = presetVariant('fig3-cov', true)!;
  const config = resolveConfig(base, { name: 'my-transfer', settings: { steps: 250, evalEvery: 25, lr: 0.05 } });
  checkEveryRun(config, /^fig3-cov( \(quick\))? preset$/);
  const [spec] = expandRuns(config);
  const line = cliCommandFor(config, spec.id, { params: spec.params }, '/x/experiment.json', '/r').text;
  for (const flag of ['--steps 250', '--eval-every 25', '--lr 0.05'])
    assert.ok(line.includes(flag), `${flag}: ${line}`);
  assert.match(line, /--name my-transfer\.high_p/);
  // a results folder with a space is quoted for the shell (checkEveryRun's store is in one)
  assert.match(
    cliCommandFor(config, spec.id, { params: spec.params }, '/x/e.json', "/r/it's here").text,
    /--out '\/r\/it'\\''s here'/,
  );
});

test("OOD runs: optimizer, power and the run optimizer's own options (--optim); the paper setting by its name", () => {
  const base = presetVariant('fig2-optimizers', true)!;
  const config = resolveConfig(base, { settings: { steps: 40, optim: { adam: { lr: 0.002 } } } });
  checkEveryRun(config, /preset$/);
  const adam = expandRuns(config).find((r) => r.params.optimizer === 'adam')!;
  const line = cliCommandFor(config, adam.id, { params: adam.params }, '/x/e.json', '/r').text;
  assert.match(line, /--optim adam\.lr=0\.002/);
  const paper = presetVariant('fig1-cov-paper', true)!;
  checkEveryRun(paper, /paper|fig1-cov \(quick\)/);
});

test('a setting with no flag: the stored experiment.json is the base', () => {
  const config = resolveConfig(presetVariant('fig1-cov', true)!, { name: 'wide-n', settings: { n: 800 } });
  checkEveryRun(config, /^the stored experiment\.json$/);
});

test('a run trained from --init weights says so', () => {
  const config = presetVariant('fig1-cov', true)!;
  const [spec] = expandRuns(config);
  const key = runKey(config, spec.params, 'abc123');
  const cmd = cliCommandFor(config, spec.id, { params: spec.params, key }, '/x/e.json', '/r');
  assert.match(cmd.note ?? '', /--init/);
});
