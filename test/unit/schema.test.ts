// The config files' JSON Schema (media/experiment.schema.json, what the editor completes and checks) against the
// engine's validateConfig: same enums, same fields, same ranges, and every preset valid under both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { CASES, CONFIG_VERSION, ConfigError, DEFAULT_OOD_SETTINGS, DEFAULT_SETTINGS, KINDS, OOD_OPTIMIZERS, OOD_OPTIM_OPTIONS, PRECONDITIONERS, PROBES, P_RANGE, validateConfig } from '../../src/shared/config';
import { PRESETS } from '../../src/shared/presets';
import { configTemplate } from '../../src/host/configs';

const repo = path.resolve(__dirname, '../../..');
const schema = JSON.parse(fs.readFileSync(path.join(repo, 'media/experiment.schema.json'), 'utf8'));
// VS Code's own keywords, which draft-07 does not know
const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true, keywords: ['markdownDescription', 'markdownEnumDescriptions', 'enumDescriptions', 'defaultSnippets'] });
const validate = ajv.compile(schema);
const props = schema.properties;
const defs = schema.definitions;
const kindSettings = { regression: defs.regressionSettings.properties, ood: defs.oodSettings.properties };

const engineAccepts = (raw: unknown): boolean => {
  try {
    validateConfig(raw);
    return true;
  } catch {
    return false;
  }
};
/** Whether the engine finds `field` itself out of range ("<field>: must ..."), leaving aside its cross-field rules
 *  (train samples of n, MNIST digits left for the OOD pool), which a schema cannot state. */
const engineRangeOk = (raw: unknown, field: string): boolean => {
  try {
    validateConfig(raw);
    return true;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return !e.problems.some((p) => p.startsWith(`${field}: must`) || p.startsWith(`${field}[0]: must`));
  }
};
const base = (): Record<string, any> => ({ version: 1, name: 'probe', kind: 'noise', grid: { case: ['high'], p: [0] }, settings: {} });
const oodBase = (): Record<string, any> => ({ version: 1, name: 'probe', kind: 'ood', grid: { optimizer: ['gd'] }, settings: {} });

test('the schema is contributed for *.precond.json files', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '*.precond.json', url: './media/experiment.schema.json' }]);
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
});

test("the schema's enums and fields equal the engine's constants", () => {
  assert.equal(props.version.const, CONFIG_VERSION);
  assert.deepEqual(props.kind.enum, [...KINDS]);
  assert.deepEqual(defs.regressionGrid.properties.case.items.enum, [...CASES]);
  assert.deepEqual(defs.oodGrid.properties.optimizer.items.enum, [...OOD_OPTIMIZERS]);
  // per-optimizer options: same names, same kinds (number, boolean, or one of some strings)
  const optim = defs.oodSettings.properties.optim.properties;
  assert.deepEqual(Object.keys(optim), [...OOD_OPTIMIZERS]);
  for (const [name, options] of Object.entries(OOD_OPTIM_OPTIONS)) {
    const want = Object.fromEntries(Object.entries(options).map(([k, kind]) => [k, Array.isArray(kind) ? { enum: [...kind] } : { type: kind }]));
    assert.deepEqual(optim[name].properties, want, `settings.optim.${name}`);
  }
  assert.deepEqual(defs.regressionSettings.properties.preconditioner.enum, [...PRECONDITIONERS]);
  for (const k of ['regression', 'ood'] as const) assert.deepEqual(kindSettings[k].probe.enum, [...PROBES]);
  assert.deepEqual([defs.p.items.minimum, defs.p.items.maximum], [...P_RANGE]);
  assert.deepEqual(Object.keys(defs.regressionGrid.properties).sort(), ['case', 'p', 'seed', 'snr']);
  assert.deepEqual(Object.keys(defs.oodGrid.properties).sort(), ['optimizer', 'p', 'seed']);
  for (const [k, defaults] of [['regression', DEFAULT_SETTINGS], ['ood', DEFAULT_OOD_SETTINGS]] as const) {
    assert.deepEqual(Object.keys(kindSettings[k]).sort(), Object.keys(defaults).sort(), `${k} settings`);
    for (const [key, v] of Object.entries(defaults)) assert.deepEqual(kindSettings[k][key].default, v, `${k} settings.${key} default`);
  }
});

test('every preset, full and quick, and every new-config template validates against the schema', () => {
  for (const p of PRESETS) {
    for (const c of [p.full, p.quick]) {
      assert.ok(validate(c), `${c.name}: ${ajv.errorsText(validate.errors)}`);
      assert.ok(validate(JSON.parse(configTemplate(c, `${c.name}-copy`))), `${c.name} template: ${ajv.errorsText(validate.errors)}`);
    }
  }
});

/** Values at and just beyond a numeric schema's bounds, with whether the schema accepts each. */
function probes(s: { type?: string; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number }): number[] {
  const out: number[] = [];
  const lo = s.minimum ?? s.exclusiveMinimum;
  const hi = s.maximum ?? s.exclusiveMaximum;
  if (lo !== undefined) out.push(lo, lo - 1, lo - 1e-3);
  if (hi !== undefined) out.push(hi, hi + 1, hi + 1e-3);
  if (lo !== undefined && hi !== undefined) out.push((lo + hi) / 2, Math.floor((lo + hi) / 2) + 0.5);
  return out;
}

test('schema and engine accept and refuse the same values at every numeric bound', () => {
  const cases: { field: string; v: number; raw: Record<string, any> }[] = [];
  for (const [kind, settings] of Object.entries<Record<string, any>>(kindSettings)) {
    for (const [k, s] of Object.entries<any>(settings)) {
      if (s.type !== 'number' && s.type !== 'integer') continue;
      for (const v of probes(s)) {
        const raw = kind === 'ood' ? oodBase() : base();
        raw.settings[k] = v;
        cases.push({ field: `settings.${k}`, v, raw });
      }
    }
  }
  for (const axis of ['p', 'snr', 'seed']) {
    for (const v of probes(defs.regressionGrid.properties[axis].items ?? defs[axis].items)) {
      const raw = base();
      raw.grid[axis] = [v];
      cases.push({ field: `grid.${axis}`, v, raw });
    }
  }
  assert.ok(cases.length > 150);
  for (const { field, v, raw } of cases) {
    const bySchema = validate(raw);
    const byEngine = engineRangeOk(raw, field);
    assert.equal(bySchema, byEngine, `${raw.kind} ${field} = ${v}: schema ${bySchema ? 'accepts' : 'refuses'}, engine ${byEngine ? 'accepts' : 'refuses'}`);
  }
});

test('schema and engine refuse the same malformed configs', () => {
  const bad: [string, (r: Record<string, any>) => void][] = [
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
    ['an OOD axis on a noise experiment', (r) => (r.grid.optimizer = ['gd'])],
    ['a noise axis on an OOD experiment', (r) => Object.assign(r, oodBase(), { grid: { optimizer: ['gd'], case: ['high'] } })],
    ['a regression setting on an OOD experiment', (r) => Object.assign(r, oodBase(), { settings: { width: 10 } })],
    ['an OOD setting on a noise experiment', (r) => (r.settings.hidden = 10)],
    ['an unknown optimizer', (r) => Object.assign(r, oodBase(), { grid: { optimizer: ['sgd'] } })],
    ['an override for an unknown optimizer', (r) => Object.assign(r, oodBase(), { settings: { optim: { sgd: { lr: 1 } } } })],
    ['an unknown option of an optimizer', (r) => Object.assign(r, oodBase(), { settings: { optim: { adahessian: { hessianPower: 1 } } } })],
    ['an option of the wrong kind', (r) => Object.assign(r, oodBase(), { settings: { optim: { adam: { spreadStats: 1 } } } })],
    ['an OOD experiment without optimizers', (r) => Object.assign(r, oodBase(), { grid: { seed: [1] } })],
  ];
  for (const ok of [base(), oodBase(), Object.assign(oodBase(), { grid: { optimizer: ['adahessian', 'lbfgs'], p: [-1, 0], seed: [1, 2] }, settings: { optim: { lbfgs: { lr: 0.5, historySize: 10 }, 'sophia-h': { schedule: 'immediate' } }, randomLeftLabels: true } })]) {
    assert.ok(validate(ok), `schema refuses ${JSON.stringify(ok)}: ${ajv.errorsText(validate.errors)}`);
    assert.ok(engineAccepts(ok), `engine refuses ${JSON.stringify(ok)}`);
  }
  for (const [what, mutate] of bad) {
    const raw = base();
    mutate(raw);
    assert.equal(validate(raw), false, `schema accepts: ${what}`);
    assert.equal(engineAccepts(raw), false, `engine accepts: ${what}`);
  }
});
