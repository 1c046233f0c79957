import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, expandRuns, parseConfig, validateConfig } from '../../src/shared/config';
import { PRESETS, findPreset } from '../../src/shared/presets';
import { applyOverrides } from '../../src/cli/load';
import { parseArgs } from '../../src/cli/args';

const good = {
  version: 1,
  name: 'my-sweep',
  kind: 'noise',
  grid: { case: ['high'], p: [-1, 1], snr: [1, 2], seed: [1] },
};

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}

test('a valid config gets the paper defaults', () => {
  const c = validateConfig(good);
  assert.ok(c.kind === 'noise');
  assert.equal(c.settings.steps, 10000);
  assert.equal(c.settings.lr, 0.01);
  assert.equal(c.settings.width, 500);
});

test('an out-of-range p is refused with the field and the allowed range', () => {
  const msgs = problems({ ...good, grid: { ...good.grid, p: [0, 7] } });
  assert.deepEqual(msgs, ['grid.p[1]: must be a number in [-3, 3], got 7']);
});

test('every bad field is named', () => {
  const msgs = problems({
    version: 2,
    name: 'bad name!',
    kind: 'bogus',
    grid: { case: ['middle'], p: [], snr: [0], seed: [1.5] },
    settings: { steps: -1, speed: 3 },
    extra: 1,
  });
  const fields = msgs.map((m) => m.split(':')[0]);
  for (const f of [
    'version',
    'name',
    'kind',
    'extra',
    'grid.case[0]',
    'grid.p',
    'grid.snr[0]',
    'grid.seed[0]',
    'settings.steps',
    'settings.speed',
  ]) {
    assert.ok(fields.includes(f), `missing ${f} in ${JSON.stringify(msgs)}`);
  }
  assert.ok(msgs.some((m) => m.includes('"high", "low"')));
});

test('malformed JSON is reported as such', () => {
  assert.throws(() => parseConfig('{"version": 1,', 'x.json'), /x\.json is not valid JSON/);
});

test('duplicates in a grid are refused', () => {
  assert.deepEqual(problems({ ...good, grid: { ...good.grid, snr: [1, 1] } }), ['grid.snr: contains duplicates']);
});

test('expansion: the full grid, runs sharing data adjacent, ids unique', () => {
  const runs = expandRuns(validateConfig(good));
  assert.deepEqual(
    runs.map((r) => r.id),
    ['high_p-1_snr1_s1', 'high_p1_snr1_s1', 'high_p-1_snr2_s1', 'high_p1_snr2_s1'],
  );
});

test('presets are valid and name their figure; fig1-cov has the paper grid', () => {
  for (const p of PRESETS) {
    assert.ok(p.full.figure && p.quick.figure);
    assert.ok(p.quick.name.endsWith('-quick'));
  }
  const f1 = findPreset('fig1-cov')!.config;
  assert.equal(expandRuns(f1).length, 50);
  assert.deepEqual(f1.grid.snr, [0.25, 0.5, 1, 2, 4]);
  assert.equal(findPreset('fig3-cov-quick')!.config.name, 'fig3-cov-quick');
});

test('command-line overrides are validated like config fields', () => {
  const base = findPreset('fig1-cov')!.config;
  const args = parseArgs(
    ['--p', '-2,0,2', '--snr', '1', '--steps', '50', '--case', 'low'],
    ['p', 'snr', 'steps', 'case'],
    [],
  );
  const c = applyOverrides(base, args);
  assert.deepEqual(c.grid.p, [-2, 0, 2]);
  assert.deepEqual(c.grid.case, ['low']);
  assert.equal(c.settings.steps, 50);
  assert.throws(() => applyOverrides(base, parseArgs(['--p', '9'], ['p'], [])), /grid\.p\[0\]/);
  assert.throws(() => parseArgs(['--bogus'], ['p'], []), /unknown option --bogus/);
});

test('OOD overrides: --optim merges into the preset, kind-foreign flags are refused by name', () => {
  const base = findPreset('fig2-optimizers-quick')!.config;
  const args = parseArgs(
    ['--optim', 'gd.lr=0.05,adam.beta1=0.8', '--pool', '300', '--random-left-labels'],
    ['optim', 'pool'],
    ['random-left-labels'],
  );
  const c = applyOverrides(base, args);
  assert.ok(c.kind === 'ood');
  assert.equal(c.settings.optim.gd?.lr, 0.05);
  assert.equal(c.settings.optim.adam?.beta1, 0.8);
  assert.equal(c.settings.pool, 300);
  assert.equal(c.settings.randomLeftLabels, true);
  assert.throws(
    () => applyOverrides(base, parseArgs(['--optim', 'gd.lr'], ['optim'], [])),
    /--optim: 'gd\.lr' is not optimizer\.option=value/,
  );
  assert.throws(
    () => applyOverrides(findPreset('fig1-cov')!.config, parseArgs(['--pool', '3'], ['pool'], [])),
    /settings\.pool: unknown setting/,
  );
});
