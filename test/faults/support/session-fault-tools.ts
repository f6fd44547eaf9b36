// Tools of the auth, clock, concurrency and bad-input fault scenarios (on top of fault-scenario.ts).
import { expect } from 'vitest';
import type { AuthAdapter, AuthContext } from '../../../src/auth/auth-adapter.ts';
import { appServicesAuth } from '../../../src/auth/app-services-auth.ts';
import type { Device, Scenario } from './fault-scenario.ts';
import { eventually, untilStatus } from '../../e2e/support/e2e-client.ts';

/** How many refresh requests a device sent. */
export const refreshesOf = (device: Device): number => device.requests.filter((r) => r.kind === 'refresh').length;

/** Whether the device's client was ever sent to relogin. */
export const askedToRelogin = (device: Device): number =>
  device.events.filter((e) => (e as { event: string }).event === 'reloginRequired').length;

/** Waits until the device's session is in `refreshExpired`. */
export const untilReloginRequired = (device: Device): Promise<unknown> =>
  untilStatus(device.client, (s) => s.session === 'refreshExpired', `${device.name} in refreshExpired`, 10_000);

export interface AuthThroughProxyOptions {
  /** The deadline of each refresh request (the client itself always leaves the adapter's 30 s default). */
  refreshTimeoutMs?: number;
  /**
   * The first `n` refresh requests reach the server and are answered, but the answer is held back
   * from the client until the client has given up on it (its deadline or its own abort).
   */
  answerLate?: number;
}

/**
 * The App Services adapter through the scenario's proxy, as the harness builds it, with two changes
 * a real `fetch` would make anyway: a request whose signal aborts rejects at once (the harness's
 * recording fetch waits for an intercept however long it holds), and an optional deadline per
 * refresh. `answerLate` makes refresh answers arrive after the client stopped waiting.
 */
export function authThroughProxy(scenario: Scenario, options: AuthThroughProxyOptions = {}): AuthAdapter & { lateAnswers: number } {
  const baseUrl = scenario.server.authUrl.replace(scenario.server.httpUrl, scenario.proxy.origin);
  const inner = appServicesAuth({ baseUrl, appId: scenario.server.appId });
  let lateLeft = options.answerLate ?? 0;
  // The server has answered every late request: a later request is sent only then, so a retry never
  // overtakes the request it replaces on the way to the server (a slow machine would let it).
  let lateAnswered: Promise<unknown> = Promise.resolve();
  const adapter = {
    lateAnswers: 0,
    login: (credentials, ctx) => inner.login(credentials, wrap(ctx, false)),
    refresh: (token, ctx) => inner.refresh(token, wrap(ctx, true)),
    logout: (token, ctx) => inner.logout!(token, wrap(ctx, false)),
  } satisfies AuthAdapter & { lateAnswers: number };
  function wrap(ctx: AuthContext, refresh: boolean): AuthContext {
    const late = refresh && lateLeft > 0;
    if (late) lateLeft -= 1;
    const doFetch: typeof fetch = (input, init) => {
      const signal = init?.signal ?? undefined;
      // A late answer: the server gets the request whatever the client's deadline says.
      const sent = late
        ? ctx.fetch(input, { ...init, signal: null })
        : lateAnswered.then(() => (signal?.aborted ? Promise.reject(signal.reason) : ctx.fetch(input, init)));
      if (late) lateAnswered = sent.catch(() => undefined);
      if (!signal) return sent;
      return new Promise<Response>((resolve, reject) => {
        const abort = (): void => reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
        if (signal.aborted) return abort();
        signal.addEventListener('abort', abort, { once: true });
        sent.then(
          (response) => {
            if (late) {
              adapter.lateAnswers += 1; // answered; the client hears it only if it still waits (it does not)
              return;
            }
            signal.removeEventListener('abort', abort);
            resolve(response);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', abort);
            reject(error);
          },
        );
      });
    };
    const next: AuthContext = { ...ctx, fetch: doFetch };
    if (refresh && options.refreshTimeoutMs !== undefined) next.timeoutMs = options.refreshTimeoutMs;
    return next;
  }
  return adapter;
}

type TodoDoc = { id: string; title: string; done: boolean };

/** The server holds each of `docs` for `userId` exactly as written (explicit, for devices the oracle excuses). */
export async function expectOnServer(scenario: Scenario, userId: string, docs: TodoDoc[], ms = 10_000): Promise<void> {
  const matches = async (): Promise<boolean> => {
    const onServer = await scenario.server.readDocuments(userId, 'todo');
    return docs.every((doc) => onServer.some((d) => d.id === doc.id && d['title'] === doc.title && d['done'] === doc.done));
  };
  await eventually(matches, `${docs.length} documents of ${userId} on the server`, ms).catch(async (error: unknown) => {
    const onServer = await scenario.server.readDocuments(userId, 'todo');
    const missing = docs.filter((doc) => !onServer.some((d) => d.id === doc.id && d['title'] === doc.title && d['done'] === doc.done));
    throw new Error(`${String(error)}: missing or different ${JSON.stringify(missing.slice(0, 5))}`);
  });
}

/** Every device's local documents equal the server's for `userId`, field by field (the oracle compares ids). */
export async function expectSameContents(scenario: Scenario, userId: string, devices: Device[]): Promise<void> {
  const project = (docs: Array<Record<string, unknown>>): string[] =>
    docs.map((d) => JSON.stringify([d['id'], d['title'], d['done']])).sort();
  const onServer = project((await scenario.server.readDocuments(userId, 'todo')).filter((d) => !d['deleted']));
  for (const device of devices) {
    await device.client.awaitInSync();
    const local = project((await device.client.collections.todo.find().exec()).map((d) => d.toJSON() as Record<string, unknown>));
    expect(local, `${device.name}'s documents equal the server's`).toEqual(onServer);
  }
}

/**
 * Waits until every device holds what the server holds for `userId`, field by field; fails after `ms`
 * with the difference. (The oracle compares each device right after its own `awaitInSync`, which can
 * come before another device's last push has streamed to it.)
 */
export async function untilConverged(scenario: Scenario, userId: string, devices: Device[], ms = 10_000): Promise<void> {
  const project = (docs: Array<Record<string, unknown>>): string =>
    JSON.stringify(docs.map((d) => [d['id'], d['title'], d['done']]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  const views = async (): Promise<{ server: string; local: string[] }> => {
    for (const device of devices) await device.client.awaitInSync();
    const server = project((await scenario.server.readDocuments(userId, 'todo')).filter((d) => !d['deleted']));
    const local: string[] = [];
    for (const device of devices) local.push(project((await device.client.collections.todo.find().exec()).map((d) => d.toJSON() as Record<string, unknown>)));
    return { server, local };
  };
  try {
    await eventually(async () => {
      const { server, local } = await views();
      return local.every((l) => l === server);
    }, `${devices.map((d) => d.name).join(', ')} converged with the server`, ms);
  } catch (error) {
    const { server, local } = await views();
    throw new Error(`${String(error)}\nserver: ${server}\n${devices.map((d, i) => `${d.name}: ${local[i]}`).join('\n')}`);
  }
}
