import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../examples/server/auth/passwords.ts';
import { startServer, type SyncServer } from '../../examples/server/start-server.ts';
import { freshPgliteDir } from '../helpers/pglite-template.ts';
import { serverLanes, startLaneServer, TEST_SCRYPT_COST, type LaneServer, type ServerLane } from '../helpers/server-lanes.ts';
import { loginPath, registerPath, request } from '../helpers/server-requests.ts';

/** Emails no account may have, and the words the 400 must contain. */
const BAD_EMAILS: Array<[string, string, string]> = [
  ['a NUL', 'ada\u0000@example.com', 'control characters'],
  ['a newline', 'ada@exam\nple.com', 'control characters'],
  ['30 KB', `${'a'.repeat(30_000)}@example.com`, 'at most 254 characters'],
  ['255 characters', `${'a'.repeat(243)}@example.com`, 'at most 254 characters'],
  ['no "@"', 'ada.example.com', 'one "@"'],
  ['two "@"', 'ada@home@example.com', 'one "@"'],
  ['no local part', '@example.com', 'before the "@"'],
  ['no domain', 'ada@', 'after the "@"'],
  ['a space inside', 'ada lovelace@example.com', 'spaces'],
  ['only spaces', '   ', 'must not be empty'],
];

describe.each(serverLanes)('emails ($name)', (lane) => {
  let running: LaneServer;
  let server: SyncServer;
  beforeAll(async () => {
    running = await startLaneServer(lane);
    server = running.server;
  });
  afterAll(() => running.close());

  const register = (email: string, password = 'secret-123') => request(server, 'POST', registerPath(server), { email, password });
  const login = (username: string, password = 'secret-123') => request(server, 'POST', loginPath(server), { username, password });

  it('stores one spelling: trimmed, NFC, lower case, so differently typed names are one account', async () => {
    expect((await register('  Ada@Example.COM ')).status).toBe(201);
    const first = await login('ada@example.com');
    expect(first.status).toBe(200);
    expect((await login('ADA@EXAMPLE.COM')).body.user_id).toBe(first.body.user_id);
    const again = await register('ada@example.com', 'other-123');
    expect(again.status).toBe(409);
    expect(again.body.error_code).toBe('AccountNameInUse');

    // "é" typed as e + combining accent, then logged in with the precomposed letter.
    expect((await register('Zoe\u0301@example.com')).status).toBe(201);
    expect((await login('zo\u00e9@example.com')).status).toBe(200);
  });

  it('normalises names the operator creates too, and refuses bad ones with a 400 AuthError', async () => {
    await server.createUser({ username: 'Bob@Example.com', password: 'secret-123' });
    expect((await login('bob@example.com')).status).toBe(200);
    await expect(server.createUser({ username: 'bob\u0000@example.com', password: 'secret-123' }))
      .rejects.toMatchObject({ status: 400, errorCode: 'BadRequest', message: expect.stringContaining('control characters') });
  });

  it.each(BAD_EMAILS)('refuses an email with %s with 400 BadRequest saying what is wrong, on register and login', async (_what, email, words) => {
    const registered = await register(email);
    expect(registered.status).toBe(400);
    expect(registered.body).toEqual({ error: expect.stringMatching(/^email /), error_code: 'BadRequest' });
    expect(registered.body.error).toContain(words);
    const loggedIn = await login(email);
    expect(loggedIn.status).toBe(400);
    expect(loggedIn.body).toEqual({ error: expect.stringMatching(/^username /), error_code: 'BadRequest' });
    expect(loggedIn.body.error).toContain(words);
    expect(JSON.stringify(registered.body)).not.toContain('aaaaaaaaaa');
  });

  it('accepts a 254-character email', async () => {
    const longest = `${'b'.repeat(242)}@example.com`;
    expect(longest).toHaveLength(254);
    expect((await register(longest)).status).toBe(201);
    expect((await login(longest)).status).toBe(200);
  });

  it('refuses passwords no account can have before hashing them: 400, never a 500', async () => {
    await server.createUser({ username: 'cy@example.com', password: 'secret-123' });
    const huge = await login('cy@example.com', 'p'.repeat(30_000));
    expect(huge.status).toBe(400);
    expect(huge.body).toEqual({ error: 'password must be at most 1024 characters', error_code: 'BadRequest' });
    const nul = await login('cy@example.com', 'secret\u0000123');
    expect(nul).toMatchObject({ status: 400, body: { error: 'password must not contain NUL', error_code: 'BadRequest' } });
    expect((await register('dee@example.com', 'secret\u0000123')).status).toBe(400);
    expect((await register('dee@example.com', 'p'.repeat(129))).body).toEqual({ error: 'password must be between 6 and 128 characters', error_code: 'BadRequest' });
    // Still the account's own password that logs in.
    expect((await login('cy@example.com')).status).toBe(200);
  });
});

/** A database written before names were normalised: a user row stored as typed, capitals included. */
async function databaseWithLegacyUser(lane: ServerLane, username: string, password: string) {
  const database = lane.freshDatabase ? await lane.freshDatabase() : undefined;
  const pgliteDir = database ? undefined : await freshPgliteDir();
  const options = { port: 0, scryptCost: TEST_SCRYPT_COST, databaseUrl: database?.url, dataDir: pgliteDir?.dir };
  // A first start creates the schema; the row goes in behind the server's back, as an old version wrote it.
  await (await startServer(options)).close();
  const row = ['legacy-user', username, await hashPassword(password, TEST_SCRYPT_COST), Date.now()];
  const insert = 'insert into users (id, username, password_hash, created_at) values ($1, $2, $3, $4)';
  if (database) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(insert, row);
    await client.end();
  } else {
    const db = new PGlite(pgliteDir!.dir);
    await db.query(insert, row);
    await db.close();
  }
  return {
    server: await startServer(options),
    async remove() {
      await database?.drop();
      await pgliteDir?.remove();
    },
  };
}

describe.each(serverLanes)('names stored before normalisation ($name)', (lane) => {
  let legacy: Awaited<ReturnType<typeof databaseWithLegacyUser>>;
  beforeAll(async () => {
    legacy = await databaseWithLegacyUser(lane, 'Legacy@Example.com', 'secret-123');
  });
  afterAll(async () => {
    await legacy.server.close();
    await legacy.remove();
  });

  it('logs in an old mixed-case row under its lower-case name, and keeps its name taken', async () => {
    const { server } = legacy;
    const login = await request(server, 'POST', loginPath(server), { username: 'legacy@example.com', password: 'secret-123' });
    expect(login.status).toBe(200);
    expect(login.body.user_id).toBe('legacy-user');
    const register = await request(server, 'POST', registerPath(server), { email: 'LEGACY@example.com', password: 'secret-123' });
    expect(register.status).toBe(409);
  });
});
