// @ts-check
// Page helpers for the VS Code workbench served by code-server. Selectors are the ones seen working with
// code-server 4.100.3 (docs/extension.md, "Testing", says how the suites drive it).
export const CATEGORY = 'Preconditioning Lab';

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Locator} Locator */
/**
 * A tree row as read from the DOM; `expanded` is null for a leaf.
 * @typedef {{ index: number, level: number, expanded: string | null, label: string, text: string,
 *   spinning: boolean }} TreeRow
 */

/** @param {Page} page */
export async function waitForWorkbench(page, timeout = 90_000) {
  await page.locator('.monaco-workbench').waitFor({ timeout });
}

/**
 * The extension's activity-bar entry exists once the extension is loaded and its container registered.
 * @param {Page} page
 */
export function activityBarEntry(page) {
  return page.locator(`.activitybar [aria-label^="${CATEGORY}"]`).first();
}

/** @param {Page} page */
export async function openContainer(page, timeout = 30_000) {
  const entry = activityBarEntry(page);
  await entry.waitFor({ timeout });
  // a click on an already open container closes the side bar: only click when it is not the active one
  const item = page.locator(`.activitybar li.action-item:has([aria-label^="${CATEGORY}"])`).first();
  if ((await item.getAttribute('class'))?.includes('checked') !== true) await entry.click();
  const sidebar = page.locator('.part.sidebar');
  // after a window reload the container can be the active one while the side bar itself was restored hidden: a
  // click on the entry then shows it
  const shown = await sidebar.waitFor({ state: 'visible', timeout: 3000 }).then(
    () => true,
    () => false,
  );
  if (!shown) await entry.click();
  await sidebar.waitFor({ state: 'visible', timeout });
}

/** @param {Page} page */
export async function closeQuickInput(page) {
  if (await page.locator('.quick-input-widget').isVisible()) await page.keyboard.press('Escape');
}

/**
 * Opens the command palette with `text` typed after the `>` and waits for the list to fill.
 * @param {Page} page
 * @param {string} text
 */
export async function palette(page, text, { timeout = 15_000 } = {}) {
  await closeQuickInput(page);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout });
  await input.fill(`>${text}`);
  await page
    .locator('.quick-input-widget .monaco-list-row')
    .first()
    .waitFor({ timeout })
    .catch(() => undefined);
}

/**
 * @param {Page} page
 * @returns {Promise<string[]>}
 */
export async function paletteOptions(page) {
  return page
    .locator('.quick-input-widget .monaco-list-row[role="option"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent ?? ''));
}

/**
 * Runs `Category: title` from the palette, then answers any quick pick or input box it opens with Enter.
 * @param {Page} page
 * @param {string} title
 */
export async function runFromPalette(page, title, { prompts = 0 } = {}) {
  await palette(page, `${CATEGORY}: ${title}`);
  await page
    .getByRole('option', { name: `${CATEGORY}: ${title}` })
    .first()
    .waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  for (let i = 0; i < prompts; i++) {
    await page.waitForTimeout(700);
    if (!(await page.locator('.quick-input-widget').isVisible())) break;
    await page.keyboard.press('Enter'); // the prefilled default
  }
}

/**
 * Opens a workspace file by name through Quick Open.
 * @param {Page} page
 * @param {string} name
 */
export async function quickOpen(page, name) {
  // Under load the list may still be filtering when Enter lands on another entry: click the match, and try twice.
  const tab = page.locator(`.tabs-container [role="tab"][aria-label^="${name}"]`).first();
  for (let attempt = 1; ; attempt++) {
    await closeQuickInput(page);
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(name);
    const option = page.getByRole('option', { name: new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).first();
    await option.waitFor({ timeout: 15_000 });
    await option.click();
    try {
      await tab.waitFor({ timeout: 15_000 });
      return;
    } catch (e) {
      if (attempt >= 2) throw e;
    }
  }
}

/**
 * @param {Page} page
 * @param {string | RegExp} name
 */
export function treeRow(page, name) {
  return page.locator('.part.sidebar').getByRole('treeitem', { name }).first();
}

/**
 * Expands a row and, below it, every collapsed row down to `depth` levels; returns the rows below it.
 * @param {Page} page
 * @param {Locator} row
 */
export async function expandAll(page, row, depth = 3) {
  const level = Number(await row.getAttribute('aria-level'));
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
  for (let pass = 0; pass < depth; pass++) {
    const collapsed = await descendants(page, row, level).then((rows) => rows.filter((r) => r.expanded === 'false'));
    if (collapsed.length === 0) break;
    for (const r of collapsed) {
      const el = page.locator(`.part.sidebar [role="treeitem"][data-index="${r.index}"]`);
      // re-read just before clicking: a click on a row that opened meanwhile would close it again
      if ((await el.getAttribute('aria-expanded').catch(() => null)) === 'false') await el.click();
    }
    await page.waitForTimeout(300);
  }
  return descendants(page, row, level);
}

/**
 * Rows after `row` in the list with a deeper aria-level, up to the next row at its level.
 * @param {Page} page
 * @param {Locator} row
 * @param {number} level
 * @returns {Promise<TreeRow[]>}
 */
async function descendants(page, row, level) {
  const start = Number(await row.getAttribute('data-index'));
  const rows = await page.locator('.part.sidebar [role="treeitem"]').evaluateAll((els) =>
    els
      .map((e) => ({
        index: Number(e.getAttribute('data-index')),
        level: Number(e.getAttribute('aria-level')),
        expanded: e.getAttribute('aria-expanded'),
        label: e.getAttribute('aria-label') ?? '',
        text: e.textContent ?? '',
        spinning: !!e.querySelector('.codicon-modifier-spin, .codicon-loading, .codicon-sync'),
      }))
      .sort((a, b) => a.index - b.index),
  );
  /** @type {TreeRow[]} */
  const out = [];
  for (const r of rows.filter((r) => r.index > start)) {
    if (r.level <= level) break;
    out.push(r);
  }
  return out;
}
