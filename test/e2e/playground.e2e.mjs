// @ts-check
// End-to-end check of the Playground (after the other checks, in the same window): opened from the Experiments
// view's title bar, the steps typed, p moved with the arrow keys, then the slider dragged (mouse held down) across
// six values, waiting at each for the retrain to end: the p curve gains a point per value and the energy chart
// redraws; "Keep" adds a playground experiment to the tree; a light theme redraws the charts.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SWEEP_FILE } from './sampleWorkspace.mjs';
import { assert, poll } from './panels.e2e.mjs';
import { closeQuickInput, openContainer, palette, quickOpen, treeRow, waitForWorkbench } from './workbench.mjs';

const shots = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-output/e2e');

/** @typedef {import('./check').Check} Check */
/** @typedef {import('playwright-core').Page} Page */

/**
 * @param {Page} page
 * @param {string} title
 */
async function paletteCommand(page, title) {
  await closeQuickInput(page);
  await palette(page, title);
  await page.getByRole('option', { name: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
}

/** @param {Page} page */
const frame = (page) => page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');

/** @param {Page} page */
async function curvePoints(page) {
  return Number((await frame(page).locator('#chart-curve').getAttribute('data-points')) ?? 0);
}
/** @param {Page} page */
async function energyDraws(page) {
  return Number((await frame(page).locator('#chart-energy').getAttribute('data-draws')) ?? 0);
}
/** @param {Page} page */
async function phase(page) {
  return (await frame(page).locator('#app').getAttribute('data-phase')) ?? '';
}
/** @param {Page} page */
async function runId(page) {
  return Number((await frame(page).locator('#app').getAttribute('data-run')) ?? 0);
}

/** Waits until the run after `afterRun` has ended done. @param {Page} page @param {number} afterRun */
async function waitRun(page, afterRun) {
  return poll(
    `a retrain after run ${afterRun} to finish`,
    async () => (await runId(page)) > afterRun && (await phase(page)) === 'done' && (await runId(page)),
    60_000,
  );
}

/** @type {Check[]} */
export const checks = [
  {
    name: 'playground: drag p across six values, the p curve gains six points, Keep adds a run to the tree',
    shot: 'playground',
    async run({ page }) {
      await paletteCommand(page, 'View: Close All Editors');
      if (await page.locator('.part.panel').isVisible()) await paletteCommand(page, 'View: Hide Panel');
      await openContainer(page);
      // the title bar action of the Experiments view
      await page.locator('.part.sidebar .actions-container [aria-label="Open Playground"]').first().click();
      const f = frame(page);
      await f.locator('#p-slider').waitFor({ timeout: 60_000 });
      await poll('the first run', async () => (await phase(page)) === 'done', 90_000);
      // a typed value: fewer steps, so each retrain is short on a loaded machine
      let run = await runId(page);
      await f.locator('#steps').fill('300');
      await f.locator('#steps').press('Enter');
      await f.locator('#steps').blur();
      run = await waitRun(page, run);
      // keyboard: the arrow keys step the slider by 0.25
      const p0 = Number(await f.locator('#p-value').inputValue());
      await f.locator('#p-slider').focus();
      await page.keyboard.press('ArrowRight');
      await poll(
        'p to step by the arrow key',
        async () => Number(await f.locator('#p-value').inputValue()) === p0 + 0.25,
        5000,
      );
      run = await waitRun(page, run);

      const before = await curvePoints(page);
      const draws0 = await energyDraws(page);
      const box = await f.locator('#p-slider').boundingBox();
      assert(box, 'the slider has no box');
      const y = box.y + box.height / 2;
      const xOf = (/** @type {number} */ p) => box.x + 8 + ((p + 3) / 6) * (box.width - 16);
      await page.mouse.move(xOf(p0 + 0.25), y);
      await page.mouse.down();
      const seen = new Set();
      for (const p of [-2.5, -1.75, -0.5, 0.5, 1.25, 2.5]) {
        await page.mouse.move(xOf(p), y, { steps: 4 });
        run = await waitRun(page, run);
        seen.add(await f.locator('#p-value').inputValue());
      }
      await page.mouse.up();
      assert(seen.size >= 5, `the drag reached only ${seen.size} distinct values: ${[...seen].join(', ')}`);
      const after = await poll(
        'the p curve to gain its points',
        async () => {
          const n = await curvePoints(page);
          return n >= before + 5 && n;
        },
        10_000,
      );
      assert(after - before >= 5, `the p curve gained ${after - before} points`);
      const rows = await f.locator('#curve-table tr').count();
      assert(rows - 1 === after, `the curve table has ${rows - 1} rows for ${after} points`);
      assert((await energyDraws(page)) > draws0 + 5, 'the energy chart did not redraw while training');
      await f.locator('#card-curve').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(shots, 'playground-curve.png') });
      await f.locator('#p-slider').scrollIntoViewIfNeeded();

      // Keep: a normal run in the store, shown in the tree
      await f.locator('#keep').click();
      await poll(
        'Keep to report',
        async () => /Kept as playground-/.test((await f.locator('#kept').textContent()) ?? ''),
        30_000,
      );
      await poll(
        'the kept experiment in the tree',
        async () => treeRow(page, /^playground-high-exact-cov/).isVisible(),
        30_000,
      );

      await page.screenshot({ path: path.join(shots, 'playground-before-theme.png') });
      // a light theme: the page redraws (the chart colours follow the theme)
      const draws1 = await energyDraws(page);
      await paletteCommand(page, 'Preferences: Toggle between Light/Dark Themes');
      await poll('the charts to redraw in the other theme', async () => (await energyDraws(page)) > draws1, 15_000);
      await page.screenshot({ path: path.join(shots, 'playground-toggled-theme.png') });
      await paletteCommand(page, 'Preferences: Toggle between Light/Dark Themes');

      // hidden behind another editor and shown again: the page is rebuilt with the same controls and curve
      const pLast = await f.locator('#p-value').inputValue();
      const loads = await frame(page).locator('#app').getAttribute('data-run');
      await quickOpen(page, SWEEP_FILE);
      await page.locator('.tabs-container [role="tab"][aria-label^="Playground"]').first().click();
      await poll(
        'the playground page back with its controls',
        async () => (await f.locator('#p-value').inputValue()) === pLast,
        30_000,
      );
      await poll('the p curve back', async () => (await curvePoints(page)) === after, 30_000);
      assert(loads, 'the page had a run');

      // a window reload: the panel comes back with its controls and the traced points (workspace state)
      await paletteCommand(page, 'Developer: Reload Window');
      await waitForWorkbench(page);
      await poll(
        'the playground page after the reload',
        async () => (await f.locator('#p-value').inputValue()) === pLast,
        90_000,
      );
      await poll('the traced points after the reload', async () => (await curvePoints(page)) >= after, 60_000);
      await poll('a retrain after the reload', async () => (await phase(page)) === 'done', 60_000);
    },
    async after(page) {
      await paletteCommand(page, 'View: Close All Editors');
    },
  },
];
