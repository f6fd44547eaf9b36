import type { Actor } from 'xstate';
import type { sessionMachine } from '../../machines/session.machine.ts';
import { SessionError } from '../errors/session-error.ts';
import { createAuthenticatedGraphQL, type AuthenticatedGraphQL, type TokenSource } from '../graphql/authenticated-graphql.ts';
import type { Clock } from '../platform/clock.ts';
import type { SessionSnapshot } from './session-status.ts';
import type { SnapshotWaiter } from './snapshot-waiter.ts';
import type { GraphQLEndpointOptions } from './sync-client-options.ts';
import { decideToken } from './token-decision.ts';
import type { TokenVault } from './token-vault.ts';

/**
 * `client.graphql`: the authenticated GraphQL client of the configured endpoint, or one whose
 * calls reject with `INVALID_OPTION` when no endpoint is configured.
 *
 * @example
 * ```ts
 * const graphql = clientGraphQL({ url: 'http://127.0.0.1:4000/graphql' }, tokens, fetch);
 * ```
 */
export function clientGraphQL(endpoint: GraphQLEndpointOptions | null, tokens: TokenSource, fetch: typeof globalThis.fetch): AuthenticatedGraphQL {
  if (!endpoint) {
    const missing = (): Promise<never> =>
      Promise.reject(new SessionError('INVALID_OPTION', 'options.graphql: no GraphQL endpoint configured', { kind: 'rejected' }));
    return { request: missing, execute: missing };
  }
  const opts: Parameters<typeof createAuthenticatedGraphQL>[0] = { url: endpoint.url, tokens, fetch };
  if (endpoint.timeoutMs !== undefined) opts.timeoutMs = endpoint.timeoutMs;
  return createAuthenticatedGraphQL(opts);
}

/**
 * What {@link forceRefresh} drives and reads.
 *
 * @example
 * ```ts
 * const deps: ForceRefreshDeps = { actor, waiter, vault, clock, isBusy };
 * ```
 */
export interface ForceRefreshDeps {
  actor: Actor<typeof sessionMachine>;
  waiter: SnapshotWaiter;
  vault: TokenVault;
  clock: Clock;
  isBusy(snapshot: SessionSnapshot): boolean;
}

/**
 * Forces a refresh (Realm's `refreshCustomData`) and resolves with the new custom user data;
 * rejects with the session's typed error when no new token came.
 *
 * @example
 * ```ts
 * const customData = await forceRefresh(deps);
 * ```
 */
export async function forceRefresh({ actor, waiter, vault, clock, isBusy }: ForceRefreshDeps): Promise<Record<string, unknown>> {
  await waiter.until((s) => !isBusy(s));
  const before = vault.generation;
  const requesting = { signedIn: { refreshing: 'requesting' } } as const;
  const now = actor.getSnapshot();
  if (now.matches({ signedIn: 'active' }) || now.matches({ signedIn: { refreshing: 'backoff' } })) {
    actor.send({ type: 'session.refreshRequested' });
  }
  await waiter.until((s) => !s.matches(requesting) && !isBusy(s));
  const after = actor.getSnapshot();
  if (after.matches({ signedIn: 'active' }) && vault.generation > before) return vault.customData;
  const decision = decideToken(after, clock.now());
  if (decision.action === 'fail') throw decision.error;
  const error = after.context.lastError;
  throw new SessionError(error?.kind === 'rateLimited' ? 'RATE_LIMITED' : 'NETWORK', error?.message ?? 'refresh failed', {
    kind: error?.kind ?? 'transient',
  });
}
