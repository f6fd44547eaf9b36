import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountMailer } from '../../examples/server/auth/mailer.ts';
import type { ServerLogger } from '../../examples/server/server-logger.ts';
import { startServer, type SyncServer } from '../../examples/server/start-server.ts';
import { laneStorage } from '../helpers/lane-storage.ts';
import { serverLanes, startLaneServer, startTestServer, TEST_SCRYPT_COST, type LaneServer } from '../helpers/server-lanes.ts';
import { loginPath, registerPath, request, SESSION_PATH, type Answer } from '../helpers/server-requests.ts';
import { testMailer, type TestMailer } from '../helpers/test-mailer.ts';

const PASSWORD = 'secret-123';
const provider = (server: SyncServer, route: string) => `/api/client/v2.0/app/${server.appId}/auth/providers/local-userpass/${route}`;

/** A logger that keeps every line, to look for secrets in. */
function recordingLogger(): ServerLogger & { text(): string } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, data?: object) => void lines.push(`${level} ${message} ${JSON.stringify(data ?? {})}`);
  return { info: keep('info'), warn: keep('warn'), error: keep('error'), text: () => lines.join('\n') };
}

/** POSTs JSON from the loopback address `from`, so a test plays a client of its own for the throttles. */
function postFrom(server: SyncServer, from: string, path: string, body: unknown): Promise<{ status: number; body: any; retryAfter: string | undefined }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.httpUrl}${path}`, {
      method: 'POST', localAddress: from, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text === '' ? undefined : JSON.parse(text), retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

let emails = 0;
const freshEmail = () => `flow-${process.pid}-${++emails}@example.com`;

describe.each(serverLanes)('account flows ($name)', (lane) => {
  let running: LaneServer;
  let server: SyncServer;
  let mailer: TestMailer;
  let logger: ReturnType<typeof recordingLogger>;
  const answers: Answer[] = [];
  /** Every answer is kept, so the last test can check that no token ever came back over HTTP. */
  const call = async (method: string, path: string, body?: unknown, bearer?: string) => {
    const answer = await request(server, method, path, body, bearer);
    answers.push(answer);
    return answer;
  };
  const login = (username: string, password = PASSWORD) => call('POST', loginPath(server), { username, password });

  beforeAll(async () => {
    mailer = testMailer();
    logger = recordingLogger();
    running = await startLaneServer(lane, {
      autoConfirm: false, mailer, logger,
      emailConfirmationUrl: 'https://app.example.com/account/confirm?lang=en',
      resetPasswordUrl: 'https://app.example.com/account/reset',
      accountFlowThrottle: { mailsPerAccount: 3, mailsPerClient: 8, tokenFailuresPerClient: 4 },
    });
    server = running.server;
  });
  afterAll(() => running.close());

  it('keeps a new account pending until the mailed link confirms it; the link opens the configured page', async () => {
    const email = freshEmail();
    expect((await call('POST', registerPath(server), { email: email.toUpperCase(), password: PASSWORD })).status).toBe(201);
    const mail = await mailer.next(email, 'confirm');
    expect(mail.to).toBe(email);
    const link = new URL(mail.link);
    expect(`${link.origin}${link.pathname}`).toBe('https://app.example.com/account/confirm');
    expect(Object.fromEntries(link.searchParams)).toEqual({ lang: 'en', token: mail.token, tokenId: mail.tokenId });
    expect(mail.expiresAt - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(mail.expiresAt - Date.now()).toBeLessThanOrEqual(30 * 60_000);

    expect(await login(email)).toMatchObject({ status: 401, body: { error_code: 'AuthError', error: 'confirmation required' } });
    expect(await login(email, 'wrong-password')).toMatchObject({ status: 401, body: { error_code: 'InvalidPassword' } });
    // Pending accounts hold their name, as in App Services.
    expect(await call('POST', registerPath(server), { email, password: PASSWORD })).toMatchObject({ status: 409, body: { error_code: 'AccountNameInUse' } });

    expect((await call('POST', provider(server, 'confirm'), { token: mail.token, tokenId: mail.tokenId })).status).toBe(204);
    expect((await login(email)).status).toBe(200);
    expect(await call('POST', provider(server, 'confirm'), { token: mail.token, tokenId: mail.tokenId }))
      .toMatchObject({ status: 400, body: { error_code: 'UserpassTokenInvalid', error: 'invalid token data' } });
  });

  it('answers 204 to a mail request whatever the address, and mails only the accounts that need one', async () => {
    const pending = freshEmail();
    const confirmed = freshEmail();
    await call('POST', registerPath(server), { email: pending, password: PASSWORD });
    const first = await mailer.next(pending, 'confirm');
    await server.createUser({ username: confirmed, password: PASSWORD });
    const sentBefore = mailer.sent.length;

    for (const email of [pending, confirmed, freshEmail()]) {
      expect(await call('POST', provider(server, 'confirm/send'), { email })).toMatchObject({ status: 204, body: undefined });
    }
    for (const email of [confirmed, freshEmail()]) {
      expect(await call('POST', provider(server, 'reset/send'), { email })).toMatchObject({ status: 204, body: undefined });
    }
    await server.mailsSettled();
    // Exactly two: nothing for the confirmed account's confirmation, nothing for the unknown addresses.
    const mailed = mailer.sent.slice(sentBefore).map((m) => `${m.kind} ${m.to}`).sort();
    expect(mailed).toEqual([`confirm ${pending}`, `resetPassword ${confirmed}`]);
    const second = await mailer.next(pending, 'confirm');
    expect(second.tokenId).not.toBe(first.tokenId);
    // Only the newest link of a kind works.
    expect(await call('POST', provider(server, 'confirm'), { token: first.token, tokenId: first.tokenId })).toMatchObject({ status: 400, body: { error_code: 'UserpassTokenInvalid' } });
    expect((await call('POST', provider(server, 'confirm'), { token: second.token, tokenId: second.tokenId })).status).toBe(204);
  });

  it('resets a password with the mailed token: the old password and every old session stop working, the token works once', async () => {
    const email = freshEmail();
    await server.createUser({ username: email, password: PASSWORD });
    const before = await login(email);
    expect((await call('POST', provider(server, 'reset/send'), { email: ` ${email.toUpperCase()}` })).status).toBe(204);
    const mail = await mailer.next(email, 'resetPassword');
    expect(mail.link).toBe(`https://app.example.com/account/reset?token=${mail.token}&tokenId=${mail.tokenId}`);

    // A bad new password is refused before the token is touched: the same token still works after.
    expect(await call('POST', provider(server, 'reset'), { token: mail.token, tokenId: mail.tokenId, password: '123' })).toMatchObject({ status: 400, body: { error_code: 'BadRequest' } });
    expect(await call('POST', provider(server, 'reset'), { token: `${mail.token}x`, tokenId: mail.tokenId, password: 'new-secret-456' })).toMatchObject({ status: 400, body: { error_code: 'UserpassTokenInvalid' } });
    expect((await call('POST', provider(server, 'reset'), { token: mail.token, tokenId: mail.tokenId, password: 'new-secret-456' })).status).toBe(204);

    expect(await login(email)).toMatchObject({ status: 401, body: { error_code: 'InvalidPassword' } });
    expect((await login(email, 'new-secret-456')).status).toBe(200);
    expect(await call('POST', SESSION_PATH, undefined, before.body.refresh_token)).toMatchObject({ status: 401, body: { error_code: 'InvalidSession' } });
    expect(await call('POST', provider(server, 'reset'), { token: mail.token, tokenId: mail.tokenId, password: 'third-secret-789' })).toMatchObject({ status: 400, body: { error_code: 'UserpassTokenInvalid' } });
  });

  it('refuses a link after 30 minutes', async () => {
    const email = freshEmail();
    await server.createUser({ username: email, password: PASSWORD });
    await call('POST', provider(server, 'reset/send'), { email });
    const mail = await mailer.next(email, 'resetPassword');
    server.shiftClock(30 * 60_000 + 1000);
    try {
      expect(await call('POST', provider(server, 'reset'), { token: mail.token, tokenId: mail.tokenId, password: 'new-secret-456' })).toMatchObject({ status: 400, body: { error_code: 'UserpassTokenInvalid' } });
    } finally {
      server.shiftClock(-(30 * 60_000 + 1000));
    }
  });

  it('throttles mail requests per address, for unknown addresses exactly like known ones, and per client', async () => {
    const known = freshEmail();
    await server.createUser({ username: known, password: PASSWORD });
    const unknown = freshEmail();
    for (const email of [known, unknown]) {
      const statuses = [];
      for (let i = 0; i < 3; i += 1) statuses.push((await postFrom(server, '127.0.2.1', provider(server, i % 2 ? 'confirm/send' : 'reset/send'), { email })).status);
      const refused = await postFrom(server, '127.0.2.2', provider(server, 'reset/send'), { email });
      expect(statuses).toEqual([204, 204, 204]);
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ error: expect.stringContaining('too many mails asked for this address'), error_code: 'TooManyRequests' });
      expect(Number(refused.retryAfter)).toBeGreaterThan(3590);
    }
    // 8 per client an hour, over all addresses (6 used above from 127.0.2.1).
    const spray = [];
    for (let i = 0; i < 3; i += 1) spray.push((await postFrom(server, '127.0.2.1', provider(server, 'reset/send'), { email: freshEmail() })).status);
    expect(spray).toEqual([204, 204, 429]);
  });

  it('throttles refused tokens per client, not the ones that work', async () => {
    const from = '127.0.3.1';
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await postFrom(server, from, provider(server, 'confirm'), { token: 'guess', tokenId: 'a'.repeat(24) })).status);
    expect(statuses).toEqual([400, 400, 400, 400, 429]);
    expect((await postFrom(server, from, provider(server, 'reset'), { token: 'guess', tokenId: 'a'.repeat(24), password: 'new-secret-456' })).status).toBe(429);

    const other = '127.0.3.2';
    for (let i = 0; i < 3; i += 1) expect((await postFrom(server, other, provider(server, 'confirm'), { token: 'guess', tokenId: 'b'.repeat(24) })).status).toBe(400);
    const email = freshEmail();
    await postFrom(server, other, registerPath(server), { email, password: PASSWORD });
    const mail = await mailer.next(email, 'confirm');
    expect((await postFrom(server, other, provider(server, 'confirm'), { token: mail.token, tokenId: mail.tokenId })).status).toBe(204);
    // The working token did not count: one refused token is still left.
    expect((await postFrom(server, other, provider(server, 'confirm'), { token: 'guess', tokenId: 'b'.repeat(24) })).status).toBe(400);
    expect((await postFrom(server, other, provider(server, 'confirm'), { token: 'guess', tokenId: 'b'.repeat(24) })).status).toBe(429);
  });

  it('refuses malformed requests with 400 BadRequest', async () => {
    expect(await call('POST', provider(server, 'confirm'), { token: 'x' })).toMatchObject({ status: 400, body: { error_code: 'BadRequest' } });
    expect(await call('POST', provider(server, 'reset/send'), { email: 'not-an-address' })).toMatchObject({ status: 400, body: { error_code: 'BadRequest' } });
    expect(await call('POST', provider(server, 'confirm'), { token: 'a\u0000b', tokenId: 'a'.repeat(24) })).toMatchObject({ status: 400, body: { error_code: 'UserpassTokenInvalid' } });
    expect(await call('POST', provider(server, 'confirm/call'), { email: freshEmail() })).toMatchObject({ status: 400, body: { error_code: 'BadRequest' } });
    expect(await call('POST', provider(server, 'reset/call'), { email: freshEmail(), password: PASSWORD, arguments: [] })).toMatchObject({ status: 400, body: { error_code: 'BadRequest' } });
  });

  it('never put a token in an HTTP answer or a log line', async () => {
    await server.mailsSettled();
    const secrets = mailer.sent.flatMap((mail) => [mail.token, mail.tokenId]);
    expect(secrets.length).toBeGreaterThan(10);
    const everything = `${JSON.stringify(answers.map((a) => a.body))}\n${logger.text()}`;
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });
});

describe('account flow defaults', () => {
  it('confirms new accounts at once and mails nothing', async () => {
    const mailer = testMailer();
    const server = await startTestServer({ mailer });
    try {
      expect((await request(server, 'POST', registerPath(server), { email: 'ada@example.com', password: PASSWORD })).status).toBe(201);
      expect((await request(server, 'POST', loginPath(server), { username: 'ada@example.com', password: PASSWORD })).status).toBe(200);
      await server.mailsSettled();
      expect(mailer.sent).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('logs the link with the development mailer (its purpose), and a failing mailer’s error without the token', async () => {
    const logger = recordingLogger();
    const server = await startTestServer({ logger, autoConfirm: false });
    const failing = recordingLogger();
    const secrets: string[] = [];
    const broken: AccountMailer = {
      async send(mail) {
        secrets.push(mail.token);
        throw new Error(`SMTP refused the message: ${mail.link}`);
      },
    };
    const second = await startTestServer({ logger: failing, mailer: broken });
    try {
      await request(server, 'POST', registerPath(server), { email: 'ada@example.com', password: PASSWORD });
      await server.mailsSettled();
      expect(logger.text()).toMatch(new RegExp(`account mail .*"to":"ada@example.com","kind":"confirm","link":"${server.httpUrl}/confirm-email\\?token=[\\w-]+&tokenId=[0-9a-f]{24}"`));

      await second.createUser({ username: 'bob@example.com', password: PASSWORD });
      expect((await request(second, 'POST', provider(second, 'reset/send'), { email: 'bob@example.com' })).status).toBe(204);
      await second.mailsSettled();
      expect(secrets).toHaveLength(1);
      expect(failing.text()).toContain('account mail failed');
      expect(failing.text()).toContain('SMTP refused the message');
      expect(failing.text()).not.toContain(secrets[0]);
    } finally {
      await server.close();
      await second.close();
    }
  });
});

describe.each(serverLanes)('account tokens at rest ($name)', (lane) => {
  it('are kept as hashes: the database holds neither a token nor anything that confirms without one', async () => {
    const storage = await laneStorage(lane);
    const mailer = testMailer();
    try {
      const server = await startServer({ ...storage.serverOptions, port: 0, scryptCost: TEST_SCRYPT_COST, mailer, autoConfirm: false });
      try {
        await request(server, 'POST', registerPath(server), { email: 'ada@example.com', password: PASSWORD });
        await mailer.next('ada@example.com', 'confirm');
      } finally {
        await server.close();
      }
      const raw = await storage.openRaw();
      try {
        const rows = await raw.query<Record<string, unknown>>('select * from account_tokens');
        const { token, tokenId } = mailer.sent[0]!;
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ id: tokenId, kind: 'confirm', used_at: null });
        expect(rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
        expect(JSON.stringify(rows)).not.toContain(token);
      } finally {
        await raw.close();
      }
    } finally {
      await storage.remove();
    }
  });
});
