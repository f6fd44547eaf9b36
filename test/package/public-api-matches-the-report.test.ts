import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The public surface (every name that `session-sync`, `session-sync/advanced` and
// `session-sync/machines` export, with its declaration as the TypeScript checker prints it) must
// match api/session-sync.api.md, so that no change to it goes unseen: an intended one is recorded
// with `npm run api:update` and reviewed in the report's diff.
const root = fileURLToPath(new URL('../../', import.meta.url));

it('the public surface matches api/session-sync.api.md', () => {
  const check = spawnSync(process.execPath, ['scripts/api-report.mjs'], { cwd: root, encoding: 'utf8' });
  expect(check.error).toBeUndefined();
  const output = `${check.stdout}${check.stderr}`.trim();
  expect(check.status, output).toBe(0);
  expect(output).toMatch(/matches api\/session-sync\.api\.md/);
}, 60_000);
