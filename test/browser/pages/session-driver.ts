// The part of a test page every browser test drives: a session-sync client as an app builds it, and
// what the app saw (hook calls, wake events), exposed to the test through `page.evaluate`.
import {
  appServicesAuth,
  consoleLogger,
  createSyncClient,
  isSessionError,
  localStorageSessionStore,
  type SessionStatus,
  type SyncClient,
  type SyncClientOptions,
  type SyncCollectionOptions,
  type SyncUser,
} from '../../../src/index.ts';
import type { PageParams } from './page-params.ts';

/** The key the page keeps its session under in localStorage. */
export const SESSION_KEY = 'session-sync.session';

/** What `onReloginRequired` told the page, minus what cannot cross `page.evaluate`. */
export interface ReloginCall {
  userId: string;
  reason: string;
  pendingWrites: Record<string, { count: number }>;
}

/** `window.app` on every test page. Results are plain data: they cross into Node as JSON. */
export interface SessionDriver {
  start(): Promise<SessionStatus>;
  login(username: string, password: string): Promise<SyncUser>;
  status(): SessionStatus;
  /** A pull through `client.graphql`: `'ok'` or the `SessionError` code it rejected with. */
  request(): Promise<string>;
  relogins(): ReloginCall[];
  /** Reasons of the `session.wake` events the session received, in order. */
  wakes(): string[];
}

const PULL_ONE = '{ pullTodo(limit: 1) { documents { id } } }';

/**
 * Builds the page's client (localStorage session store, a console logger at debug level so the test
 * can check what reaches the console) and its driver.
 *
 * @example
 * const { client, driver } = createSessionDriver(pageParams(location.search));
 * window.app = driver;
 */
export function createSessionDriver<C extends Record<string, SyncCollectionOptions>>(
  params: PageParams,
  extra: Partial<SyncClientOptions<C>> = {},
): { client: SyncClient<C>; driver: SessionDriver } {
  const relogins: ReloginCall[] = [];
  const wakes: string[] = [];
  const client = createSyncClient<C>({
    auth: appServicesAuth({ baseUrl: params.authUrl, appId: params.appId }),
    graphql: { url: params.graphqlUrl, wsUrl: params.wsUrl },
    sessionStore: localStorageSessionStore({ key: SESSION_KEY }),
    logger: consoleLogger({ level: 'debug' }),
    wakeSignals: { checkIntervalMs: params.checkIntervalMs },
    onReloginRequired: ({ userId, reason, pendingWrites }) => {
      const counts = Object.fromEntries(Object.entries(pendingWrites).map(([name, info]) => [name, { count: info.count }]));
      relogins.push({ userId, reason, pendingWrites: counts });
    },
    inspect: (event) => {
      if (event.type === '@xstate.event' && event.event.type === 'session.wake') wakes.push(String(event.event.reason));
    },
    ...extra,
  });
  const driver: SessionDriver = {
    start: () => client.start(),
    login: (username, password) => client.login({ username, password }),
    status: () => client.status,
    request: () =>
      client.graphql.request(PULL_ONE).then(
        () => 'ok',
        (error: unknown) => (isSessionError(error) ? error.code : `unexpected: ${String(error)}`),
      ),
    relogins: () => relogins,
    wakes: () => wakes,
  };
  return { client, driver };
}
