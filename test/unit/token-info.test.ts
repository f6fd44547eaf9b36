import { describe, expect, it } from 'vitest';
import { readAccessToken, readRefreshTokenExpiry } from '../../src/auth/token-info.ts';
import { isSessionError } from '../../src/errors/session-error.ts';
import { createJwtFactory } from '../helpers/jwt-factory.ts';

const jwt = await createJwtFactory();
const SERVER_NOW = 1_800_000_000; // epoch seconds on the server

describe('readAccessToken', () => {
  it('expires at send time + (exp − iat) − 1 s of iat flooring, whatever the device clock says', async () => {
    const token = await jwt.sign({ sub: 'u1', iat: SERVER_NOW, exp: SERVER_NOW + 1800 });
    // The device clock is two days behind the server.
    const sentAt = (SERVER_NOW - 2 * 86_400) * 1000;
    const info = readAccessToken(token, sentAt);
    expect(info.accessExpiresAt).toBe(sentAt + 1_800_000 - 1_000);
    expect(info.lifetimeMs).toBe(1_800_000);
    expect(info.issuedAt).toBe(SERVER_NOW * 1000);
    expect(info.userId).toBe('u1');
  });

  it('without iat, corrects exp by the skew between the Date header and the local clock', async () => {
    const token = await jwt.sign({ sub: 'u1', exp: SERVER_NOW + 600 });
    const serverDate = SERVER_NOW * 1000;
    const receivedAt = serverDate - 3_600_000; // local clock an hour behind
    const info = readAccessToken(token, receivedAt, serverDate);
    expect(info.skewMs).toBe(3_600_000);
    expect(info.accessExpiresAt).toBe(receivedAt + 600_000);
    expect(info.lifetimeMs).toBeNull();
  });

  it('without iat or Date header, takes exp as is', async () => {
    const token = await jwt.sign({ exp: SERVER_NOW + 60 });
    const info = readAccessToken(token, 123);
    expect(info).toMatchObject({ accessExpiresAt: (SERVER_NOW + 60) * 1000, skewMs: 0, userId: null, issuedAt: null });
  });

  it('uses OAuth expires_in for an opaque access token', () => {
    const info = readAccessToken('opaque-access-token', 5_000, undefined, 3600);
    expect(info).toMatchObject({ accessExpiresAt: 5_000 + 3_600_000, lifetimeMs: 3_600_000, userId: null, customData: {} });
  });

  it('prefers the token lifetime over expires_in when both exist', async () => {
    const token = await jwt.sign({ iat: SERVER_NOW, exp: SERVER_NOW + 300 });
    expect(readAccessToken(token, 0, undefined, 3600).accessExpiresAt).toBe(300_000 - 1_000);
  });

  it('keeps at most a quarter of a short lifetime for iat flooring, so 1–2 s tokens stay usable', async () => {
    const token = await jwt.sign({ iat: SERVER_NOW, exp: SERVER_NOW + 2 });
    expect(readAccessToken(token, 10_000)).toMatchObject({ accessExpiresAt: 10_000 + 1_500, lifetimeMs: 2_000 });
  });

  it('is never later than the real expiry, wherever in its second the token was issued', async () => {
    for (const issuedMsIntoSecond of [0, 1, 500, 999]) {
      const issueTime = SERVER_NOW * 1000 + issuedMsIntoSecond; // device and server clocks agree here
      const token = await jwt.sign({ iat: SERVER_NOW, exp: SERVER_NOW + 60 });
      const sentAt = issueTime - 3; // the request left a few ms before the server issued the token
      expect(readAccessToken(token, sentAt).accessExpiresAt).toBeLessThanOrEqual((SERVER_NOW + 60) * 1000);
    }
  });

  it('reads custom user data from user_data', async () => {
    const token = await jwt.sign({ sub: 'u1', iat: SERVER_NOW, exp: SERVER_NOW + 60, user_data: { plan: 'pro', seats: 3 } });
    expect(readAccessToken(token, 0).customData).toEqual({ plan: 'pro', seats: 3 });
    const without = await jwt.sign({ sub: 'u1', iat: SERVER_NOW, exp: SERVER_NOW + 60, user_data: 'not-an-object' });
    expect(readAccessToken(without, 0).customData).toEqual({});
  });

  it('does not verify the signature (the server does): a token signed by another key still reads', async () => {
    const other = await createJwtFactory();
    const token = await other.sign({ sub: 'u2', iat: SERVER_NOW, exp: SERVER_NOW + 60 });
    expect(readAccessToken(token, 0).userId).toBe('u2');
  });

  it.each([
    ['garbage', 'not a jwt'],
    ['empty', ''],
    ['bad payload', 'eyJhbGciOiJFUzI1NiJ9.bm90LWpzb24.c2ln'],
  ])('throws a PROTOCOL SessionError for a malformed token (%s)', (_name, token) => {
    expect(() => readAccessToken(token, 0)).toThrow(expect.objectContaining({ code: 'PROTOCOL' }));
  });

  it('throws PROTOCOL for a JWT with no exp and no stated lifetime, without echoing the token', async () => {
    const token = await jwt.sign({ sub: 'u1', iat: SERVER_NOW });
    let caught: unknown;
    try {
      readAccessToken(token, 0);
    } catch (error) {
      caught = error;
    }
    expect(isSessionError(caught, 'PROTOCOL')).toBe(true);
    expect(String(caught)).not.toContain(token);
  });
});

describe('readRefreshTokenExpiry', () => {
  it('is null for an opaque refresh token (only the server knows)', () => {
    expect(readRefreshTokenExpiry('opaque-refresh', 0, 0)).toBeNull();
  });

  it('is null for a JWT without exp', async () => {
    expect(readRefreshTokenExpiry(await jwt.sign({ sub: 'u1' }), 0, 0)).toBeNull();
  });

  it('uses the lifetime when iat is present', async () => {
    const token = await jwt.sign({ iat: SERVER_NOW, exp: SERVER_NOW + 5_184_000 });
    expect(readRefreshTokenExpiry(token, 1_000, 999_999)).toBe(1_000 + 5_184_000_000 - 1_000);
  });

  it('corrects exp by the skew when iat is missing', async () => {
    const token = await jwt.sign({ exp: SERVER_NOW + 100 });
    expect(readRefreshTokenExpiry(token, 0, 60_000)).toBe((SERVER_NOW + 100) * 1000 - 60_000);
  });
});
