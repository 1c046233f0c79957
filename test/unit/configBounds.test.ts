// The bounds and own-key rules of config validation (issue 9 items 4 and 5): each refusal names its field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, countRuns, parseConfig, validateConfig } from '../../src/shared/config';
import { listProblems, scanJson } from '../../src/shared/inputLimits';
import { applyOverrides } from '../../src/cli/load';
import { finiteNumber, parseArgs } from '../../src/cli/args';
import { findPreset } from '../../src/shared/presets';
import { withChanges } from '../../src/host/configs';

const good = { version: 1, name: 'b', kind: 'noise', grid: { case: ['high'], p: [0], snr: [1], seed: [1] } };

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}

test('inherited keys are unknown fields at every level', () => {
  for (const key of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf']) {
    const text = `{"version":1,"name":"b","kind":"noise","grid":{"case":["high"],"p":[0],"${key}":[1]},"settings":{"${key}":1},"${key}":2}`;
    const msgs = problems(() => parseConfig(text));
    assert.ok(
      msgs.some((m) => m.startsWith(`grid.${key}: not an axis of a noise experiment`)),
      `${key}: ${msgs}`,
    );
    assert.ok(
      msgs.some((m) => m.startsWith(`settings.${key}: unknown setting`)),
      `${key}: ${msgs}`,
    );
    assert.ok(
      msgs.some((m) => m.startsWith(`${key}: unknown field`)),
      `${key}: ${msgs}`,
    );
  }
});

test('optimizer overrides: inherited names are neither optimizers nor options', () => {
  const ood = { version: 1, name: 'o', kind: 'ood', grid: { optimizer: ['gd'] } };
  assert.deepEqual(
    problems(() =>
      parseConfig(
        JSON.stringify({ ...ood, settings: {} }).replace(
          '"settings":{}',
          '"settings":{"optim":{"gd":{"constructor":1}}}',
        ),
      ),
    ),
    ['settings.optim: .gd.constructor is not an option of gd (allowed: lr, weightDecay)'],
  );
  assert.match(
    problems(() =>
      parseConfig(JSON.stringify(ood).replace('"grid"', '"settings":{"optim":{"__proto__":{"lr":1}}},"grid"')),
    )[0],
    /^settings\.optim: has unknown optimizer "__proto__"/,
  );
});

test('--optim __proto__.lr=5 is refused and leaves Object.prototype alone', () => {
  const base = findPreset('fig2-optimizers-quick')!.config;
  const msgs = problems(() => applyOverrides(base, parseArgs(['--optim', '__proto__.lr=5'], ['optim'], [])));
  assert.match(msgs[0], /^settings\.optim: has unknown optimizer "__proto__"/);
  assert.equal(({} as Record<string, unknown>).lr, undefined);
  assert.equal(Object.hasOwn(Object.prototype, 'lr'), false);
});

test('an editor command passing grid.__proto__ gets it refused, not set as the prototype', () => {
  const grid = JSON.parse('{"__proto__":{"p":[9]}}');
  const msgs = problems(() => withChanges(findPreset('fig1-cov-quick')!.config, { grid }));
  assert.deepEqual(msgs, ['grid.__proto__: not an axis of a noise experiment (allowed: case, p, snr, seed)']);
});

test('null is not the default, 1e400 is not a finite number, NaN-ish strings are named', () => {
  assert.deepEqual(
    problems(() => validateConfig({ ...good, grid: { ...good.grid, snr: null } })),
    ['grid.snr: must be a non-empty array, got null'],
  );
  const text = JSON.stringify({ ...good, settings: { lr: 1 } }).replace('"lr":1', '"lr":1e400');
  assert.deepEqual(
    problems(() => parseConfig(text)),
    [
      'settings.lr: not a finite number (Infinity; a literal like 1e400 overflows a double); must be a number in ' +
        '(0, 100]',
    ],
  );
  assert.deepEqual(
    problems(() => parseConfig(JSON.stringify(good).replace('"p":[0]', '"p":[-1e400]'))),
    [
      'grid.p[0]: not a finite number (-Infinity; a literal like 1e400 overflows a double); must be a number in ' +
        '[-3, 3]',
    ],
  );
  assert.deepEqual(
    problems(() => validateConfig({ ...good, settings: { steps: 'NaN' } })),
    ['settings.steps: must be an integer in [1, 10000000], got "NaN"'],
  );
  assert.equal(finiteNumber('1e400'), undefined);
  assert.equal(finiteNumber('0x10'), undefined);
  assert.equal(finiteNumber(''), undefined);
  assert.equal(finiteNumber('-2.5e1'), -25);
});

test('a byte-order mark is dropped', () => {
  assert.equal(parseConfig('\uFEFF' + JSON.stringify(good)).name, 'b');
});

test('a key given twice is refused with its path', () => {
  const text =
    '{"version":1,"name":"b","kind":"noise","grid":{"case":["high"],"p":[0],"p":[1]},"settings":{"steps":5,"steps":6}}';
  assert.deepEqual(
    problems(() => parseConfig(text)),
    [
      'grid.p: given twice in one object (JSON keeps only the last; remove one)',
      'settings.steps: given twice in one object (JSON keeps only the last; remove one)',
    ],
  );
});

test('10^5-deep nesting is refused by a scan that does not recurse', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const msgs = problems(() => parseConfig(deep, 'deep.json'));
  assert.equal(msgs.length, 1);
  assert.match(msgs[0], /^deep\.json: (\[0\]){32}: nesting deeper than 32 levels/);
  const inGrid = `{"grid":{"p":${'['.repeat(50)}${']'.repeat(50)}}}`;
  assert.match(scanJson(inGrid)[0], /^grid\.p(\[0\]){30}: nesting deeper than 32/);
  // the scanner is not fooled by brackets and quotes inside strings
  assert.deepEqual(scanJson(`{"a":"[[[[\\"{{{{","a2":1}`, 2), []);
});

test('run count is computed from axis lengths and capped before expansion', () => {
  assert.equal(countRuns('noise', { case: ['high', 'low'], p: [1, 2, 3], snr: [1], seed: [1, 2] }), 12);
  assert.equal(countRuns('ood', { optimizer: ['gd', 'adahessian', 'sam'], p: [1, 2, 3], seed: [1, 2] }), 10);
  const p = Array.from({ length: 1000 }, (_, i) => -3 + (6 * i) / 1000);
  const snr = Array.from({ length: 20 }, (_, i) => i + 1);
  const raw = { ...good, grid: { case: ['high'], p, snr, seed: [1] } };
  assert.deepEqual(
    problems(() => validateConfig(raw)),
    [
      'grid: 20000 runs (case 1 x p 1000 x snr 20 x seed 1) exceed the limit of 10000 runs per sweep; raise the ' +
        'limit with --max-runs 20000 (CLI) or the precondLab.maxRuns setting (editor)',
    ],
  );
  assert.equal(validateConfig(raw, { maxRuns: 20000 }).grid.p.length, 1000);
  assert.equal(problems(() => validateConfig(raw, { maxRuns: 19999 })).length, 1);
});

test('an axis of 10^6 values is refused on its length, not value by value', () => {
  const p = new Array(1_000_000).fill('x');
  const msgs = problems(() => validateConfig({ ...good, grid: { ...good.grid, p } }));
  assert.deepEqual(msgs, [
    'grid.p: 1000000 values, more than the 10000 one axis may have',
    'grid: 1000000 runs (case 1 x p 1000000 x snr 1 x seed 1) exceed the limit of 10000 runs per sweep; raise the ' +
      'limit with --max-runs 1000000 (CLI) or the precondLab.maxRuns setting (editor)',
  ]);
});

test('strings are bounded and shown short', () => {
  const long = 'd'.repeat(10_001);
  assert.deepEqual(
    problems(() => validateConfig({ ...good, description: long })),
    ['description: 10001 characters, more than the 10000 allowed'],
  );
  assert.equal(validateConfig({ ...good, description: 'd'.repeat(10_000) }).description?.length, 10_000);
  assert.deepEqual(
    problems(() => validateConfig({ ...good, figure: 'f'.repeat(201) })),
    ['figure: 201 characters, more than the 200 allowed'],
  );
  const msgs = problems(() => validateConfig({ ...good, name: 'n'.repeat(5_000_000) }));
  assert.equal(msgs.length, 1);
  assert.ok(msgs[0].startsWith('name: must be 1-80 characters') && msgs[0].length < 300, msgs[0]);
});

test('the printed problem list is capped', () => {
  const p = Array.from({ length: 5000 }, (_, i) => 10 + i);
  const e = (() => {
    try {
      validateConfig({ ...good, grid: { ...good.grid, p } });
    } catch (err) {
      return err as ConfigError;
    }
    assert.fail('expected a refusal');
  })();
  assert.equal(e.problems.length, 5000);
  const lines = e.message.split('\n');
  assert.equal(lines.length, 1 + 20 + 1);
  assert.equal(lines[21], '  - ... and 4980 more problems');
  assert.deepEqual(listProblems(['a', 'b'], 1), ['a', '... and 1 more problem']);
});

test('a config file over 1 MB is refused by its size', () => {
  const text = JSON.stringify({ ...good, description: 'x'.repeat(1024 * 1024) });
  assert.deepEqual(
    problems(() => parseConfig(text, 'big.json')),
    [`big.json: ${text.length} characters, more than the 1048576 (1 MB) a config may have`],
  );
});

test('a flag given twice is refused', () => {
  assert.throws(() => parseArgs(['--p', '1', '--p', '2'], ['p'], []), /--p is given twice/);
});
