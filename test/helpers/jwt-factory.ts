import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** Claims of a test token; times are epoch seconds, like in a JWT. */
export interface TestJwtClaims {
  sub?: string;
  iat?: number;
  exp?: number;
  /** Usually an object; anything goes, to test malformed claims. */
  user_data?: unknown;
  [claim: string]: unknown;
}

/** Signs test JWTs with one ES256 key pair of its own. */
export interface JwtFactory {
  /** A compact ES256 JWT with exactly the given claims (omit `iat`/`exp` to leave them out). */
  sign(claims: TestJwtClaims): Promise<string>;
  /** The public key, for servers under test that verify. */
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * Creates a factory of signed test JWTs (ES256, fresh key pair per factory: no shared state
 * between tests).
 *
 * @example
 * ```ts
 * const jwt = await createJwtFactory();
 * const token = await jwt.sign({ sub: 'u1', iat: 1_700_000_000, exp: 1_700_001_800, user_data: { plan: 'pro' } });
 * ```
 */
export async function createJwtFactory(): Promise<JwtFactory> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return {
    publicKey,
    publicJwk,
    sign: (claims) => new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(privateKey),
  };
}
