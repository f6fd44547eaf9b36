// A JWT is three base64url segments; its header always starts with `{"`, which encodes to `eyJ`.
const JWT = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer)\s+[^\s"',;]+/gi;
const BASIC = /\b(Basic)\s+[A-Za-z0-9+/]{8,}={0,2}/g;
const SECRET_FIELDS = 'access_token|refresh_token|id_token|accessToken|refreshToken|idToken|client_secret|password|token';
// "field": "value" inside JSON text.
const JSON_FIELD = new RegExp(`("(?:${SECRET_FIELDS})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'g');
// field=value inside form-encoded bodies or query strings.
const FORM_FIELD = new RegExp(`(\\b(?:${SECRET_FIELDS})=)[^&\\s"']+`, 'g');
const SECRET_KEY = new RegExp(`^(?:${SECRET_FIELDS}|authorization)$`, 'i');

/**
 * What a redacted secret is replaced with.
 *
 * @example
 * ```ts
 * redactSecrets('Bearer x') === `Bearer ${REDACTED}`; // true
 * ```
 */
export const REDACTED = '[redacted]';

/**
 * Replaces anything that looks like a credential in free text: JWT-shaped strings, `Bearer …`/`Basic …`
 * values, token/password fields in JSON or form-encoded text, and any of the `known` secret values
 * (an opaque token does not look like one). A last line of defence: code should not put secrets in
 * text in the first place.
 *
 * @example
 * ```ts
 * redactSecrets('Authorization: Bearer abc.def'); // 'Authorization: Bearer [redacted]'
 * redactSecrets('{"refresh_token":"r1"}');         // '{"refresh_token":"[redacted]"}'
 * redactSecrets('bad token rt-123', ['rt-123']);   // 'bad token [redacted]'
 * ```
 */
export function redactSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  // Very short values would blank ordinary words; real secrets are longer.
  for (const secret of known) if (secret.length >= 3) out = out.split(secret).join(REDACTED);
  return out
    .replace(JWT, REDACTED)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(BASIC, `$1 ${REDACTED}`)
    .replace(JSON_FIELD, `$1"${REDACTED}"`)
    .replace(FORM_FIELD, `$1${REDACTED}`);
}

/**
 * Deep-copies a value for logging with every string redacted and every secret-named key
 * (`accessToken`, `refresh_token`, `password`, `authorization`, …) blanked. Cycles become `[circular]`.
 *
 * @example
 * ```ts
 * redactValue({ user: 'ann', refreshToken: 'r1' }); // { user: 'ann', refreshToken: '[redacted]' }
 * ```
 */
export function redactValue(value: unknown): unknown {
  return redactInner(value, new WeakSet());
}

function redactInner(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    return { name: value.name, message: redactSecrets(value.message) };
  }
  if (Array.isArray(value)) return value.map((item) => redactInner(item, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redactInner(item, seen);
  }
  return out;
}
