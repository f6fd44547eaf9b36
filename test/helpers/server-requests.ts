import type { SyncServer } from '../../examples/server/start-server.ts';

/** A parsed HTTP answer from the reference server. */
export interface Answer<T = any> { status: number; body: T; headers: Headers }

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

/**
 * Sends a JSON request (or a raw string body) to the server over real HTTP.
 *
 * @example
 * const { status, body } = await request(server, 'POST', '/graphql', { query }, token);
 */
export async function request(server: SyncServer, method: string, path: string, body?: unknown, bearer?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  const payload = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
  return answer(await fetch(`${server.httpUrl}${path}`, { method, headers, body: payload }));
}

/** The local-userpass login path for the server's app. */
export const loginPath = (server: SyncServer): string =>
  `/api/client/v2.0/app/${server.appId}/auth/providers/local-userpass/login`;

export const registerPath = (server: SyncServer): string =>
  `/api/client/v2.0/app/${server.appId}/auth/providers/local-userpass/register`;

export const SESSION_PATH = '/api/client/v2.0/auth/session';

let counter = 0;

/** A user that exists and is logged in: its ids and both tokens. */
export interface SignedInUser { userId: string; username: string; password: string; accessToken: string; refreshToken: string }

/**
 * Creates a user with a unique name and logs it in over HTTP.
 *
 * @example
 * const ada = await signedInUser(server);
 * await graphql(server, ada.accessToken, '{ pullTodo(limit: 10) { documents { id } } }');
 */
export async function signedInUser(server: SyncServer, customData?: Record<string, unknown>): Promise<SignedInUser> {
  const username = `user-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = 'correct horse battery';
  const { userId } = await server.createUser({ username, password, ...(customData ? { customData } : {}) });
  const login = await request(server, 'POST', loginPath(server), { username, password });
  if (login.status !== 200) throw new Error(`login failed with ${login.status}`);
  return { userId, username, password, accessToken: login.body.access_token, refreshToken: login.body.refresh_token };
}

/** POSTs a GraphQL operation to `/graphql` with the access token in the Authorization header. */
export function graphql(server: SyncServer, accessToken: string | undefined, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  return request(server, 'POST', '/graphql', variables ? { query, variables } : { query }, accessToken);
}

export const PULL_TODO = `query Pull($checkpoint: TodoCheckpointInput, $limit: Int!) {
  pullTodo(checkpoint: $checkpoint, limit: $limit) { documents { id title done updatedAt deleted } checkpoint { id updatedAt } }
}`;

export const PUSH_TODO = `mutation Push($rows: [TodoPushRow!]!) {
  pushTodo(rows: $rows) { id title done updatedAt deleted }
}`;

export const STREAM_TODO = 'subscription { streamTodo { documents { id title done updatedAt deleted } checkpoint { id updatedAt } } }';

/** A todo as a client would push it. */
export function todo(id: string, title = `todo ${id}`, done = false, deleted = false) {
  return { id, title, done, deleted };
}

/** The admin route of a user's custom data (`Authorization: Bearer <admin key>`). */
export const customDataPath = (userId: string): string => `/api/admin/v1/users/${encodeURIComponent(userId)}/custom-data`;
