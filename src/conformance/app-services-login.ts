import { appServicesAuth } from '../auth/app-services-auth.ts';
import { systemClock } from '../platform/clock.ts';

/**
 * Options of {@link appServicesLogin}.
 */
export interface AppServicesLoginOptions {
  /** The client API base, e.g. `https://auth.example.com/api/client/v2.0`. */
  baseUrl: string;
  appId: string;
  username: string;
  password: string;
  fetch?: typeof fetch;
}

/**
 * Logs a user in through App Services–compatible auth, as the client does, and resolves to the access
 * token: a {@link TokenProvider} for {@link checkServer}.
 *
 * @example
 * ```ts
 * await checkServer({ graphqlUrl, userA: () => appServicesLogin({ baseUrl, appId: 'session-sync', username, password }) });
 * ```
 */
export async function appServicesLogin(options: AppServicesLoginOptions): Promise<string> {
  const auth = appServicesAuth({ baseUrl: options.baseUrl, appId: options.appId });
  const grant = await auth.login({ username: options.username, password: options.password }, { fetch: options.fetch ?? globalThis.fetch, clock: systemClock });
  return grant.accessToken;
}
