// Every run names its setting (issue 13): the classification of each preset's runs under both settings, written
// out by hand from the departures table (DEPARTURES in src/shared/presets.ts), and the line the CLI report prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESETS, settingVariant } from '../../src/shared/presets';
import { expandRuns, validateConfig, DEFAULT_OOD_SETTINGS, DEFAULT_SETTINGS } from '../../src/shared/config';
import { runSetting, settingsShown } from '../../src/shared/runSetting';
import { report } from '../../src/sweep/report';
import { checkRunFile } from '../../src/sweep/storeSchema';

// what each preset's runs are, by setting: exact-covariance Figure 1 has no departure (its runs serve both);
// AdaHessian runs differ by probe; transfer runs by Task 2's stream; every OOD run by its left labels
const EXPECTED: Record<string, { paper: string; corrected: string }> = {
  'fig1-cov': { paper: 'both', corrected: 'both' },
  'fig1-adahessian': { paper: 'paper', corrected: 'corrected' },
  'fig2-optimizers': { paper: 'paper', corrected: 'corrected' },
  'fig2-adahessian-power': { paper: 'paper', corrected: 'corrected' },
  'fig3-cov': { paper: 'paper', corrected: 'corrected' },
  'fig3-adahessian': { paper: 'paper', corrected: 'corrected' },
};

test('each run of each preset names the setting it was run under', () => {
  assert.deepEqual(PRESETS.map((p) => p.name).sort(), Object.keys(EXPECTED).sort());
  for (const preset of PRESETS)
    for (const setting of ['paper', 'corrected'] as const)
      for (const quick of [false, true]) {
        const c = settingVariant(preset, setting, quick);
        const got = new Set(expandRuns(c).map((r) => runSetting(c.kind, c.settings, r.params)));
        assert.deepEqual([...got], [EXPECTED[preset.name][setting]], `${c.name} (${setting})`);
      }
});

test('a mix of the two settings, or a value neither uses, is custom', () => {
  const ood = { ...DEFAULT_OOD_SETTINGS, probe: 'constant' as const, randomLeftLabels: false };
  // constant probe (paper) with true left labels (corrected) on an AdaHessian run
  assert.equal(runSetting('ood', ood, { seed: 42, optimizer: 'adahessian', p: 0 }), 'custom');
  // the same settings on a SAM run: only the left labels apply, and they are corrected
  assert.equal(runSetting('ood', ood, { seed: 42, optimizer: 'sam' }), 'corrected');
  // GD at a rate neither setting uses
  const gd = { ...DEFAULT_OOD_SETTINGS, randomLeftLabels: true, optim: { gd: { lr: 0.05 } } };
  assert.equal(runSetting('ood', gd, { seed: 42, optimizer: 'gd' }), 'custom');
  assert.equal(runSetting('ood', gd, { seed: 42, optimizer: 'adam' }), 'paper');
  const gauss = { ...DEFAULT_SETTINGS, preconditioner: 'adahessian' as const, probe: 'gaussian' as const };
  assert.equal(runSetting('noise', gauss, { seed: 1, case: 'high', p: 0, snr: 1 }), 'custom');
  assert.equal(runSetting('noise', DEFAULT_SETTINGS, { seed: 1, case: 'high', p: 0, snr: 1 }), 'both');
});

test('a set of runs is shown as one setting, runs serving both going with either', () => {
  assert.equal(settingsShown([]), undefined);
  assert.equal(settingsShown(['both', 'both']), 'both');
  assert.equal(settingsShown(['both', 'paper']), 'paper');
  assert.equal(settingsShown(['paper', 'corrected']), 'mixed');
  assert.equal(settingsShown(['corrected', 'custom', 'both']), 'mixed');
});

test("the CLI report names the setting its tables show, and run.json's setting is checked", () => {
  const c = validateConfig({
    version: 1,
    name: 't',
    kind: 'noise',
    grid: { case: ['high'], p: [0], snr: [1], seed: [42] },
    settings: { preconditioner: 'adahessian', probe: 'constant' },
  });
  const text = report({
    experiment: c,
    runs: [{ id: 'r', params: { case: 'high', p: 0, snr: 1, seed: 42 }, status: 'done', final: {} }],
    updatedAt: '',
  });
  assert.match(text.split('\n')[1], /^Setting: paper setting/);
  const base = {
    id: 'r',
    experiment: 't',
    kind: 'noise',
    params: { case: 'high', p: 0, snr: 1, seed: 42 },
    settings: c.settings,
    key: 'k',
    weightsKey: 'w',
    status: 'done',
    engineVersion: '1',
    final: {},
  };
  assert.equal(checkRunFile({ ...base, setting: 'paper' }, 'r').ok, true);
  const bad = checkRunFile({ ...base, setting: 'authors' }, 'r');
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.problems.join('\n'), /setting: must be one of paper, corrected, both, custom/);
});
