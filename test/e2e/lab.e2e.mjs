// @ts-check
// The end-to-end checks, in order (each may rely on the page state the previous one left). Each returns nothing
// or throws; run.mjs takes a screenshot after each, pass or fail.
import { FINISHED, SWEEP, SWEEP_FILE, SWEEP_RUNS, summaryOf } from './sampleWorkspace.mjs';
import * as fsSync from 'node:fs';
import * as pathSync from 'node:path';
import { closeAllEditors, panelFrame, panelOn } from './panels.e2e.mjs';
import {
  CATEGORY,
  closeQuickInput,
  expandAll,
  openContainer,
  palette,
  paletteOptions,
  quickOpen,
  runFromPalette,
  treeRow,
  waitForWorkbench,
} from './workbench.mjs';

/** @typedef {import('./check').Check} Check */
/** @typedef {import('./check').Manifest} Manifest */
/** @typedef {import('./workbench.mjs').TreeRow} TreeRow */

/** @type {(ok: unknown, message: string) => asserts ok} */
const assert = (ok, message) => {
  if (!ok) throw new Error(message);
};

/**
 * Calls `probe` until it returns something truthy, and resolves with that.
 * @template T
 * @param {string} what
 * @param {() => Promise<T | undefined | false>} probe
 * @param {number} timeoutMs
 * @returns {Promise<T>}
 */
async function poll(what, probe, timeoutMs, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * @param {Manifest} pkg
 * @param {string} id
 */
const commandTitle = (pkg, id) => pkg.contributes?.commands?.find((c) => c.command === id)?.title;

/** @type {Check[]} */
export const checks = [
  {
    name: 'the workbench loads the sample workspace',
    shot: '01-workbench',
    async run({ page }) {
      await waitForWorkbench(page);
      // the explorer lists the sample workspace once the remote file system is up
      await page
        .locator('.explorer-folders-view')
        .getByRole('treeitem', { name: SWEEP_FILE })
        .waitFor({ timeout: 60_000 });
    },
  },
  {
    name: `the "${CATEGORY}" activity-bar container opens the Experiments view`,
    shot: '02-container',
    async run({ page }) {
      await openContainer(page);
      const title = await page.locator('.part.sidebar .composite.title').innerText();
      assert(/preconditioning lab/i.test(title), `side bar title is "${title}"`);
      await page.locator('.part.sidebar [role="tree"]').first().waitFor({ timeout: 15_000 });
    },
  },
  {
    name: `the tree shows the finished quick experiment "${FINISHED}" with its runs done`,
    shot: '03-finished-experiment',
    async run({ page, ws }) {
      const summary = summaryOf(ws, FINISHED);
      assert(summary, `no summary.json for ${FINISHED}`);
      const expected = summary.runs.length;
      const row = treeRow(page, new RegExp(FINISHED));
      await row.waitFor({ timeout: 20_000 });
      // the tree redraws while the extension finishes starting: expand until the rows stay open
      /** @type {TreeRow[]} */
      let below = [];
      const runs = await poll(
        `${expected} run rows below ${FINISHED}`,
        async () => {
          below = await expandAll(page, row);
          const leaves = below.filter((r) => r.expanded === null);
          return leaves.length >= expected ? leaves : undefined;
        },
        20_000,
      ).catch((e) => {
        throw new Error(`${e.message}; rows: ${JSON.stringify(below.map((r) => r.label))}`);
      });
      assert(!runs.some((r) => r.spinning), 'a finished run shows a progress icon');
    },
  },
  {
    name: `the command palette lists every command under "${CATEGORY}"`,
    shot: '04-palette',
    async run({ page, pkg }) {
      // commands the manifest hides from the palette (or shows only in some editors) are left out
      const gated = new Set((pkg.contributes?.menus?.commandPalette ?? []).map((m) => m.command));
      const titles = (pkg.contributes?.commands ?? []).filter((c) => !gated.has(c.command)).map((c) => c.title);
      assert(titles.length > 0, 'no commands to look for');
      /** @type {string[]} */
      const missing = [];
      // one query per command: the palette renders only the rows that fit on screen
      for (const title of titles) {
        await palette(page, `${CATEGORY}: ${title}`);
        if (!(await paletteOptions(page)).some((o) => o.includes(`${CATEGORY}: ${title}`))) missing.push(title);
      }
      await palette(page, `${CATEGORY}: `); // the screenshot shows the whole category
      assert(missing.length === 0, `not in the palette: ${missing.join(', ')}`);
    },
    after: closeQuickInput,
  },
  {
    name: '"Show Output" from the palette opens the lab\'s output channel',
    shot: '05-output',
    async run({ page, pkg }) {
      await runFromPalette(page, commandTitle(pkg, 'precondLab.showOutput') ?? 'Show Output');
      const panel = page.locator('.part.panel');
      await panel.waitFor({ state: 'visible', timeout: 15_000 });
      await poll(
        'the Preconditioning Lab channel in the output view',
        async () => {
          const picked = await panel
            .locator('select.monaco-select-box')
            .evaluateAll((/** @type {HTMLSelectElement[]} */ s) =>
              s.map((e) => e.options[e.selectedIndex]?.text ?? ''),
            );
          return picked.some((t) => t.includes(CATEGORY));
        },
        15_000,
      );
    },
  },
  {
    name: `a sweep run from the palette on the open config appears in the tree and completes`,
    shot: '06-palette-sweep',
    async run({ page, pkg, ws }) {
      const title = commandTitle(pkg, 'precondLab.runConfig');
      assert(title, 'precondLab.runConfig is not contributed');
      await quickOpen(page, SWEEP_FILE);
      // focus the config's text as a user would: the Output view opened above is an editor too, and a command that
      // reads the active editor must see the config, not the log
      await page.locator('.part.editor .monaco-editor .view-lines').first().click();
      await page.waitForTimeout(500);
      // any quick pick the command opens (workers, confirmation) is answered with its default; the experiment's row
      // may exist already (the tree lists config files), its run rows appear only once the sweep starts
      await runFromPalette(page, title, { prompts: 3 });
      await openContainer(page);
      const row = treeRow(page, new RegExp(SWEEP));
      await row.waitFor({ timeout: 30_000 });
      await poll(
        `all ${SWEEP_RUNS} runs of ${SWEEP} done on disk`,
        async () => {
          // an error notification means the sweep is not coming: say what it said instead of waiting out the clock
          const error = page.locator('.notifications-toasts .notification-toast:has(.codicon-error)').first();
          if (await error.isVisible())
            throw new Error(`error notification: ${(await error.innerText()).replace(/\s+/g, ' ')}`);
          const s = summaryOf(ws, SWEEP);
          return s?.runs?.length === SWEEP_RUNS && s.runs.every((r) => r.status === 'done');
        },
        120_000,
      );
      const rows = await poll(
        'run rows without progress icons',
        async () => {
          const runs = (await expandAll(page, row)).filter((r) => r.expanded === null);
          return runs.length >= SWEEP_RUNS && !runs.some((r) => r.spinning) ? runs : undefined;
        },
        15_000,
      );
      assert(rows.length >= SWEEP_RUNS, `${rows.length} run rows`);
    },
  },
  {
    name: 'filtering the Experiments view by p from its title bar leaves only those runs; Clear Filter restores them',
    shot: '07-tree-filter',
    async run({ page, ws }) {
      await openContainer(page);
      const finished = summaryOf(ws, FINISHED);
      const sweep = summaryOf(ws, SWEEP);
      assert(finished && sweep, 'both experiments have a summary');
      const all = finished.runs.length;
      // summary.json's runs carry their params (sampleWorkspace.mjs types only what its own checks read)
      /** @param {{ status: string }} r */
      const isP = (r) => /** @type {{ params?: { p?: number } }} */ (r).params?.p === -2;
      const want = finished.runs.filter(isP).length;
      const shownEverywhere = want + sweep.runs.filter(isP).length;
      assert(want > 0 && want < all, `${FINISHED} sweeps p`);
      await page
        .locator('.part.sidebar')
        .getByRole('button', { name: /^Filter Experiments/ })
        .first()
        .click();
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('p=-2');
      await page.keyboard.press('Enter');
      const row = treeRow(page, new RegExp(FINISHED));
      const leaves = await poll(
        `only the ${want} p = -2 runs below ${FINISHED}`,
        async () => {
          const runs = (await expandAll(page, row)).filter((r) => r.expanded === null);
          return runs.length === want && runs.every((r) => /p = -2/.test(r.label)) ? runs : undefined;
        },
        20_000,
      );
      assert(leaves.length === want, `${leaves.length} rows`);
      // the view says what it shows: every p = -2 run of the store, which holds at least these two experiments' (the
      // panels' checks may be writing more experiments into it meanwhile: at most the run folders with p = -2 now)
      const message = page
        .locator('.part.sidebar')
        .getByText(/^Filter "p=-2": \d+ runs? shown\.$/)
        .first();
      await message.waitFor({ timeout: 10_000 });
      const shown = Number(/(\d+) runs? shown/.exec(await message.innerText())?.[1]);
      const inStore = countRunsWithP(pathSync.join(ws, '.precond-lab'), -2);
      assert(
        shown >= shownEverywhere && shown <= inStore,
        `the view says ${shown} runs shown: ${shownEverywhere} in ${FINISHED} and ${SWEEP}, ${inStore} in the store`,
      );
      await page
        .locator('.part.sidebar')
        .getByRole('button', { name: /^Clear Filter/ })
        .first()
        .click();
      await poll(
        `all ${all} runs below ${FINISHED} again`,
        async () => (await expandAll(page, row)).filter((r) => r.expanded === null).length === all,
        20_000,
      );
    },
  },
  {
    name: 'a plain click on a run row opens its curves',
    shot: '08-run-click',
    async run({ page }) {
      await closeAllEditors(page);
      await openContainer(page);
      const row = treeRow(page, new RegExp(FINISHED));
      const runs = (await expandAll(page, row)).filter((r) => r.expanded === null);
      assert(runs.length > 0, `no run rows below ${FINISHED}`);
      await page.locator(`.part.sidebar [role="treeitem"][data-index="${runs[0].index}"]`).click();
      const frame = await panelOn(page, 'curves', 'ready', 60_000);
      const picked = await frame
        .locator('.run-list input:checked')
        .evaluateAll((/** @type {HTMLInputElement[]} */ els) => els.map((e) => e.value));
      assert(picked.length === 1, `the curves show ${picked.length} runs, not the clicked one`);
      assert(panelFrame(page), 'a results panel');
    },
    after: closeAllEditors,
  },
];

/**
 * The run folders of every experiment under `root` whose run.json has params.p === p, read from disk.
 * @param {string} root @param {number} p
 */
function countRunsWithP(root, p) {
  let n = 0;
  for (const e of fsSync.existsSync(root) ? fsSync.readdirSync(root) : []) {
    const runs = pathSync.join(root, e, 'runs');
    if (!fsSync.existsSync(runs)) continue;
    for (const id of fsSync.readdirSync(runs)) {
      try {
        const run = JSON.parse(fsSync.readFileSync(pathSync.join(runs, id, 'run.json'), 'utf8'));
        if (run?.params?.p === p) n++;
      } catch {
        // a run.json being written: not counted
      }
    }
  }
  return n;
}
