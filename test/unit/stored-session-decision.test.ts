import { describe, expect, it } from 'vitest';
import { decideStoredSession } from '../../src/client/refresh.ts';
import type { StoredSession } from '../../src/session/session-store.ts';

const NOW = Date.UTC(2026, 0, 1);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
// A 30-minute JWT-shaped token (the client decodes, never verifies).
const token = (n: number) => `${b64({ alg: 'ES256' })}.${b64({ sub: 'ann', iat: 1000, exp: 2800, n })}.sig${n}`;
const session = (n: number, expiresInMs: number, over: Partial<StoredSession> = {}): StoredSession => ({
  version: 1,
  userId: 'ann',
  accessToken: token(n),
  refreshToken: `refresh-${n}`,
  accessExpiresAt: NOW + expiresInMs,
  refreshExpiresAt: null,
  customData: {},
  ...over,
});
const decide = (stored: StoredSession | null, current: StoredSession | null) =>
  decideStoredSession({ stored, current, now: NOW, marginMs: 60_000 });

describe('what a refresh does with the stored session it reads inside the lock', () => {
  const mine = session(1, 30_000);

  it('adopts a newer token of the same user that is not due yet', () => {
    const theirs = session(2, 1_800_000);
    expect(decide(theirs, mine)).toEqual({ action: 'adopt', stored: theirs });
  });

  it('refreshes, presenting the stored refresh token, when the newer token is itself due', () => {
    expect(decide(session(2, 50_000, { refreshToken: 'rotated' }), mine)).toEqual({ action: 'refresh', refreshToken: 'rotated' });
  });

  it('refreshes when the store holds its own token (nobody refreshed meanwhile)', () => {
    expect(decide(mine, mine)).toEqual({ action: 'refresh', refreshToken: 'refresh-1' });
  });

  it('never adopts an older token', () => {
    expect(decide(session(0, 10_000), session(1, 1_000_000))).toEqual({ action: 'refresh', refreshToken: 'refresh-0' });
  });

  it('gives up when another tab marked the session dead (no refresh token left)', () => {
    expect(decide({ ...mine, refreshToken: null }, mine)).toEqual({ action: 'relogin' });
  });

  it("uses its own refresh token when the store is empty or holds another user's session", () => {
    expect(decide(null, mine)).toEqual({ action: 'refresh', refreshToken: 'refresh-1' });
    expect(decide(session(2, 1_800_000, { userId: 'bob' }), mine)).toEqual({ action: 'refresh', refreshToken: 'refresh-1' });
  });

  it('has nothing to present when signed out', () => {
    expect(decide(session(2, 1_800_000), null)).toEqual({ action: 'refresh', refreshToken: null });
  });
});
