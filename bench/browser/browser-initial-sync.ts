// The browser scenario: the same initial sync in Debian's Chromium (playwright-core, never a downloaded
// browser) on RxDB's Dexie storage over IndexedDB — L3 (replicateGraphQL plugin) against L4 (the library
// at its defaults). The page (bench-page.ts) is bundled once with esbuild, as test/browser does, and
// served from an origin of its own; each run gets a fresh browser context (empty IndexedDB).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { startPageServer, type PageServer } from '../../test/browser/support/page-server.ts';
import type { BenchServer, BenchUser } from '../bench-server.ts';
import { expectCount, timedSection, type LaneId, type Timing } from '../lane.ts';
import type { PageResult, PageRun } from './bench-page.ts';

/** Debian's Chromium with the flags that keep it quiet and off the network. */
export const CHROMIUM_LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
};

/** A running browser and the bundled page. */
export interface BrowserBench {
  run(lane: Extract<LaneId, 'L3' | 'L4'>, user: BenchUser, n: number): Promise<Timing>;
  close(): Promise<void>;
}

let runs = 0;

/** Bundles the page, starts its server and Chromium. */
export async function startBrowserBench(server: BenchServer, batch: number): Promise<BrowserBench> {
  const outdir = await mkdtemp(join(tmpdir(), 'session-sync-bench-page-'));
  let browser: Browser | undefined;
  let pages: PageServer | undefined;
  try {
    await build({
      entryPoints: [fileURLToPath(new URL('./bench-page.ts', import.meta.url))],
      outdir, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, logLevel: 'error',
    });
    [browser, pages] = await Promise.all([chromium.launch(CHROMIUM_LAUNCH), startPageServer(outdir)]);
  } catch (error) {
    await browser?.close();
    await pages?.close();
    await rm(outdir, { recursive: true, force: true });
    throw error;
  }
  const b = browser;
  const p = pages;
  return {
    async run(lane, user, n) {
      const context = await b.newContext();
      try {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(p.url('bench-page'));
        await page.waitForFunction(() => window.bench !== undefined, undefined, { timeout: 20_000 });
        const params: PageRun = {
          lane, authUrl: server.authUrl, appId: server.appId, graphqlUrl: server.graphqlUrl, wsUrl: server.wsUrl,
          username: user.username, password: user.password, databaseName: `benchpage${process.pid}n${++runs}`, batch,
        };
        const timed = await timedSection(server);
        const result = await Promise.race([
          page.evaluate((params) => window.bench.run(params), params),
          new Promise<PageResult>((_, reject) => setTimeout(() => reject(new Error(`browser ${lane}: not in sync after 180 s (${errors.join('; ')})`)), 180_000)),
        ]);
        const counted = await timed.stop();
        expectCount(`browser ${lane} local`, result.count, n);
        return { ms: result.ms, pulls: counted.pulls, pushes: counted.pushes, loginMs: result.loginMs };
      } finally {
        await context.close();
      }
    },
    async close() {
      await b.close();
      await p.close();
      await rm(outdir, { recursive: true, force: true });
    },
  };
}
