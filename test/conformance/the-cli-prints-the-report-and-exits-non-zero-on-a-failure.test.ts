import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appServicesLogin } from '../../src/conformance/app-services-login.ts';
import type { ConformanceReport } from '../../src/conformance/types.ts';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { createTestUser } from '../integration/support/lifecycle-server.ts';
import { startFakeSyncServer, type FakeSyncServer } from './support/fake-sync-server.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `npx tsx src/conformance/cli.ts …args` in the repository; its exit code and output. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'src/conformance/cli.ts', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('session-sync-check on the command line', () => {
  let reference: LaneServer;
  let fake: FakeSyncServer;
  beforeAll(async () => {
    reference = await startLaneServer(serverLanes[0]!);
    fake = await startFakeSyncServer(['pullTies', 'socketAuthShape']);
  });
  afterAll(async () => {
    await fake.close();
    await reference.close();
  });

  it('passes the reference server with app-services logins and exits 0, printing no secret', async () => {
    const { server } = reference;
    const [a, b, c] = [await createTestUser(server), await createTestUser(server), await createTestUser(server)];
    const expired = await appServicesLogin({ baseUrl: server.authUrl, appId: server.appId, ...c });
    server.shiftClock(31 * 60_000);
    const run = await cli([
      '--graphql', server.graphqlUrl, '--ws', server.wsUrl,
      '--auth', `app-services:${server.authUrl},${server.appId}`,
      '--user', a.username, '--password', a.password, '--user-b', b.username,
      '--expired-token', expired,
    ], { SESSION_SYNC_CHECK_PASSWORD_B: b.password });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^17 passed, 0 failed, 0 skipped \(.* s\): the server keeps the wire contract$/m);
    expect(run.stdout).toContain('PASS  pull.ties');
    for (const secret of [a.password, b.password, expired]) expect(run.stdout + run.stderr).not.toContain(secret);
  }, 60_000);

  it('prints what fails and exits 1 against a server that breaks the contract', async () => {
    const token = fake.token('ann');
    const run = await cli(['--graphql', fake.graphqlUrl, '--ws', fake.wsUrl, '--token', token, '--timeout', '2500']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^ {2}FAIL {2}pull\.ties +4 of 7 documents written in one batch never came back when pulled in pages of 3/m);
    expect(run.stdout).toMatch(/^ {2}FAIL {2}auth\.ws\.invalid +an invalid access token in connectionParams got close 1011/m);
    expect(run.stdout).toMatch(/^ {2}SKIP {2}ownership\.read +needs a second user/m);
    expect(run.stdout).toMatch(/^\d+ passed, 2 failed, \d+ skipped .*: the server breaks the wire contract$/m);
    expect(run.stdout).not.toContain(token);
  }, 60_000);

  it('prints the report as JSON with --json', async () => {
    const run = await cli(['--graphql', fake.graphqlUrl, '--json', '--timeout', '2500'], { SESSION_SYNC_CHECK_TOKEN: fake.token('bob') });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as ConformanceReport;
    expect(report.checks.find((c) => c.id === 'pull.ties')?.status).toBe('fail');
    expect(report.idPrefix).toMatch(/^conformance-[0-9a-f]{8}-$/);
  }, 60_000);

  it('names a bad or missing flag and exits 2', async () => {
    const missing = await cli(['--token', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--graphql <url> is required');
    const bad = await cli(['--graphql', fake.graphqlUrl, '--auth', 'okta:somewhere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--auth must be app-services:<baseUrl>,<appId>');
  }, 60_000);
});
