// The config files' JSON Schema (media/experiment.schema.json, what the editor completes and checks) is generated at
// build time from the validator's field specs and the optimizer catalogue (src/shared/config/schema.ts). These tests
// check that the built file is the generated one, that it carries the catalogue's names and ranges, and that schema
// and validator agree, accepted or refused, on every preset, every corpus config (test/faults/corpus/configs.jsonl)
// and values at every bound. What the schema cannot state, the validator alone refuses; CROSS_FIELD lists it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import {
  CASES,
  KINDS,
  OOD_OPTIMIZERS,
  PRECONDITIONERS,
  PROBES,
  P_RANGE,
  ConfigError,
  parseConfig,
  validateConfig,
} from '../../src/shared/config';
import { GRID_VALUE_SPECS, OOD_SETTING_SPECS, SETTING_SPECS } from '../../src/shared/config/fields';
import { experimentSchema } from '../../src/shared/config/schema';
import { OPTIMIZER_CATALOGUE, OPTIMIZER_NAMES, configurableOptions } from '../../src/shared/optimizers';
import { stripBom } from '../../src/shared/inputLimits';
import type { ValueSpec } from '../../src/shared/valueSpec';
import { PRESETS } from '../../src/shared/presets';
import { configTemplate } from '../../src/host/configs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any shape, which the cases mutate in depth
type Json = Record<string, any>;
const repo = path.resolve(__dirname, '../../..');
const schemaPath = path.join(repo, 'media/experiment.schema.json');
const schema: Json = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
// VS Code's own keyword, which draft-07 does not know
const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true, keywords: ['markdownEnumDescriptions'] });
const validate = ajv.compile(schema);
const defs = schema.definitions;

/**
 * The validator's rules a JSON schema cannot state (each relates fields, or reads the text before JSON.parse):
 * the run count of the whole grid against the run limit, the train samples round(n * trainFraction), the MNIST digits
 * left for the OOD pool after nTrain + nVal, grid case "custom" (a noise experiment's, with settings.spectrum of dx
 * eigenvalues and settings.teacherDirection below dx), and, in the text, keys given twice, nesting depth and the 1 MB
 * size.
 */
const CROSS_FIELD = [
  /^grid: \d+ runs .* exceed the limit/,
  /^settings\.trainFraction: gives \d+ train samples/,
  /^settings\.nTrain: nTrain \+ nVal = \d+ leaves no OOD pool/,
  /^settings\.pool: \d+ exceeds the \d+ digits left/,
  /given twice in one object/,
  /nesting deeper than/,
  /more than the \d+ \(1 MB\) a config may have/,
  /^(settings\.spectrum|settings\.teacherDirection|grid\.case): .*custom/,
];

/** The validator's problems with a config text (parseConfig, as the CLI and the editor read files). */
const engineProblems = (text: string): string[] => {
  try {
    parseConfig(text, 'config');
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems;
  }
};
/** Schema and validator agree on a config text, or the validator refuses for a rule in CROSS_FIELD only. */
function assertAgree(text: string, what: string): boolean {
  const engine = engineProblems(text);
  const bySchema = validate(JSON.parse(stripBom(text)));
  if (bySchema && engine.length)
    assert.ok(
      engine.every((p) => CROSS_FIELD.some((r) => r.test(p))),
      `${what}: the schema accepts, the validator refuses: ${engine.join('; ')}`,
    );
  if (!bySchema)
    assert.ok(
      engine.length > 0,
      `${what}: the schema refuses (${ajv.errorsText(validate.errors)}), the validator accepts`,
    );
  return engine.length === 0;
}

test('the schema is contributed for *.precond.json files and the built file is the generated one', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.contributes.jsonValidation, [
    { fileMatch: '*.precond.json', url: './media/experiment.schema.json' },
  ]);
  assert.match(pkg.scripts.build, /scripts\/build-schema\.mjs/);
  // `npm run package` runs scripts/package-vsix.mjs, which builds the schema before packing
  const packaging = /scripts\/package-vsix\.mjs/.test(pkg.scripts.package)
    ? fs.readFileSync(path.join(repo, 'scripts', 'package-vsix.mjs'), 'utf8')
    : pkg.scripts.package;
  assert.match(packaging, /scripts\/build-schema\.mjs/);
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.deepEqual(schema, experimentSchema(), 'media/experiment.schema.json is stale: run npm run build');
});

test("the schema carries the engine's vocabularies and the catalogue's optimizers, options and ranges", () => {
  assert.equal(schema.properties.version.const, 1);
  assert.deepEqual(schema.properties.kind.enum, [...KINDS]);
  assert.deepEqual(defs.noiseGrid.properties.case.items.enum, [...CASES]);
  assert.deepEqual(defs.oodGrid.properties.optimizer.items.enum, [...OOD_OPTIMIZERS]);
  assert.deepEqual(defs.noiseSettings.properties.preconditioner.enum, [...PRECONDITIONERS]);
  for (const k of ['noise', 'transfer', 'ood'])
    assert.deepEqual(defs[`${k}Settings`].properties.probe.enum, [...PROBES]);
  assert.deepEqual(
    [defs.noiseGrid.properties.p.items.minimum, defs.noiseGrid.properties.p.items.maximum],
    [...P_RANGE],
  );
  assert.deepEqual(defs.noiseGrid.required, ['case', 'p']);
  assert.deepEqual(defs.oodGrid.required, ['optimizer']);
  // every optimizer of the catalogue, each with the options a config may set (AdaHessian's power is the grid's)
  const optim = defs.oodSettings.properties.optim.properties;
  assert.deepEqual(Object.keys(optim), [...OPTIMIZER_NAMES]);
  for (const name of OPTIMIZER_NAMES) {
    assert.deepEqual(
      Object.keys(optim[name].properties),
      configurableOptions(name).map(([k]) => k),
      name,
    );
    assert.equal(optim[name].description, OPTIMIZER_CATALOGUE[name].description);
  }
  assert.equal('hessianPower' in optim.adahessian.properties, false);
  // the constructors' ranges (src/lab/optim: requireRange and the integer checks), stated independently here
  assert.deepEqual(optim.adam.properties.beta2, {
    type: 'number',
    minimum: 0,
    maximum: 1 - 1e-12,
    default: 0.999,
    description: 'Decay of the squared-gradient average.',
  });
  assert.equal(optim.adahessian.properties.beta1.maximum, 1 - 1e-12);
  assert.deepEqual([optim.kfac.properties.statDecay.minimum, optim.kfac.properties.statDecay.maximum], [0, 1]);
  for (const k of ['statsEvery', 'eigEvery'])
    assert.deepEqual([optim.kfac.properties[k].type, optim.kfac.properties[k].minimum], ['integer', 1]);
  assert.deepEqual(
    [optim['sophia-h'].properties.refreshEvery.type, optim['sophia-h'].properties.refreshEvery.minimum],
    ['integer', 1],
  );
  assert.deepEqual(optim.lbfgs.properties.historyPrecision.enum, ['float32', 'float64']);
  assert.equal(optim.lbfgs.properties.maxEval.default, undefined);
  // the settings' defaults are the engine's
  assert.equal(defs.noiseSettings.properties.width.default, 500);
  assert.equal(defs.oodSettings.properties.hidden.default, 256);
  assert.deepEqual(defs.oodSettings.properties.optim.default, {});
});

test('every preset, full and quick, and every new-config template: schema and validator both accept', () => {
  for (const p of PRESETS) {
    for (const c of [p.full, p.quick]) {
      assert.ok(validate(c), `${c.name}: ${ajv.errorsText(validate.errors)}`);
      assert.ok(assertAgree(configTemplate(c, `${c.name}-copy`), `${c.name} template`));
    }
  }
});

test('every config of the fault corpus: schema and validator agree, and the validator gives the label', () => {
  const lines = fs
    .readFileSync(path.join(repo, 'test/faults/corpus/configs.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  let compared = 0;
  for (const line of lines) {
    const c = JSON.parse(line);
    // rule cases are built by the fault suite's recipes (huge or deep texts); the text cases include their kinds
    const text: string | undefined =
      typeof c.text === 'string' ? c.text : c.config !== undefined ? JSON.stringify(c.config) : undefined;
    if (text === undefined) continue;
    try {
      JSON.parse(stripBom(text));
    } catch {
      continue; // not JSON: nothing for a schema to say
    }
    const accepted = assertAgree(text, c.id);
    assert.equal(
      accepted,
      c.expect.accepted === true,
      `${c.id}: the validator ${accepted ? 'accepts' : 'refuses'}, the corpus says ${JSON.stringify(c.expect)}`,
    );
    compared++;
  }
  assert.ok(compared > 200, `${compared} corpus configs compared`);
});

/** Values at and just beyond a number spec's bounds. */
function probes(s: ValueSpec): number[] {
  if (s.kind !== 'number') return [];
  const out: number[] = [];
  const { min: lo, max: hi } = s;
  if (lo !== undefined) out.push(lo, lo - 1, lo - 1e-3);
  if (hi !== undefined) out.push(hi, hi + 1, hi + 1e-3);
  if (lo !== undefined && hi !== undefined) out.push((lo + hi) / 2, Math.floor((lo + hi) / 2) + 0.5);
  if (lo === undefined && hi === undefined) out.push(-1e6, 0.5, 1e6);
  return out;
}

test('schema and validator accept and refuse the same values at every numeric bound', () => {
  const noise = (): Json => ({
    version: 1,
    name: 'probe',
    kind: 'noise',
    grid: { case: ['high'], p: [0] },
    settings: {},
  });
  const ood = (): Json => ({ version: 1, name: 'probe', kind: 'ood', grid: { optimizer: ['gd'] }, settings: {} });
  const cases: { what: string; raw: Json }[] = [];
  for (const [specs, base] of [
    [SETTING_SPECS, noise],
    [OOD_SETTING_SPECS, ood],
  ] as const) {
    for (const [k, s] of Object.entries(specs)) {
      if (s.kind === 'optimizerOptions') continue;
      for (const v of probes(s))
        cases.push({ what: `${base().kind} settings.${k} = ${v}`, raw: { ...base(), settings: { [k]: v } } });
    }
  }
  for (const axis of ['p', 'snr', 'seed'] as const)
    for (const v of probes(GRID_VALUE_SPECS[axis]))
      cases.push({ what: `grid.${axis} = [${v}]`, raw: { ...noise(), grid: { case: ['high'], p: [0], [axis]: [v] } } });
  for (const name of OPTIMIZER_NAMES)
    for (const [k, s] of configurableOptions(name))
      for (const v of probes(s))
        cases.push({
          what: `settings.optim.${name}.${k} = ${v}`,
          raw: { ...ood(), settings: { optim: { [name]: { [k]: v } } } },
        });
  assert.ok(cases.length > 250, `${cases.length} cases`);
  let refused = 0;
  for (const { what, raw } of cases) if (!assertAgree(JSON.stringify(raw), what)) refused++;
  assert.ok(refused > 100, `${refused} refused`);
});

test('schema and validator refuse the same malformed configs', () => {
  const base = (): Json => ({
    version: 1,
    name: 'probe',
    kind: 'noise',
    grid: { case: ['high'], p: [0] },
    settings: {},
  });
  const oodBase = (): Json => ({ version: 1, name: 'probe', kind: 'ood', grid: { optimizer: ['gd'] }, settings: {} });
  const bad: [string, (r: Json) => void][] = [
    ['unknown top-level field', (r) => (r.extra = 1)],
    ['unknown setting', (r) => (r.settings.learningRate = 0.1)],
    ['unknown grid axis', (r) => (r.grid.width = [1])],
    ['wrong version', (r) => (r.version = 2)],
    ['bad name', (r) => (r.name = 'has space')],
    ['empty p grid', (r) => (r.grid.p = [])],
    ['duplicate p', (r) => (r.grid.p = [1, 1])],
    ['unknown case', (r) => (r.grid.case = ['medium'])],
    ['unknown kind', (r) => (r.kind = 'ood-mnist')],
    ['unknown preconditioner', (r) => (r.settings.preconditioner = 'adam')],
    ['string where a number goes', (r) => (r.settings.lr = '0.1')],
    ['missing grid', (r) => delete r.grid],
    ['missing kind', (r) => delete r.kind],
    ['a figure too long', (r) => (r.figure = 'x'.repeat(201))],
    ['an OOD axis on a noise experiment', (r) => (r.grid.optimizer = ['gd'])],
    [
      'a noise axis on an OOD experiment',
      (r) => Object.assign(r, oodBase(), { grid: { optimizer: ['gd'], case: ['high'] } }),
    ],
    ['a regression setting on an OOD experiment', (r) => Object.assign(r, oodBase(), { settings: { width: 10 } })],
    ['an OOD setting on a noise experiment', (r) => (r.settings.hidden = 10)],
    ['an unknown optimizer', (r) => Object.assign(r, oodBase(), { grid: { optimizer: ['sgd'] } })],
    [
      'an override for an unknown optimizer',
      (r) => Object.assign(r, oodBase(), { settings: { optim: { sgd: { lr: 1 } } } }),
    ],
    [
      'an option the experiment sets',
      (r) => Object.assign(r, oodBase(), { settings: { optim: { adahessian: { hessianPower: 1 } } } }),
    ],
    [
      'an option of the wrong kind',
      (r) => Object.assign(r, oodBase(), { settings: { optim: { adam: { spreadStats: 1 } } } }),
    ],
    [
      'an option out of its range',
      (r) => Object.assign(r, oodBase(), { settings: { optim: { kfac: { statsEvery: 0 } } } }),
    ],
    ['an OOD experiment without optimizers', (r) => Object.assign(r, oodBase(), { grid: { seed: [1] } })],
  ];
  const good = Object.assign(oodBase(), {
    grid: { optimizer: ['adahessian', 'lbfgs'], p: [-1, 0], seed: [1, 2] },
    settings: {
      optim: { lbfgs: { lr: 0.5, historySize: 10 }, 'sophia-h': { schedule: 'immediate' } },
      randomLeftLabels: true,
    },
  });
  for (const ok of [base(), oodBase(), good]) {
    assert.ok(validate(ok), `schema refuses ${JSON.stringify(ok)}: ${ajv.errorsText(validate.errors)}`);
    assert.doesNotThrow(() => validateConfig(ok));
  }
  for (const [what, mutate] of bad) {
    const raw = base();
    mutate(raw);
    assert.equal(validate(raw), false, `schema accepts: ${what}`);
    assert.throws(() => validateConfig(raw), ConfigError, `validator accepts: ${what}`);
  }
});

test('the cross-field rules: the schema accepts these, only the validator refuses them', () => {
  const noise = { version: 1, name: 'x', kind: 'noise', grid: { case: ['high', 'low'], p: [0] } };
  const ood = { version: 1, name: 'x', kind: 'ood', grid: { optimizer: ['gd'] } };
  const cases: [string, string, RegExp][] = [
    [
      'run limit',
      JSON.stringify({
        ...noise,
        grid: {
          ...noise.grid,
          p: Array.from({ length: 101 }, (_, i) => i / 100 - 0.5),
          seed: Array.from({ length: 50 }, (_, i) => i),
        },
      }),
      CROSS_FIELD[0],
    ],
    ['train samples', JSON.stringify({ ...noise, settings: { n: 10, trainFraction: 0.1 } }), CROSS_FIELD[1]],
    ['no OOD pool', JSON.stringify({ ...ood, settings: { nTrain: 5000, nVal: 5000 } }), CROSS_FIELD[2]],
    ['pool too large', JSON.stringify({ ...ood, settings: { pool: 9000 } }), CROSS_FIELD[3]],
    [
      'a key given twice',
      '{"version":1,"name":"a","name":"b","kind":"noise","grid":{"case":["high"],"p":[0]}}',
      CROSS_FIELD[4],
    ],
  ];
  for (const [what, text, rule] of cases) {
    assert.ok(validate(JSON.parse(text)), `${what}: ${ajv.errorsText(validate.errors)}`);
    const problems = engineProblems(text);
    assert.ok(problems.length > 0 && problems.every((p) => rule.test(p)), `${what}: ${problems.join('; ')}`);
  }
});
