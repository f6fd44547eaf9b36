import { randomBytes } from 'node:crypto';
import { cpSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerOptions, type SyncServer } from '../../examples/server/start-server.ts';
import { freshPgliteDir } from '../helpers/pglite-template.ts';
import { serverLanes, TEST_SCRYPT_COST, type ServerLane } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, signedInUser, todo, type SignedInUser } from '../helpers/server-requests.ts';

type Checkpoint = { id: string; updatedAt: number };
const START = { id: '', updatedAt: 0 };

/** A lane's storage that can be copied while no server runs on it, as a backup is. */
interface Storage {
  options: ServerOptions;
  /** A copy of the storage as it is now: a backup to restore from. */
  copy(): Promise<Storage>;
  remove(): Promise<void>;
}

async function pgliteStorage(): Promise<Storage> {
  const { dir, remove } = await freshPgliteDir();
  return pgliteAt(dir, remove);
}

function pgliteAt(dir: string, remove: () => Promise<void>): Storage {
  return {
    options: { dataDir: dir },
    async copy() {
      const copyDir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'session-sync-backup-'));
      cpSync(dir, copyDir, { recursive: true });
      return pgliteAt(copyDir, () => rm(copyDir, { recursive: true, force: true }));
    },
    remove,
  };
}

/** A database of its own on `TEST_DATABASE_URL`; `copy` is `create database … template …`. */
async function postgresStorage(adminUrl: string, template?: string): Promise<Storage> {
  const name = `session_sync_test_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  // A template must have no sessions: a closed server's backends may still be on their way out.
  if (template) await admin('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [template]);
  await admin(`create database ${name}${template ? ` template ${template}` : ''}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    options: { databaseUrl: url.toString() },
    copy: () => postgresStorage(adminUrl, name),
    remove: () => admin(`drop database if exists ${name} with (force)`),
  };
}

const storageOf = (lane: ServerLane): Promise<Storage> =>
  lane.name === 'postgres' ? postgresStorage(process.env.TEST_DATABASE_URL!) : pgliteStorage();

const start = (storage: Storage): Promise<SyncServer> =>
  startServer({ host: '127.0.0.1', port: 0, scryptCost: TEST_SCRYPT_COST, ...storage.options });

async function pull(server: SyncServer, user: SignedInUser, checkpoint: Checkpoint | null, limit = 100): Promise<{ documents: Array<Checkpoint & { title: string }>; checkpoint: Checkpoint | null }> {
  const answer = await graphql(server, user.accessToken, PULL_TODO, { checkpoint, limit });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  expect(answer.body.errors).toBeUndefined();
  return answer.body.data.pullTodo;
}

async function push(server: SyncServer, user: SignedInUser, rows: unknown[]): Promise<void> {
  const answer = await graphql(server, user.accessToken, PUSH_TODO, { rows });
  expect(answer.body).toEqual({ data: { pushTodo: [] } });
}

const point = (doc: Checkpoint): Checkpoint => ({ id: doc.id, updatedAt: doc.updatedAt });

// A server restored from a backup older than a client's checkpoint must not answer that checkpoint as
// if it knew it: the client would never re-push what the restore lost. It answers from before it.
describe.each(serverLanes)('a pull from a checkpoint the server does not know ($name)', (lane) => {
  const storages: Storage[] = [];
  let restored: SyncServer;
  let ann: SignedInUser;
  let nobody: SignedInUser;
  /** What the backup holds, in pull order: a, b. */
  let backedUp: Array<Checkpoint & { title: string }>;
  /** Checkpoints the server gave after the backup: b's later version, and c, written after it. */
  let laterB: Checkpoint;
  let afterBackup: Checkpoint;

  beforeAll(async () => {
    const live = await storageOf(lane);
    storages.push(live);
    const before = await start(live);
    ann = await signedInUser(before);
    nobody = await signedInUser(before);
    await push(before, ann, [{ newDocumentState: todo('a', 'a v1') }]);
    await push(before, ann, [{ newDocumentState: todo('b', 'b v1') }]);
    backedUp = (await pull(before, ann, null)).documents;
    await before.close();

    const backup = await live.copy();
    storages.push(backup);

    const after = await start(live);
    await push(after, ann, [{ assumedMasterState: backedUp[1], newDocumentState: todo('b', 'b v2') }]);
    await push(after, ann, [{ newDocumentState: todo('c', 'c v1') }]);
    const { documents } = await pull(after, ann, null);
    laterB = point(documents.find((doc) => doc.id === 'b')!);
    afterBackup = point(documents.find((doc) => doc.id === 'c')!);
    await after.close();

    // The data is lost and the backup is restored; sessions and the signing key come back with it.
    restored = await start(backup);
  });
  afterAll(async () => {
    await restored?.close();
    for (const storage of storages) await storage.remove();
  });

  it('holds what was backed up, and the checkpoints it gave later are past it', () => {
    expect(backedUp.map((doc) => doc.title)).toEqual(['a v1', 'b v1']);
    expect(laterB.updatedAt).toBeGreaterThan(backedUp[1]!.updatedAt);
    expect(afterBackup.updatedAt).toBeGreaterThan(laterB.updatedAt);
  });

  it('answers a checkpoint whose document is stored older with the first page from the start', async () => {
    expect(await pull(restored, ann, laterB)).toEqual({ documents: backedUp, checkpoint: point(backedUp[1]!) });
    expect(await pull(restored, ann, laterB, 1)).toEqual({ documents: [backedUp[0]], checkpoint: point(backedUp[0]!) });
  });

  it('answers a checkpoint of a document it never stored, past everything it holds, with the first page from the start', async () => {
    expect(await pull(restored, ann, afterBackup)).toEqual({ documents: backedUp, checkpoint: point(backedUp[1]!) });
  });

  it('answers an unknown checkpoint with an empty page from the start when nothing comes before it', async () => {
    // A user with no documents, and a checkpoint before every document the user has.
    expect(await pull(restored, nobody, afterBackup)).toEqual({ documents: [], checkpoint: START });
    expect(await pull(restored, ann, { id: 'never-written', updatedAt: 1 })).toEqual({ documents: [], checkpoint: START });
  });

  it('answers a checkpoint it knows as ever: strictly after it, and an empty page echoes it', async () => {
    expect(await pull(restored, ann, point(backedUp[0]!))).toEqual({ documents: [backedUp[1]], checkpoint: point(backedUp[1]!) });
    expect(await pull(restored, ann, point(backedUp[1]!))).toEqual({ documents: [], checkpoint: point(backedUp[1]!) });
  });

  it('answers the start checkpoint and no checkpoint from the start', async () => {
    expect(await pull(restored, ann, START)).toEqual({ documents: backedUp, checkpoint: point(backedUp[1]!) });
    expect(await pull(restored, ann, null)).toEqual({ documents: backedUp, checkpoint: point(backedUp[1]!) });
    expect(await pull(restored, nobody, START)).toEqual({ documents: [], checkpoint: START });
    expect(await pull(restored, nobody, null)).toEqual({ documents: [], checkpoint: null });
  });

  it('still knows a checkpoint whose document was written again since (updatedAt only grows)', async () => {
    const firstA = point(backedUp[0]!);
    await push(restored, ann, [{ assumedMasterState: backedUp[0], newDocumentState: todo('a', 'a v2') }]);
    const { documents } = await pull(restored, ann, firstA);
    expect(documents.map((doc) => doc.title)).toEqual(['b v1', 'a v2']);
  });
});
