import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the bundled pages (`<name>.js`) are. */
    browserPagesDir: string;
    /** The shared Chromium's endpoint, for `chromium.connect`. */
    browserWsEndpoint: string;
  }
}

const pagesSource = fileURLToPath(new URL('../pages/', import.meta.url));

/** Debian's Chromium (or CHROMIUM_PATH), never a downloaded one; the flags keep it quiet and off the network. */
export const CHROMIUM = {
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

/**
 * Bundles each page entry (`test/browser/pages/*-page.ts`, importing the library from src/ as an app
 * would) once, and starts one Chromium (fresh profile) that every test file connects to.
 *
 * @example
 * // vitest.browser.config.ts: globalSetup: ['test/browser/support/global-setup.ts']
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const outdir = await mkdtemp(join(tmpdir(), 'session-sync-browser-pages-'));
  const entries = (await readdir(pagesSource)).filter((f) => f.endsWith('-page.ts')).map((f) => join(pagesSource, f));
  const [, browser] = await Promise.all([
    build({ entryPoints: entries, outdir, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', sourcemap: 'inline', logLevel: 'warning' }),
    chromium.launchServer({ ...CHROMIUM, headless: true }) as Promise<BrowserServer>,
  ]);
  project.provide('browserPagesDir', outdir);
  project.provide('browserWsEndpoint', browser.wsEndpoint());
  return async () => {
    await browser.close();
    await rm(outdir, { recursive: true, force: true });
  };
}
