// @ts-check
// Renders media/icon.svg to media/icon.png (128 x 128, the size the Marketplace and Open VSX show) in Debian's
// Chromium through playwright-core, the browser the e2e tests use. Run once after editing the SVG; the PNG is
// committed (vsce needs a PNG icon).
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const svg = readFileSync('media/icon.svg', 'utf8');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  await page.setContent(
    `<html><body style="margin:0;background:transparent">` +
      `<img src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}" width="128" height="128"></body></html>`,
  );
  writeFileSync('media/icon.png', await page.screenshot({ omitBackground: true }));
  console.log('wrote media/icon.png');
} finally {
  await browser.close();
}
