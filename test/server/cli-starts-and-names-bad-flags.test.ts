import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freshPgliteDir } from '../helpers/pglite-template.ts';
import { spawnServerProcess } from '../helpers/server-process.ts';

const CLI = fileURLToPath(new URL('../../examples/server/cli.ts', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, encoding: 'utf8', timeout: 20_000 });

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
