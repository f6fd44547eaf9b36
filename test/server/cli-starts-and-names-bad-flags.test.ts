import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freshPgliteDir } from '../helpers/pglite-template.ts';
import { spawnServerProcess } from '../helpers/server-process.ts';

const CLI = fileURLToPath(new URL('../../examples/server/cli.ts', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, encoding: 'utf8', timeout: 20_000 });

/** Waits until `ready()` holds (the banner's lines after "listening on" may arrive a moment later). */
async function until(ready: () => boolean): Promise<void> {
  for (let waited = 0; !ready(); waited += 20) {
    if (waited > 5_000) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('npm run server', () => {
  it('starts on 127.0.0.1, prints where it listens, and answers', async () => {
    const data = await freshPgliteDir();
    const server = await spawnServerProcess(['--port', '0', '--access-ttl', '60', '--data-dir', data.dir], { DATABASE_URL: '' });
    try {
      expect(server.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const jwks = await fetch(`${server.httpUrl}/.well-known/jwks.json`);
      expect(jwks.status).toBe(200);
    } finally {
      await server.stop();
      await data.remove();
    }
  });

  it('prints a generated admin key that opens the admin API, and never prints one from ADMIN_KEY', async () => {
    const data = await freshPgliteDir();
    const generated = await spawnServerProcess(['--port', '0', '--data-dir', data.dir], { DATABASE_URL: '', ADMIN_KEY: '' });
    try {
      await until(() => generated.output().includes('admin key'));
      const key = /admin key \(generated for this run[^)]*\): (\S+)/.exec(generated.output())?.[1];
      expect(key).toMatch(/^[\w-]{43}$/);
      const unknownUser = await fetch(`${generated.httpUrl}/api/admin/v1/users/${'0'.repeat(24)}/custom-data`, { headers: { authorization: `Bearer ${key}` } });
      expect(unknownUser.status).toBe(404);
      expect((await unknownUser.json()).error_code).toBe('UserNotFound');
    } finally {
      await generated.stop();
    }

    const fromEnv = 'an-operator-chosen-admin-key-of-40-chars!';
    const configured = await spawnServerProcess(['--port', '0', '--data-dir', data.dir], { DATABASE_URL: '', ADMIN_KEY: fromEnv });
    try {
      await until(() => configured.output().includes('admin key'));
      expect(configured.output()).toContain('admin key from ADMIN_KEY');
      expect(configured.output()).not.toContain(fromEnv);
      const res = await fetch(`${configured.httpUrl}/api/admin/v1/users/${'0'.repeat(24)}/custom-data`, { headers: { authorization: `Bearer ${fromEnv}` } });
      expect(res.status).toBe(404);
    } finally {
      await configured.stop();
      await data.remove();
    }
    const short = run([], { ADMIN_KEY: 'too-short' });
    expect(short.status).toBe(2);
    expect(short.stderr).toContain('ADMIN_KEY: the admin key must be at least 32 characters');
    expect(short.stderr).not.toContain('too-short');
  }, 60_000);

  it('exits with status 2 and names a bad flag value or an unknown flag', () => {
    const badPort = run(['--port', 'abc']);
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toContain('--port / PORT must be an integer');
    const badEnv = run([], { ACCESS_TOKEN_TTL_SEC: '0' });
    expect(badEnv.status).toBe(2);
    expect(badEnv.stderr).toContain('ACCESS_TOKEN_TTL_SEC');
    const unknown = run(['--colour', 'blue']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("'--colour'");
  });
});
