import { afterEach, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createSyncClient, type SyncClient } from '../../src/client/sync-client.ts';
import { memorySessionStore } from '../../src/session/memory-session-store.ts';
import { createFakeAuth } from './fake-auth.ts';
import { reachableStrings } from '../helpers/reachable-strings.ts';

// The password travels to the login actor sealed: no inspection event, emitted event, log line or
// error holds it, whether the login succeeds, fails or is overtaken by a logout.
const PASSWORD = 'CANARY-PASSWORD-7f3a';
const WRONG = 'CANARY-WRONG-91be';

describe('passwords', () => {
  let client: SyncClient | undefined;
  afterEach(async () => client?.close());

  it('reach the auth adapter and nothing the app or devtools can see', async () => {
    const fake = await createFakeAuth();
    const received: string[] = [];
    const auth: typeof fake.auth = {
      ...fake.auth,
      login: (credentials, context) => {
        received.push(credentials.password);
        return fake.auth.login({ ...credentials, password: credentials.password === PASSWORD ? 'pw' : credentials.password }, context);
      },
    };
    const inspection: InspectionEvent[] = [];
    const seen: unknown[] = [];
    const log = (level: string) => (message: string, data?: unknown) => void seen.push(level, message, data);
    client = createSyncClient({
      auth,
      sessionStore: memorySessionStore(),
      wakeSignals: false,
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      inspect: (event) => void inspection.push(event),
    });
    client.actor.on('*', (event) => void seen.push(event));
    await client.start();

    seen.push(await client.login({ username: 'ann', password: WRONG }).catch((error: unknown) => error));
    seen.push(await client.login({ username: 'ann', password: PASSWORD }));
    seen.push(await client.login({ username: 'ann', password: WRONG }).catch((error: unknown) => error));
    const overtaken = client.login({ username: 'ann', password: PASSWORD }).catch((error: unknown) => error);
    const loggedOut = client.logout();
    seen.push(await overtaken, await loggedOut, client.status);

    // Positive control: the adapter got every password, so they were there to leak.
    expect(received).toEqual(expect.arrayContaining([WRONG, PASSWORD]));
    expect(inspection.some((e) => e.type === '@xstate.event' && e.event.type === 'session.login')).toBe(true);
    const haystacks: Array<[string, string]> = [
      ['inspection', reachableStrings(inspection).join('\n')],
      ['inspection JSON', inspection.map((e) => JSON.stringify(e)).join('\n')],
      ['logs, events, errors, results', reachableStrings(seen).join('\n')],
    ];
    for (const [where, text] of haystacks) {
      expect(text.includes(PASSWORD), `the password leaked into ${where}`).toBe(false);
      expect(text.includes(WRONG), `a wrong password leaked into ${where}`).toBe(false);
    }
    expect(JSON.stringify(inspection.find((e) => e.type === '@xstate.event' && e.event.type === 'session.login'))).toContain('[credentials]');
  });
});
