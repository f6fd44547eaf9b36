import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type SyncServer } from '../../examples/server/start-server.ts';
import { laneStorage, type LaneStorage } from '../helpers/lane-storage.ts';
import { serverLanes, TEST_SCRYPT_COST } from '../helpers/server-lanes.ts';
import { graphql, loginPath, PULL_TODO, PUSH_TODO, request, todo } from '../helpers/server-requests.ts';

// A database made by the previous version keys documents by (collection, id). A server starting on it
// upgrades the key to (owner, collection, id) in place: the stored documents are still served, and
// from then on users have their own ids. Starting again changes nothing; on PostgreSQL two servers
// starting at once upgrade it once.

// The documents table exactly as the previous version created it.
const OLD_DOCUMENTS_TABLE = [
  'drop table documents',
  `create table documents (
     collection text not null,
     id text collate "C" not null,
     owner text not null,
     data jsonb not null,
     updated_at double precision not null,
     deleted boolean not null,
     primary key (collection, id))`,
  'create index documents_feed on documents (owner, collection, updated_at, id)',
];

const PRIMARY_KEY = `select c.oid::text as oid, pg_get_constraintdef(c.oid) as definition
  from pg_constraint c where c.conrelid = 'documents'::regclass and c.contype = 'p'`;

interface Key { oid: string; definition: string }

const PASSWORD = 'correct horse battery';

describe.each(serverLanes)('an old database ($name)', (lane) => {
  let storage: LaneStorage;
  const users = { ada: { username: `ada-${lane.name}@example.com`, userId: '' }, bob: { username: `bob-${lane.name}@example.com`, userId: '' } };
  const start = () => startServer({ ...storage.serverOptions, port: 0, scryptCost: TEST_SCRYPT_COST });
  const withRaw = async <T>(work: (query: (sql: string, params?: unknown[]) => Promise<any[]>) => Promise<T>): Promise<T> => {
    const raw = await storage.openRaw();
    try {
      return await work((sql, params) => raw.query(sql, params));
    } finally {
      await raw.close();
    }
  };
  const pulled = async (server: SyncServer, username: string) => {
    const login = await request(server, 'POST', loginPath(server), { username, password: PASSWORD });
    const res = await graphql(server, login.body.access_token, PULL_TODO, { checkpoint: null, limit: 100 });
    return { token: login.body.access_token as string, documents: res.body.data.pullTodo.documents.map((d: { id: string; title: string }) => [d.id, d.title]) };
  };

  beforeAll(async () => {
    storage = await laneStorage(lane);
    // The users come from a server; the documents table is then put back to its old shape, with rows.
    const first = await start();
    try {
      for (const user of Object.values(users)) user.userId = (await first.createUser({ username: user.username, password: PASSWORD })).userId;
    } finally {
      await first.close();
    }
    await withRaw(async (query) => {
      for (const sql of OLD_DOCUMENTS_TABLE) await query(sql);
      const rows = [[users.ada.userId, 'a', 'ada’s a', 1], [users.ada.userId, 'b', 'ada’s b', 2], [users.bob.userId, 'c', 'bob’s c', 3]];
      for (const [owner, id, title, updatedAt] of rows) {
        await query(`insert into documents (collection, id, owner, data, updated_at, deleted) values ('todo', $1, $2, $3::jsonb, $4, false)`,
          [id, owner, JSON.stringify({ title, done: false }), updatedAt]);
      }
    });
  });
  afterAll(() => storage?.remove());

  it('upgrades the key on start, serves the old rows, and then lets two users have the same id', async () => {
    // PostgreSQL: two servers starting at once on the old database; PGlite has one opener.
    const servers = lane.freshDatabase ? await Promise.all([start(), start()]) : [await start()];
    const [server] = servers as [SyncServer];
    try {
      const ada = await pulled(server, users.ada.username);
      const bob = await pulled(server, users.bob.username);
      expect(ada.documents).toEqual([['a', 'ada’s a'], ['b', 'ada’s b']]);
      expect(bob.documents).toEqual([['c', 'bob’s c']]);
      // Under the old key Bob's "a" collided with Ada's.
      expect((await graphql(server, bob.token, PUSH_TODO, { rows: [{ newDocumentState: todo('a', 'bob’s a') }] })).body).toEqual({ data: { pushTodo: [] } });
      expect((await pulled(server, users.bob.username)).documents).toEqual([['c', 'bob’s c'], ['a', 'bob’s a']]);
      expect((await pulled(server, users.ada.username)).documents).toEqual(ada.documents);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
    const keys = await withRaw((query) => query(PRIMARY_KEY)) as Key[];
    expect(keys.map((k) => k.definition)).toEqual(['PRIMARY KEY (owner, collection, id)']);
  });

  it('changes nothing when started again', async () => {
    const [before] = await withRaw((query) => query(PRIMARY_KEY)) as Key[];
    const server = await start();
    try {
      expect((await pulled(server, users.bob.username)).documents).toEqual([['c', 'bob’s c'], ['a', 'bob’s a']]);
    } finally {
      await server.close();
    }
    const after = await withRaw((query) => query(PRIMARY_KEY)) as Key[];
    expect(after).toEqual([before]);
  });
});
