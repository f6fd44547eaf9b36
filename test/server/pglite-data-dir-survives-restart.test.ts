import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../examples/server/start-server.ts';
import { graphql, PULL_TODO, PUSH_TODO, request, SESSION_PATH, signedInUser, todo } from '../helpers/server-requests.ts';

describe('PGlite data directory', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'session-sync-server-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps users, sessions, documents and the signing key across a restart', async () => {
    const first = await startServer({ dataDir });
    const user = await signedInUser(first);
    await graphql(first, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('kept', 'survives') }] });
    await first.close();

    const second = await startServer({ dataDir });
    try {
      // A token signed before the restart still verifies: the key was read back, not regenerated.
      const pull = await graphql(second, user.accessToken, PULL_TODO, { checkpoint: null, limit: 10 });
      expect(pull.status).toBe(200);
      expect(pull.body.data.pullTodo.documents).toEqual([expect.objectContaining({ id: 'kept', title: 'survives' })]);
      expect((await request(second, 'POST', SESSION_PATH, undefined, user.refreshToken)).status).toBe(201);
    } finally {
      await second.close();
    }
  });
});
