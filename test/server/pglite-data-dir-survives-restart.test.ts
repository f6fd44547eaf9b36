import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../examples/server/start-server.ts';
import { freshPgliteDir } from '../helpers/pglite-template.ts';
import { TEST_SCRYPT_COST } from '../helpers/server-lanes.ts';
import { graphql, PULL_TODO, PUSH_TODO, request, SESSION_PATH, signedInUser, todo } from '../helpers/server-requests.ts';

describe('PGlite data directory', () => {
  let dataDir: string;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    ({ dir: dataDir, remove } = await freshPgliteDir());
  });
  afterAll(() => remove());

  it('keeps users, sessions, documents and the signing key across a restart', async () => {
    const first = await startServer({ dataDir, scryptCost: TEST_SCRYPT_COST });
    const user = await signedInUser(first);
    await graphql(first, user.accessToken, PUSH_TODO, { rows: [{ newDocumentState: todo('kept', 'survives') }] });
    await first.close();

    const second = await startServer({ dataDir, scryptCost: TEST_SCRYPT_COST });
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
