import { describe, expect, it } from 'vitest';
import { redactSecrets, redactValue } from '../../src/platform/redact.ts';
import { createJwtFactory } from '../helpers/jwt-factory.ts';

describe('redactSecrets', () => {
  it('removes a real signed JWT wherever it appears', async () => {
    const jwt = await (await createJwtFactory()).sign({ sub: 'u1', exp: 2_000_000_000 });
    const out = redactSecrets(`token=${jwt}; again:${jwt}.`);
    expect(out).not.toContain(jwt);
    expect(out).not.toMatch(/eyJ/);
  });

  it('removes Bearer and Basic credentials', () => {
    expect(redactSecrets('Authorization: Bearer opaque-refresh-123')).toBe('Authorization: Bearer [redacted]');
    expect(redactSecrets('Authorization: Basic c3BhOnNlY3JldA==')).toBe('Authorization: Basic [redacted]');
  });

  it('keeps ordinary prose', () => {
    expect(redactSecrets('Basic auth failed for user ann')).toBe('Basic auth failed for user ann');
  });

  it('removes token and password fields from JSON and form text', () => {
    const json = '{"access_token":"opaque-a","refresh_token":"opaque-r","user_id":"u1","password":"hunter2"}';
    const out = redactSecrets(json);
    expect(out).toContain('"user_id":"u1"');
    for (const secret of ['opaque-a', 'opaque-r', 'hunter2']) expect(out).not.toContain(secret);
    const form = redactSecrets('grant_type=refresh_token&refresh_token=opaque-r&client_secret=s3cret');
    expect(form).toBe('grant_type=refresh_token&refresh_token=[redacted]&client_secret=[redacted]');
  });

  it('handles escaped quotes inside a JSON token value', () => {
    expect(redactSecrets('{"refreshToken":"a\\"b"}')).toBe('{"refreshToken":"[redacted]"}');
  });
});

describe('redactValue', () => {
  it('blanks secret-named keys and redacts nested strings', () => {
    const value = { user: 'ann', refreshToken: 'opaque', headers: { Authorization: 'whatever' }, list: ['Bearer xyz'] };
    expect(redactValue(value)).toEqual({ user: 'ann', refreshToken: '[redacted]', headers: { Authorization: '[redacted]' }, list: ['Bearer [redacted]'] });
  });

  it('survives cycles and reduces errors to name and redacted message', () => {
    const value: Record<string, unknown> = { error: new TypeError('Bearer abc failed') };
    value['self'] = value;
    expect(redactValue(value)).toEqual({ error: { name: 'TypeError', message: 'Bearer [redacted] failed' }, self: '[circular]' });
  });
});
