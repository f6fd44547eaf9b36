import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSchema } from '../../examples/server/db/schema.ts';
import { startServer, type SyncServer } from '../../examples/server/start-server.ts';
import { laneStorage, type LaneStorage } from '../helpers/lane-storage.ts';
import { serverLanes, TEST_SCRYPT_COST } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo } from '../helpers/server-requests.ts';
import { openStream } from '../helpers/server-stream.ts';

// Defence in depth: should the database refuse a value the server's own checks let through (a data
// exception, SQLSTATE class 22), the batch is applied again one document at a time, each in a
// savepoint. Only the refused documents are left out, each with BAD_USER_INPUT and the database's
// message; the rest are written, conflicts are still reported, and the live stream still hears of it.
// The refusals here are real: a trigger that raises a data exception (both lanes), and a LATIN1
// PostgreSQL database that has no encoding for an emoji.

type Refusal = { message: string; extensions: { code: string; documentId: string } };

const REFUSING_TRIGGER = [
  `create function refuse_poison() returns trigger language plpgsql as $$
   begin
     if new.data->>'title' like 'poison%' then
       raise exception 'title "%" is not allowed in this database', new.data->>'title' using errcode = 'invalid_parameter_value';
     end if;
     return new;
   end $$`,
  `create trigger refuse_poison before insert or update on documents for each row execute function refuse_poison()`,
];

describe.each(serverLanes)('a row the database refuses ($name)', (lane) => {
  let storage: LaneStorage;
  let server: SyncServer;
  beforeAll(async () => {
    storage = await laneStorage(lane);
    const raw = await storage.openRaw();
    try {
      await createSchema(raw);
      for (const sql of REFUSING_TRIGGER) await raw.query(sql);
    } finally {
      await raw.close();
    }
    server = await startServer({ ...storage.serverOptions, port: 0, scryptCost: TEST_SCRYPT_COST });
  });
  afterAll(async () => {
    await server?.close();
    await storage?.remove();
  });

  it('is refused alone with the database’s message; the others are written, conflicts reported and streamed', async () => {
    const ada = await signedInUser(server);
    await graphql(server, ada.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('kept', 'v1') }] });
    const [kept] = await server.readDocuments(ada.userId, 'todo');
    const stream = openStream(server, { authorization: `Bearer ${ada.accessToken}` });
    await stream.acknowledged;
    stream.subscribe();
    await vi.waitFor(() => expect(server.stats().activeStreams).toBe(1));

    const res = await graphql(server, ada.accessToken, PUSH_TODO, {
      rows: [
        { newDocumentState: todo('ok-1') },
        { newDocumentState: todo('bad-1', 'poison one') },
        { assumedMasterState: todo('kept', 'v0'), newDocumentState: todo('kept', 'v2') },
        { newDocumentState: todo('ok-2') },
        { newDocumentState: todo('bad-2', 'poison two') },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.data.pushTodo).toEqual([{ ...todo('kept', 'v1'), updatedAt: kept!.updatedAt }]);
    const refusals = res.body.errors as Refusal[];
    expect(refusals.map((e) => e.extensions)).toEqual([
      { code: 'BAD_USER_INPUT', documentId: 'bad-1' },
      { code: 'BAD_USER_INPUT', documentId: 'bad-2' },
    ]);
    expect(refusals[0]!.message).toBe('the database refused this document: title "poison one" is not allowed in this database (SQLSTATE 22023)');

    const stored = await server.readDocuments(ada.userId, 'todo');
    expect(stored.map((d) => [d.id, d.title])).toEqual([['kept', 'v1'], ['ok-1', 'todo ok-1'], ['ok-2', 'todo ok-2']]);
    const [event] = await stream.waitFor(1);
    expect(event.data.streamTodo.documents.map((d: { id: string }) => d.id)).toEqual(['ok-1', 'ok-2']);
    stream.close();
    await stream.closed;
  });

  it('applies a repeated id in its batch order, as the batch path does', async () => {
    const ada = await signedInUser(server);
    const res = await graphql(server, ada.accessToken, PUSH_TODO, {
      rows: [
        { newDocumentState: todo('twice', 'first') },
        { assumedMasterState: todo('twice', 'first'), newDocumentState: todo('twice', 'second') },
        { newDocumentState: todo('refused', 'poison') },
      ],
    });
    expect(res.body.data.pushTodo).toEqual([]);
    expect(res.body.errors.map((e: Refusal) => e.extensions.documentId)).toEqual(['refused']);
    expect((await server.readDocuments(ada.userId, 'todo')).map((d) => [d.id, d.title])).toEqual([['twice', 'second']]);
  });
});

const adminUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!adminUrl)('a LATIN1 PostgreSQL database (postgres)', () => {
  const name = `session_sync_latin1_${randomBytes(6).toString('hex')}`;
  let server: SyncServer;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  beforeAll(async () => {
    await admin(`create database ${name} encoding 'LATIN1' lc_collate 'C' lc_ctype 'C' template template0`);
    const url = new URL(adminUrl!);
    url.pathname = `/${name}`;
    server = await startServer({ databaseUrl: url.toString(), port: 0, scryptCost: TEST_SCRYPT_COST });
  });
  afterAll(async () => {
    await server?.close();
    await admin(`drop database if exists ${name} with (force)`);
  });

  it('refuses only the documents whose characters it cannot encode, in a field or in the id', async () => {
    const ada = await signedInUser(server);
    const res = await graphql(server, ada.accessToken, PUSH_TODO, {
      rows: [todo('café', 'crème brûlée'), todo('party', '🎉'), todo('🎉', 'emoji id'), todo('plain')].map((doc) => ({ newDocumentState: doc })),
    });
    expect(res.status).toBe(200);
    const refusals = res.body.errors as Refusal[];
    expect(refusals.map((e) => e.extensions.documentId).sort()).toEqual(['party', '🎉']);
    for (const refusal of refusals) {
      expect(refusal.extensions.code).toBe('BAD_USER_INPUT');
      expect(refusal.message).toContain('has no equivalent in encoding "LATIN1" (SQLSTATE 22P05)');
    }
    const pulled = await graphql(server, ada.accessToken, PULL_TODO, { checkpoint: null, limit: 10 });
    expect(pulled.body.data.pullTodo.documents.map((d: { id: string; title: string }) => [d.id, d.title]))
      .toEqual([['café', 'crème brûlée'], ['plain', 'todo plain']]);
  });
});
