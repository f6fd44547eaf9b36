import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { createTestUser, signIn, startE2EServer, todoClient, todos, until, type TodoClient } from './support/e2e-client.ts';

// Two devices of one user: a write on either shows up on the other through the live stream
// (no polling configured), and both end with the same documents as the server.
describe('two devices of one user', () => {
  let server: SyncServer;
  let phone: TodoClient;
  let laptop: TodoClient;
  const phoneSync: string[] = [];

  beforeAll(async () => {
    server = await startE2EServer();
    const user = await createTestUser(server);
    // A poll interval far beyond the test: only the stream can deliver in time.
    phone = todoClient(server, { sync: { pullIntervalMs: 3_600_000 } });
    laptop = todoClient(server, { sync: { pullIntervalMs: 3_600_000 } });
    phone.status$.subscribe((s) => phoneSync.push(s.sync));
    await signIn(phone, user);
    await signIn(laptop, user);
    await until(laptop.status$, (s) => s.sync === 'running', 'laptop running');
  });

  afterAll(async () => {
    await phone?.close();
    await laptop?.close();
    await server?.close();
  });

  const ids = async (client: TodoClient) =>
    (await client.collections.todo.find().exec()).map((d) => d.id as string).sort();

  it('converge in both directions, edits and deletes included', async () => {
    await phone.collections.todo.bulkInsert(todos(25, 'phone'));
    await laptop.collections.todo.bulkInsert(todos(25, 'laptop'));

    await until(phone.collections.todo.count().$, (n) => n === 50, 'phone sees 50');
    await until(laptop.collections.todo.count().$, (n) => n === 50, 'laptop sees 50');

    const doc = await laptop.collections.todo.findOne('phone-00003').exec();
    await doc!.patch({ done: true });
    await (await phone.collections.todo.findOne('laptop-00007').exec())!.remove();

    await until(phone.collections.todo.findOne('phone-00003').$, (d) => d?.get('done') === true, 'edit reaches phone');
    await until(laptop.collections.todo.count().$, (n) => n === 49, 'delete reaches laptop');

    await phone.awaitInSync();
    await laptop.awaitInSync();
    expect(await ids(phone)).toEqual(await ids(laptop));
    // The pending count is recounted (throttled) after a cycle goes idle.
    await until(phone.status$, (s) => s.pendingWrites === 0, 'phone outbox empty');
    expect(phone.status).toMatchObject({ session: 'active', sync: 'running', pendingWrites: 0, rejected: 0 });
    expect(phone.status.lastPushedAt).not.toBeNull();
    expect(laptop.status.lastPulledAt).not.toBeNull();
    // Signing in goes from off straight to running: never a 'paused' flash while the database opens.
    expect(phoneSync[0]).toBe('off');
    expect(phoneSync).not.toContain('paused');
  });
});
