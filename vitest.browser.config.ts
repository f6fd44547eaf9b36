import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Checked before anything else runs, so a machine without Chromium hears about that first.
const chromium = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  process.stderr.write(
    `\nnpm run test:browser needs Chromium at ${chromium}, and there is none.\n` +
      `Install Debian's \`chromium\` package (sudo apt-get install chromium), or set CHROMIUM_PATH to a Chromium binary.\n` +
      'playwright-core downloads no browser.\n\n',
  );
  process.exit(1);
}

// The real-browser lane (`npm run test:browser`): tests run in Node and drive Debian's Chromium through
// playwright-core, examples/todo-web's tests included. One browser and one bundle of the pages serve the
// whole run (see global-setup.ts).
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
