// The shape of an end-to-end check, for the JSDoc types of the .mjs checks and run.mjs.
import type { Page } from 'playwright-core';

/** The part of the extension's package.json the checks read. */
export interface Manifest {
  contributes?: {
    commands?: { command: string; title: string }[];
    menus?: { commandPalette?: { command: string }[] };
  };
}

export interface CheckContext {
  page: Page;
  /** The sample workspace folder. */
  ws: string;
  pkg: Manifest;
}

export interface Check {
  name: string;
  /** Screenshot file name, without .png. */
  shot: string;
  run(ctx: CheckContext): Promise<void>;
  /** Leaves the page as the next check expects, pass or fail. */
  after?(page: Page): Promise<unknown>;
}
