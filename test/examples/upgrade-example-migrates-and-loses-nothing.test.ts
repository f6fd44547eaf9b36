import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const EXAMPLE = fileURLToPath(new URL('../../examples/upgrade/upgrade.ts', import.meta.url));

/** Runs `npm run example:upgrade`'s script; resolves with its exit code and output. */
function runExample(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', EXAMPLE], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

// `npm run example:upgrade`: app version 2 migrates the database app version 1 left, pushes the
// 3 offline writes once each, pushes nothing that was in sync, and the exit code says so.
describe('npm run example:upgrade', () => {
  it('migrates, pushes the backlog once and loses nothing', async () => {
    const { code, out } = await runExample();
    expect(out, out).toContain('3 pending writes');
    expect(out).toMatch(/migrating todo: \d+\/\d+/);
    expect(out).toContain('summary: migrated 5, pushed 3 (the backlog), re-pushed 0, on the server 5, lost: 0');
    expect(code, out).toBe(0);
  }, 60_000);
});
