import { defineConfig } from 'vitest/config';

// The real-browser lane (`npm run test:browser`): tests run in Node and drive Debian's Chromium through
// playwright-core. One browser and one bundle of the pages serve the whole run (see global-setup.ts).
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two shared cores: the browser, the reference servers and vitest's workers compete for them.
    maxWorkers: 2,
  },
});
