import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appServicesAuth } from '../../src/auth/app-services-auth.ts';
import type { AuthContext } from '../../src/auth/auth-adapter.ts';
import { oauth2Auth } from '../../src/auth/oauth2-auth.ts';
import { createAuthenticatedGraphQL } from '../../src/graphql/authenticated-graphql.ts';
import { consoleLogger } from '../../src/platform/logger.ts';
import { createJwtFactory } from '../helpers/jwt-factory.ts';
import { startHttpFixture, type HttpFixture } from './http-fixture.ts';
import { scriptedTokens } from './token-source-fixture.ts';

// Canaries: a real JWT and opaque secrets that look like nothing in particular.
const JWT = await (await createJwtFactory()).sign({ sub: 'canary', iat: 1, exp: 2 });
const OPAQUE_REFRESH = 'opaque-refresh-canary-7f3a';
const PASSWORD = 'password-canary-91c2';
const CLIENT_SECRET = 'client-secret-canary-55d0';
const OPAQUE_ACCESS = 'opaque-access-canary-c81e';
const CANARIES = [JWT, OPAQUE_REFRESH, PASSWORD, CLIENT_SECRET, OPAQUE_ACCESS];

let server: HttpFixture;
const ctx: AuthContext = { fetch: globalThis.fetch, clock: { now: () => 0 } };

beforeAll(async () => {
  server = await startHttpFixture();
});
afterAll(() => server.close());

/** Every value the request carried, bare (no `Bearer`, no field names the redactor could spot). */
function bareValues(authorization: string | undefined, body: string): string {
  const values = [authorization?.split(' ')[1] ?? ''];
  try {
    values.push(...Object.values(JSON.parse(body) as Record<string, unknown>).map(String));
  } catch {
    values.push(...new URLSearchParams(body).values());
  }
  return values.join(' ');
}

/** A hostile or debugging server: echoes every value it received into its error answer. */
function echoWith(status: number): void {
  server.handle((request) => {
    const echo = bareValues(request.headers.authorization, request.body);
    return { status, body: { error: `rejected ${echo}`, error_description: `got ${echo}`, errors: [{ message: `bad ${echo}`, extensions: { code: 'UNAUTHENTICATED' } }] } };
  });
}

/** Every way an error is commonly shown: message, String(), JSON, stack, and a console logger line. */
function everythingVisible(error: unknown): string {
  const lines: unknown[] = [];
  const sink = { debug: () => {}, info: () => {}, warn: () => {}, error: (...args: unknown[]) => void lines.push(args) };
  consoleLogger({ sink }).error('operation failed', { error });
  const e = error as Error;
  return [e.message, String(e), JSON.stringify(e), e.stack, JSON.stringify(lines)].join('\n');
}

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  return run().then(() => {
    throw new Error('expected a failure');
  }, (e: unknown) => e);
}

const statuses = [400, 401, 403, 429, 500];

describe('no token, refresh token, password or client secret in any error', () => {
  it.each(statuses)('App Services adapter, server echoing with HTTP %i', async (status) => {
    echoWith(status);
    const auth = appServicesAuth({ baseUrl: server.url, appId: 'a' });
    for (const op of [() => auth.login({ username: 'ann', password: PASSWORD }, ctx), () => auth.refresh(OPAQUE_REFRESH, ctx), () => auth.refresh(JWT, ctx), () => auth.logout(OPAQUE_REFRESH, ctx)]) {
      const visible = everythingVisible(await caught(op));
      for (const canary of CANARIES) expect(visible).not.toContain(canary);
    }
  });

  it.each(statuses)('OAuth 2.0 adapter, server echoing with HTTP %i', async (status) => {
    echoWith(status);
    const auth = oauth2Auth({ tokenEndpoint: server.url, revocationEndpoint: server.url, clientId: 'c', clientSecret: CLIENT_SECRET, clientAuth: 'post' });
    for (const op of [() => auth.login({ username: 'ann', password: PASSWORD }, ctx), () => auth.refresh(OPAQUE_REFRESH, ctx), () => auth.logout(OPAQUE_REFRESH, ctx)]) {
      const visible = everythingVisible(await caught(op));
      for (const canary of CANARIES) expect(visible).not.toContain(canary);
    }
  });

  it.each(statuses)('GraphQL client with opaque and JWT access tokens, server echoing with HTTP %i', async (status) => {
    echoWith(status);
    for (const tokens of [[JWT, OPAQUE_ACCESS], [OPAQUE_ACCESS, JWT]]) {
      const gql = createAuthenticatedGraphQL({ url: server.url, tokens: scriptedTokens(tokens) });
      const visible = everythingVisible(await caught(() => gql.request('query { me }', { note: PASSWORD })));
      for (const canary of CANARIES) expect(visible).not.toContain(canary);
    }
  });
});
