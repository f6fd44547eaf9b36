import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { loginPath, registerPath } from '../helpers/server-requests.ts';

interface Reply { status: number; body: any; retryAfter: string | undefined }

/**
 * POSTs JSON from the loopback address `from` (Linux routes all of 127/8 to lo), so one test run can
 * play several clients; each test below uses addresses of its own.
 */
function postFrom(server: SyncServer, from: string, path: string, body: unknown): Promise<Reply> {
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

const login = (server: SyncServer, from: string, username: string, password: string) =>
  postFrom(server, from, loginPath(server), { username, password });
const register = (server: SyncServer, from: string, email: string) =>
  postFrom(server, from, registerPath(server), { email, password: 'secret-123' });

/** Runs `body` with the server clock moved by `ms`, then moves it back. */
async function shifted<T>(server: SyncServer, ms: number, body: () => Promise<T>): Promise<T> {
  server.shiftClock(ms);
  try {
    return await body();
  } finally {
    server.shiftClock(-ms);
  }
}

const tooMany = (words: string) => ({ error: expect.stringContaining(words), error_code: 'TooManyRequests' });

describe.each(serverLanes)('login and registration throttles ($name)', (lane) => {
  let running: LaneServer;
  let server: SyncServer;
  beforeAll(async () => {
    running = await startLaneServer(lane, {
      loginThrottle: { accountFailures: 5, accountWindowSec: 900, addressFailures: 12, addressWindowSec: 60 },
      registrationThrottle: { perAddress: 3, windowSec: 3600 },
    });
    server = running.server;
  });
  afterAll(() => running.close());

  it('locks an account after 5 wrong passwords with 429 and Retry-After, even for the right password, while another user logs in fine', async () => {
    await server.createUser({ username: 'ada@example.com', password: 'secret-123' });
    await server.createUser({ username: 'bob@example.com', password: 'secret-123' });
    for (let i = 0; i < 5; i += 1) expect((await login(server, '127.0.0.2', 'ada@example.com', `guess-${i}`)).status).toBe(401);
    const failuresBefore = server.stats().loginFailures;

    const locked = await login(server, '127.0.0.2', 'ada@example.com', 'guess-5');
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual(tooMany('too many failed logins for this account'));
    expect(Number(locked.retryAfter)).toBeGreaterThan(890);
    expect(Number(locked.retryAfter)).toBeLessThanOrEqual(900);
    expect(locked.body.error).toContain(`try again in ${locked.retryAfter} s`);
    // Locked from everywhere, right password included: a guesser learns nothing while it lasts.
    expect((await login(server, '127.0.0.3', 'ada@example.com', 'secret-123')).status).toBe(429);
    // The honest neighbour on the same address is served meanwhile.
    expect((await login(server, '127.0.0.2', 'bob@example.com', 'secret-123')).status).toBe(200);
    // Refused attempts never reached scrypt.
    expect(server.stats().loginFailures).toBe(failuresBefore);

    const unlocked = await shifted(server, Number(locked.retryAfter) * 1000, () => login(server, '127.0.0.2', 'ada@example.com', 'secret-123'));
    expect(unlocked.status).toBe(200);
  });

  it('locks an unknown account exactly like a real one, so the lock tells nobody who exists', async () => {
    const answers = [];
    for (let i = 0; i < 6; i += 1) answers.push(await login(server, '127.0.0.4', 'nobody@example.com', `guess-${i}`));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(answers[5]!.body).toEqual(tooMany('for this account'));
  });

  it('forgets an account’s failures after a successful login', async () => {
    await server.createUser({ username: 'cy@example.com', password: 'secret-123' });
    for (let i = 0; i < 4; i += 1) expect((await login(server, '127.0.0.5', 'cy@example.com', `typo-${i}`)).status).toBe(401);
    expect((await login(server, '127.0.0.5', 'cy@example.com', 'secret-123')).status).toBe(200);
    for (let i = 0; i < 4; i += 1) expect((await login(server, '127.0.0.5', 'cy@example.com', `typo-${i}`)).status).toBe(401);
    expect((await login(server, '127.0.0.5', 'cy@example.com', 'secret-123')).status).toBe(200);
  });

  it('counts the account by its normalised email: changing the case does not buy more guesses', async () => {
    await server.createUser({ username: 'dee@example.com', password: 'secret-123' });
    const spellings = ['dee@example.com', 'DEE@example.com', ' Dee@Example.com', 'dEe@EXAMPLE.COM', 'dee@example.COM', 'DEE@EXAMPLE.COM'];
    const statuses = [];
    for (const name of spellings) statuses.push((await login(server, '127.0.0.6', name, 'wrong-one')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('admits only 5 of 30 concurrent wrong passwords for one account: a burst costs 5 hashes', async () => {
    await server.createUser({ username: 'eve@example.com', password: 'secret-123' });
    const failuresBefore = server.stats().loginFailures;
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => login(server, `127.0.1.${i + 1}`, 'eve@example.com', `burst-${i}`)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    expect(server.stats().loginFailures).toBe(failuresBefore + 5);
  });

  it('stops one address spraying many accounts after 12 failures, serves another address meanwhile, and frees up after the window', async () => {
    const sprayer = '127.0.0.8';
    for (let i = 0; i < 12; i += 1) expect((await login(server, sprayer, `target-${i}@example.com`, 'Summer2024!')).status).toBe(401);
    const stopped = await login(server, sprayer, 'target-12@example.com', 'Summer2024!');
    expect(stopped.status).toBe(429);
    expect(stopped.body).toEqual(tooMany('too many failed logins from this address'));
    expect(Number(stopped.retryAfter)).toBeGreaterThan(0);
    expect(Number(stopped.retryAfter)).toBeLessThanOrEqual(60);

    await server.createUser({ username: 'fay@example.com', password: 'secret-123' });
    expect((await login(server, '127.0.0.9', 'fay@example.com', 'secret-123')).status).toBe(200);

    const later = await shifted(server, 61_000, () => login(server, sprayer, 'fay@example.com', 'secret-123'));
    expect(later.status).toBe(200);
  });

  it('never throttles successful logins: 40 in a row from one address', async () => {
    await server.createUser({ username: 'gus@example.com', password: 'secret-123' });
    const statuses = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await login(server, '127.0.0.10', 'gus@example.com', 'secret-123')).status);
    expect(new Set(statuses)).toEqual(new Set([200]));
  });

  it('allows 3 registrations per address per hour, then 429 with Retry-After; another address registers meanwhile', async () => {
    const from = '127.0.0.11';
    expect((await register(server, from, 'reg-1@example.com')).status).toBe(201);
    expect((await register(server, from, 'reg-2@example.com')).status).toBe(201);
    // A taken name costs a hash too, so it counts.
    expect((await register(server, from, 'reg-1@example.com')).status).toBe(409);
    const refused = await register(server, from, 'reg-3@example.com');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(tooMany('too many registrations from this address'));
    expect(Number(refused.retryAfter)).toBeGreaterThan(3590);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(3600);

    expect((await register(server, '127.0.0.12', 'reg-3@example.com')).status).toBe(201);
    const later = await shifted(server, 3_601_000, () => register(server, from, 'reg-4@example.com'));
    expect(later.status).toBe(201);
  });

  it('refuses a malformed registration with 400 without spending the address’s budget', async () => {
    const from = '127.0.0.13';
    for (let i = 0; i < 5; i += 1) expect((await postFrom(server, from, registerPath(server), { email: `bad-${i}`, password: 'secret-123' })).status).toBe(400);
    expect((await register(server, from, 'fine@example.com')).status).toBe(201);
  });
});

describe.each(serverLanes)('login throttle defaults ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
  });
  afterAll(() => running.close());

  it('locks after 10 failures per account, and lets a login loop of 60 from one address run', async () => {
    const { server } = running;
    await server.createUser({ username: 'hal@example.com', password: 'secret-123' });
    for (let i = 0; i < 60; i += 1) expect((await login(server, '127.0.0.1', 'hal@example.com', 'secret-123')).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 11; i += 1) statuses.push((await login(server, '127.0.0.1', 'hal@example.com', `guess-${i}`)).status);
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
  });
});
