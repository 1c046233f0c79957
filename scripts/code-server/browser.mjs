// @ts-check
// Debian's Chromium driven by playwright-core (never `playwright install`: it downloads browsers). The networking
// flags matter here: without them Chromium floods the closed network with update and sync requests.
import { chromium } from 'playwright-core';
import { chromiumPath } from './locate.mjs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium() {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
}
