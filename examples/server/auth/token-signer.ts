import {
  SignJWT, calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify,
  type CryptoKey, type JWK, type JWTPayload,
} from 'jose';
import type { ServerClock } from '../clock.ts';
import type { Db } from '../db/db.ts';

const ALG = 'ES256';
/** Arbitrary constant key: only one process creates the signing key. */
const KEY_LOCK = 741_852_964;

/** Why a token was refused; the message never contains the token. */
export class TokenRejected extends Error {
  override name = 'TokenRejected';
}

/** `access` tokens authorise data requests; `refresh` tokens only mint new access tokens. */
export type TokenType = 'access' | 'refresh';

const REASONS: Record<string, string> = {
  ERR_JWT_EXPIRED: 'token expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'token signature is invalid',
  ERR_JOSE_ALG_NOT_ALLOWED: `token algorithm is not allowed (expected ${ALG})`,
  ERR_JOSE_NOT_SUPPORTED: `token algorithm is not allowed (expected ${ALG})`,
  ERR_JWKS_NO_MATCHING_KEY: 'token is signed by an unknown key',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'token is signed by an unknown key',
  ERR_JWS_INVALID: 'token is malformed',
  ERR_JWT_INVALID: 'token is malformed',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'token claims are invalid',
};

/**
 * Signs and verifies the server's JWTs with one ES256 key kept in the database, on the server clock.
 *
 * @example
 * const signer = await TokenSigner.load(db, clock);
 * const { token } = await signer.sign('access', { sub: userId }, 1800);
 * const claims = await signer.verify(token, 'access');
 */
export class TokenSigner {
  #privateKey: CryptoKey;
  #kid: string;
  #publicJwk: JWK;
  #keySet: ReturnType<typeof createLocalJWKSet>;
  #clock: ServerClock;

  private constructor(privateKey: CryptoKey, kid: string, publicJwk: JWK, clock: ServerClock) {
    this.#privateKey = privateKey;
    this.#kid = kid;
    this.#publicJwk = publicJwk;
    this.#keySet = createLocalJWKSet({ keys: [publicJwk] });
    this.#clock = clock;
  }

  /** Loads the signing key from the database, creating it on first start. */
  static async load(db: Db, clock: ServerClock): Promise<TokenSigner> {
    const privateJwk = await db.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [KEY_LOCK]);
      const [row] = await tx.query<{ private_jwk: JWK }>('select private_jwk from signing_keys order by created_at limit 1');
      if (row) return row.private_jwk;
      const { privateKey } = await generateKeyPair(ALG, { extractable: true });
      const jwk = await exportJWK(privateKey);
      const kid = await calculateJwkThumbprint(jwk);
      await tx.query('insert into signing_keys (kid, private_jwk, created_at) values ($1, $2, $3)', [kid, jwk, Date.now()]);
      return jwk;
    });
    const { d: _secret, ...publicPart } = privateJwk;
    const kid = await calculateJwkThumbprint(publicPart);
    const publicJwk: JWK = { ...publicPart, kid, alg: ALG, use: 'sig' };
    const privateKey = (await importJWK(privateJwk, ALG)) as CryptoKey;
    return new TokenSigner(privateKey, kid, publicJwk, clock);
  }

  /** The public keys, as served at `/.well-known/jwks.json`. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.#publicJwk] };
  }

  /** Signs `claims` as a `type` token living `ttlSec` seconds from the server clock's now. */
  async sign(type: TokenType, claims: JWTPayload, ttlSec: number): Promise<{ token: string; exp: number }> {
    const iat = Math.floor(this.#clock.now() / 1000);
    const exp = iat + ttlSec;
    const token = await new SignJWT({ ...claims, typ: type })
      .setProtectedHeader({ alg: ALG, kid: this.#kid, typ: 'JWT' })
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.#privateKey);
    return { token, exp };
  }

  /** Verifies signature, algorithm, expiry (on the server clock) and type; throws `TokenRejected`. */
  async verify(token: string, type: TokenType): Promise<JWTPayload & { sub: string }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keySet, {
        algorithms: [ALG],
        currentDate: new Date(this.#clock.now()),
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new TokenRejected((typeof code === 'string' && REASONS[code]) || 'token is invalid');
    }
    if (payload.typ !== type) throw new TokenRejected(`not ${type === 'access' ? 'an access' : 'a refresh'} token`);
    return payload as JWTPayload & { sub: string };
  }
}
