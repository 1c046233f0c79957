// @ts-check
// End-to-end checks of the researcher's tools in the panels (issue 14), in the browser as a user does them: pin two
// runs from two experiments with the panels' pin buttons and see both curves and the differing parameters in the
// Compare panel (and again after a window reload); sort the Parameters tab by a metric and check the order against
// the run.json files; export an SVG and parse it; tag a run and see the tag after a reload in the panel and the tree.
// Screenshots (light and dark) of the comparison, the hyperparameter view, the Figure 1 summary with its late-window
// band and a reused transfer run's curves go to test-output/screenshots/.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { FINISHED } from './sampleWorkspace.mjs';
import {
  acceptSaveDialog,
  assert,
  assertDrawn,
  canvasInk,
  clickTab,
  closeAllEditors,
  openResults,
  paletteCommand,
  panelFrame,
  panelOn,
  poll,
  whenPrepared,
} from './panels.e2e.mjs';
import { expandAll, openContainer, treeRow, waitForWorkbench } from './workbench.mjs';

/** @typedef {import('./check').Check} Check */
/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').FrameLocator} FrameLocator */

const MANY = 'e2e-many';
const REUSED = 'e2e-fig3-reused';
/** the run pinned from the sample experiment and the one from the synthetic sweep: they differ in p and seed */
const PIN_A = 'high_p-2_snr1_s42';
const PIN_B = 'low_p2_snr1_s3';
const TAGGED = 'low_p2_snr1_s42';

let shots = '';
/** the transfer sweep whose Task 1 runs are reused from fig3-cov-quick (made once panels.e2e's prepare is done) */
let reused = Promise.resolve();

/**
 * @param {string} ws
 * @param {string} repoRoot
 */
export function prepare(ws, repoRoot) {
  // a folder of its own: run.mjs empties test-output/e2e at every start (another suite's run would lose these)
  shots = path.join(repoRoot, 'test-output', 'screenshots');
  fs.rmSync(shots, { recursive: true, force: true });
  fs.mkdirSync(shots, { recursive: true });
  const root = path.join(ws, '.precond-lab');
  const cli = path.join(repoRoot, 'dist/cli.js');
  // the same quick Figure 3 as fig3-cov-quick under another name: every Task 1 is found done and reused
  reused = whenPrepared().then(() =>
    promisify(execFile)(
      process.execPath,
      [cli, 'run', 'fig3-cov', '--quick', '--steps', '300', '--eval-every', '100', '--name', REUSED, '--out', root],
      { maxBuffer: 1 << 24 },
    ).then(() => undefined),
  );
  reused.catch(() => undefined);
}

/**
 * @param {string} ws
 * @param {string} experiment
 * @param {string} id
 */
const runJson = (ws, experiment, id) =>
  JSON.parse(fs.readFileSync(path.join(ws, '.precond-lab', experiment, 'runs', id, 'run.json'), 'utf8'));

/**
 * The editor's colour theme through the workspace settings (the workbench applies a changed settings file live).
 * @param {Page} page
 * @param {string} ws
 * @param {'light' | 'dark'} which
 */
async function setTheme(page, ws, which) {
  const file = path.join(ws, '.vscode', 'settings.json');
  const settings = JSON.parse(fs.readFileSync(file, 'utf8'));
  settings['workbench.colorTheme'] = which === 'light' ? 'Default Light Modern' : 'Default Dark Modern';
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
  const want = which === 'light' ? 'vs' : 'vs-dark';
  await poll(`the ${which} theme`, () => page.locator(`.monaco-workbench.${want}`).count(), 15_000);
  await page.waitForTimeout(800);
}

/**
 * A screenshot of the window in the dark and the light theme: <name>-dark.png and <name>-light.png.
 * @param {Page} page
 * @param {string} ws
 * @param {string} name
 * @param {() => Promise<unknown>} [redrawn] waits until the panel has redrawn in the new theme
 */
async function shotBoth(page, ws, name, redrawn) {
  await setTheme(page, ws, 'dark');
  await redrawn?.();
  await page.screenshot({ path: path.join(shots, `${name}-dark.png`) });
  await setTheme(page, ws, 'light');
  await redrawn?.();
  await page.screenshot({ path: path.join(shots, `${name}-light.png`) });
  await setTheme(page, ws, 'dark');
}

/**
 * Opens the Parameters tab of an experiment and returns the frame.
 * @param {Page} page
 * @param {string} experiment
 */
async function openParameters(page, experiment) {
  await closeAllEditors(page);
  await openResults(page, experiment);
  const frame = panelFrame(page);
  await frame.locator('#app[data-state="ready"]').waitFor({ timeout: 30_000 });
  await clickTab(frame, 'hparams');
  await frame.locator('figure[data-figure="hparams-table"] tbody tr').first().waitFor({ timeout: 15_000 });
  return frame;
}

/**
 * The run ids of the Parameters table, in the order shown.
 * @param {FrameLocator} frame
 */
const tableOrder = (frame) =>
  frame
    .locator('figure[data-figure="hparams-table"] tbody tr')
    .evaluateAll((rows) => rows.map((r) => /** @type {HTMLElement} */ (r).dataset.run ?? ''));

/**
 * Pins a run with its Pin button in the Parameters tab, and waits until the row says it is pinned.
 * @param {FrameLocator} frame
 * @param {string} id
 */
async function pinFromTable(frame, id) {
  const row = frame.locator(`figure[data-figure="hparams-table"] tr[data-run="${id}"]`);
  await row.locator('button[data-action="pin"]').click();
  await row.locator('button[data-action="unpin"]').waitFor({ timeout: 15_000 });
}

/**
 * The Compare panel's drawn state: series and legend entries of the overlay, table rows, highlighted columns.
 * @param {FrameLocator} frame
 */
async function compareState(frame) {
  const card = frame.locator('figure[data-figure="compare-curves"]');
  await card.locator('canvas').waitFor({ timeout: 15_000 });
  return {
    series: Number(await card.getAttribute('data-series')),
    legend: Number(await card.getAttribute('data-legend')),
    rows: await frame.locator('figure[data-figure="compare-table"] tbody tr').count(),
    differs: await frame
      .locator('figure[data-figure="compare-table"] td.differs')
      .evaluateAll((tds) => [...new Set(tds.map((t) => /** @type {HTMLElement} */ (t).dataset.key))].sort()),
  };
}

/** @type {Check[]} */
export const checks = [
  {
    name: 'pin two runs from two experiments (Parameters tab pin buttons), Compare shows both curves and what differs',
    shot: 'compare-pinned',
    async run({ page, ws }) {
      let frame = await openParameters(page, FINISHED);
      await pinFromTable(frame, PIN_A);
      frame = await openParameters(page, MANY);
      await pinFromTable(frame, PIN_B);
      // the Compare button in the panel's header opens the comparison
      await frame.locator('button[data-action="openCompare"]').click();
      await page
        .locator('.tabs-container [role="tab"][aria-label^="Compare pinned runs"]')
        .waitFor({ timeout: 15_000 });
      await closeOthers(page, 'Compare pinned runs');
      frame = await panelOn(page, 'compare');
      const s = await compareState(frame);
      assert(s.series === 2, `two curves overlaid (got ${s.series})`);
      assert(s.legend === 2, `two legend entries (got ${s.legend})`);
      assert(s.rows === 2, `two rows in the table (got ${s.rows})`);
      // independently: the parameters that differ between the two run.json files are the highlighted columns
      const a = runJson(ws, FINISHED, PIN_A).params;
      const b = runJson(ws, MANY, PIN_B).params;
      const expectDiff = Object.keys({ ...a, ...b })
        .filter((k) => a[k] !== b[k])
        .map((k) => `param:${k}`);
      for (const k of expectDiff) assert(s.differs.includes(k), `${k} is highlighted (highlighted: ${s.differs})`);
      for (const k of Object.keys(a).filter((k) => a[k] === b[k]))
        assert(!s.differs.includes(`param:${k}`), `param:${k} is the same in both and not highlighted`);
      const ink = await canvasInk(frame);
      assert(ink.length === 1 && ink[0].inked > 200, `the overlay is drawn: ${JSON.stringify(ink)}`);
      const legend = await frame.locator('figure[data-figure="compare-table"] tbody tr').allInnerTexts();
      assert(
        legend.some((t) => t.includes(FINISHED)) && legend.some((t) => t.includes(MANY)),
        `both experiments are named: ${legend.join(' | ')}`,
      );
      await shotBoth(page, ws, 'compare-cross-experiment', () => compareState(frame));
    },
  },
  {
    name: 'the pins and the Compare panel survive a window reload',
    shot: 'compare-reload',
    async run({ page }) {
      await page.reload();
      await waitForWorkbench(page);
      await page
        .locator('.tabs-container [role="tab"][aria-label^="Compare pinned runs"]')
        .first()
        .click({ timeout: 60_000 });
      const frame = await panelOn(page, 'compare', 'ready', 60_000);
      const s = await compareState(frame);
      assert(s.series === 2 && s.rows === 2, `after the reload: ${JSON.stringify(s)}`);
    },
  },
  {
    name: 'the Parameters tab sorts by a metric (header click), in the order of the stored final values',
    shot: 'compare-hparams',
    async run({ page, ws }) {
      const frame = await openParameters(page, MANY);
      const header = frame.locator('figure[data-figure="hparams-table"] th[data-key="final:testMSE"] button');
      // the table opens sorted by the headline metric, best (lowest) first; a click reverses, another restores
      for (const [click, desc] of /** @type {const} */ ([
        [false, false],
        [true, true],
        [true, false],
      ])) {
        if (click) await header.click();
        await frame
          .locator(`th[data-key="final:testMSE"][aria-sort="${desc ? 'descending' : 'ascending'}"]`)
          .waitFor({ timeout: 10_000 });
        const ids = await tableOrder(frame);
        const values = ids.map((id) => runJson(ws, MANY, id).final.testMSE);
        assert(ids.length === 300, `every run is a row (${ids.length})`);
        for (let i = 1; i < values.length; i++)
          assert(
            desc ? values[i - 1] >= values[i] : values[i - 1] <= values[i],
            `row ${i} out of order (${desc ? 'descending' : 'ascending'}): ${values[i - 1]} then ${values[i]}`,
          );
      }
      await assertDrawn(frame, ['hparams-parallel']);
      await shotBoth(page, ws, 'hparams-view');
    },
  },
  {
    name: 'Export SVG writes a well-formed SVG with one group per series of every chart on the tab',
    shot: 'compare-svg',
    async run({ page, ws }) {
      await closeAllEditors(page);
      await openResults(page, FINISHED);
      const frame = await panelOn(page, 'summary');
      const file = path.join(ws, `${FINISHED}-summary.svg`);
      fs.rmSync(file, { force: true });
      await frame.locator('button[data-export="svg"]').click();
      await acceptSaveDialog(page, `${FINISHED}-summary.svg`);
      await poll(`${file} written`, () => fs.existsSync(file) && fs.statSync(file).size > 1000, 20_000);
      const svg = fs.readFileSync(file, 'utf8');
      // the panel's own count of the lines it drew per chart (guides aside)
      const drawn = await frame
        .locator('figure.card[data-series]')
        .evaluateAll((els) => els.map((e) => [e.dataset.figure, Number(e.dataset.series)]));
      const parsed = await page.evaluate((text) => {
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
        const err = doc.querySelector('parsererror');
        return {
          error: err ? err.textContent : null,
          root: doc.documentElement.nodeName,
          figures: Array.from(doc.querySelectorAll('g.figure')).map((g) => [
            g.getAttribute('data-figure'),
            g.querySelectorAll('g.series:not(.guide)').length,
          ]),
          text: doc.documentElement.textContent ?? '',
        };
      }, svg);
      assert(!parsed.error, `the SVG parses: ${parsed.error}`);
      assert(parsed.root === 'svg', `root element ${parsed.root}`);
      for (const [id, n] of drawn) {
        const f = parsed.figures.find(([fid]) => fid === id);
        assert(f && f[1] === n, `figure ${id}: ${n} series drawn, ${f?.[1]} in the SVG`);
      }
      assert(!/Click/.test(parsed.text), 'no "Click a point" hints in the exported file');
      fs.copyFileSync(file, path.join(shots, 'summary-export.svg'));
      await paletteCommand(page, 'Notifications: Clear All Notifications');
    },
  },
  {
    name: 'tag a run from the Parameters tab; the tag is in annotations.json, the panel and the tree after a reload',
    shot: 'compare-tags',
    async run({ page, ws }) {
      let frame = await openParameters(page, FINISHED);
      await frame.locator(`tr[data-run="${TAGGED}"] button[data-action="tag"]`).click();
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('best baseline');
      await page.keyboard.press('Enter');
      await poll(
        'the note box',
        async () => (await page.locator('.quick-input-widget').innerText()).includes('Note'),
        10_000,
      );
      await input.fill('lowest Case Low test MSE');
      await page.keyboard.press('Enter');
      const file = path.join(ws, '.precond-lab', FINISHED, 'annotations.json');
      await poll('annotations.json', () => fs.existsSync(file), 10_000);
      const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert(
        JSON.stringify(stored.runs[TAGGED]) ===
          JSON.stringify({ tags: ['best', 'baseline'], note: 'lowest Case Low test MSE' }),
        `stored: ${JSON.stringify(stored)}`,
      );
      await frame.locator(`tr[data-run="${TAGGED}"] .tag`).first().waitFor({ timeout: 10_000 });
      await page.reload();
      await waitForWorkbench(page);
      await openContainer(page);
      const exp = treeRow(page, new RegExp(`^${FINISHED}`));
      await exp.waitFor({ timeout: 60_000 });
      // the tree fills in after the reload: expand until the tagged run's row is there
      const tagged = await poll(
        'a run row that shows #best',
        async () => (await expandAll(page, exp)).find((r) => r.text.includes('#best')),
        30_000,
        1000,
      );
      assert(/p = 2|p=2/.test(tagged.text) || tagged.label.includes('2'), `the tagged row is p = 2: ${tagged.text}`);
      frame = await openParameters(page, FINISHED);
      const tags = await frame.locator(`tr[data-run="${TAGGED}"] .tag`).allInnerTexts();
      assert(tags.join(' ') === '#best #baseline', `the panel shows the tags after the reload: ${tags}`);
    },
  },
  {
    name: 'screenshots: the Figure 1 summary with its late-window band, and a reused transfer run’s curves',
    shot: 'compare-screens',
    async run({ page, ws }) {
      await closeAllEditors(page);
      await openResults(page, FINISHED);
      const frame = await panelOn(page, 'summary');
      await assertDrawn(frame, ['vs-p-high', 'vs-p-low']);
      await shotBoth(page, ws, 'figure1-summary-late-band');
      await reused;
      const run = fs
        .readdirSync(path.join(ws, '.precond-lab', REUSED, 'runs'))
        .find((id) => runJson(ws, REUSED, id).reusedTask1);
      assert(run, `${REUSED} has a run whose Task 1 was reused`);
      await closeAllEditors(page);
      await openResults(page, REUSED);
      let f = panelFrame(page);
      await f.locator('#app[data-state="ready"]').waitFor({ timeout: 30_000 });
      await clickTab(f, 'curves');
      f = await panelOn(page, 'curves');
      await assertDrawn(f, ['test', 'train']);
      const notes = await f.locator('.notes').innerText();
      assert(
        /reused Task 1 from [\w-]+\/[\w.-]+: its curves/.test(notes),
        `the panel says the run was reused: ${notes}`,
      );
      await shotBoth(page, ws, 'transfer-reused-curves');
    },
  },
];

/**
 * Closes the editors other than the one titled `title` (two webviews side by side would confuse the frame lookup).
 * @param {Page} page
 * @param {string} title
 */
async function closeOthers(page, title) {
  await page.locator(`.tabs-container [role="tab"][aria-label^="${title}"]`).first().click();
  await paletteCommand(page, 'View: Close Other Editors in Group');
}
