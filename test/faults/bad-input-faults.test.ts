import { afterEach, describe, expect, it } from 'vitest';
import type { RejectedDocument } from '../../src/sync/rejected-documents.ts';
import { catches, startScenario, type Scenario } from './support/fault-scenario.ts';
import { until } from '../e2e/support/e2e-client.ts';
import { expectOnServer } from './support/session-fault-tools.ts';

// Bad input: documents the server cannot store, or that cannot be sent at all. Each is set aside on
// the device with its reason; the documents around it sync as if nothing happened.
describe('bad input', () => {
  let scenario: Scenario;
  afterEach(async () => scenario?.close());

  const rejectedList = (scenario: Scenario, device: string, n: number): Promise<RejectedDocument[]> =>
    until(scenario.devices.find((d) => d.name === device)!.client.rejected$, (list) => list.length >= n, `${n} rejected on ${device}`, 10_000);

  it(`a NUL or a lone surrogate in a string is refused per document; the others sync ${catches(1, 2, 8)}`, async () => {
    scenario = await startScenario();
    const user = await scenario.user();
    const laptop = scenario.device('laptop');
    await laptop.login(user);
    await laptop.client.awaitInSync();

    const good = [
      { id: 'good-1', title: 'plain', done: false },
      { id: 'good-2', title: 'emoji 🦊 and ünïcödé', done: true },
    ];
    await laptop.write(good[0]!);
    await laptop.write({ id: 'nul', title: 'before\u0000after', done: false });
    await laptop.write({ id: 'surrogate', title: `lone \uD800 half`, done: false });
    await laptop.write(good[1]!);

    const rejected = await rejectedList(scenario, 'laptop', 2);
    expect(rejected.map((r) => r.documentId).sort()).toEqual(['nul', 'surrogate']);
    for (const r of rejected) {
      expect(r.collection).toBe('todo');
      expect(r.code).not.toBe('');
      expect(r.reason.length).toBeGreaterThan(0);
    }
    await expectOnServer(scenario, user.userId, good);
    const ids = (await scenario.server.readDocuments(user.userId, 'todo')).map((d) => d.id).sort();
    expect(ids).toEqual(['good-1', 'good-2']);
    // The refused ones stay on the device, listed, until the app retries or discards them.
    await scenario.checkInvariants({ expectRejected: ['laptop/nul', 'laptop/surrogate'] });
  });

  it(`a document too large for one request is set aside as tooLarge; the others sync ${catches(1, 8)}`, async () => {
    scenario = await startScenario();
    const user = await scenario.user();
    const laptop = scenario.device('laptop', { sync: { maxRequestBytes: 16_384 } });
    await laptop.login(user);
    await laptop.client.awaitInSync();

    const small = [
      { id: 'small-1', title: 'fits', done: false },
      { id: 'small-2', title: 'fits too', done: true },
    ];
    await laptop.write(small[0]!);
    await laptop.write({ id: 'huge', title: 'x'.repeat(40_000), done: false });
    await laptop.write(small[1]!);

    const [rejected] = await rejectedList(scenario, 'laptop', 1);
    expect(rejected).toMatchObject({ collection: 'todo', documentId: 'huge', code: 'tooLarge' });
    await expectOnServer(scenario, user.userId, small);
    // It was never sent: no push carried it.
    expect(laptop.requests.some((r) => r.pushedIds.includes('huge'))).toBe(false);
    await scenario.checkInvariants({ expectRejected: ['laptop/huge'] });
  });
});
