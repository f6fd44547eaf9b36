import type { IncomingMessage } from 'node:http';

/**
 * The token of an `Authorization: Bearer <token>` header, or null.
 *
 * @example
 * const token = bearerToken(req.headers.authorization);
 */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** The bearer token of a request's `Authorization` header, or null. */
export function requestBearerToken(req: IncomingMessage): string | null {
  return bearerToken(req.headers.authorization);
}
