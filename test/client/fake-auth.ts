// A fake auth server as a plain { login, refresh, logout } object: it issues JWT-shaped tokens from its
// own (possibly skewed) clock, counts calls, and can go offline or revoke sessions. Tokens are built
// synchronously (the client decodes, never verifies), so fake timers fully control every refresh.
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { CustomAuthFunctions } from '../../src/auth/custom-auth.ts';
import { SessionError } from '../../src/errors/session-error.ts';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = {
  sign: async (claims: Record<string, unknown>) =>
    `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}.${randomBytes(32).toString('base64url')}`,
};

export interface FakeAuthOptions {
  accessTtlSec?: number;
  refreshTtlSec?: number;
  /** Server clock − local clock. */
  skewMs?: number;
  /** Marker put into every token, so leak scans can find them. */
  canary?: string;
  customData?: Record<string, unknown>;
}

export type FakeAuth = Awaited<ReturnType<typeof createFakeAuth>>;

export async function createFakeAuth(opts: FakeAuthOptions = {}) {
  const accessTtl = opts.accessTtlSec ?? 1800;
  const refreshTtl = opts.refreshTtlSec ?? 60 * 24 * 3600;
  const calls = { login: 0, refresh: 0, logout: 0 };
  const state = {
    offline: false,
    skewMs: opts.skewMs ?? 0,
    customData: opts.customData ?? { plan: 'free' },
    /** Access tokens the server refuses although they have not expired (e.g. a key rotation). */
    rejectedAccess: new Set<string>(),
    rejectAllAccess: false,
    revokedRefresh: new Set<string>(),
    lastAccess: '',
    lastRefresh: '',
    tokensIssued: [] as string[],
  };
  let serial = 0;
  const serverNow = () => Date.now() + state.skewMs;
  const offline = () => new TypeError('fetch failed');

  const issueAccess = async (userId: string) => {
    const iat = Math.floor(serverNow() / 1000);
    const token = await jwt.sign({ sub: userId, iat, exp: iat + accessTtl, jti: `${opts.canary ?? 'a'}-${++serial}`, user_data: state.customData });
    state.lastAccess = token;
    state.tokensIssued.push(token);
    return token;
  };
  const issueRefresh = async (userId: string) => {
    const iat = Math.floor(serverNow() / 1000);
    const token = await jwt.sign({ sub: userId, iat, exp: iat + refreshTtl, jti: `${opts.canary ?? 'r'}-r${++serial}` });
    state.lastRefresh = token;
    state.tokensIssued.push(token);
    return token;
  };

  const auth: CustomAuthFunctions = {
    async login({ username, password }) {
      calls.login++;
      if (state.offline) throw offline();
      if (password !== 'pw') throw new SessionError('CREDENTIALS_REJECTED', 'invalid username/password', { kind: 'credentialsRejected', status: 401 });
      return { accessToken: await issueAccess(username), refreshToken: await issueRefresh(username), userId: username };
    },
    async refresh(refreshToken) {
      calls.refresh++;
      if (state.offline) throw offline();
      const claims = decodeJwt(refreshToken);
      if (state.revokedRefresh.has(refreshToken) || (claims.exp ?? 0) * 1000 <= serverNow()) {
        throw Object.assign(new Error('invalid session'), { status: 401 });
      }
      return { accessToken: await issueAccess(String(claims.sub)) };
    },
    async logout(refreshToken) {
      calls.logout++;
      if (state.offline) throw offline();
      state.revokedRefresh.add(refreshToken);
    },
  };

  /** What a resource server would decide about this bearer token now. */
  const acceptsAccess = (token: string): boolean => {
    if (state.rejectAllAccess || state.rejectedAccess.has(token)) return false;
    try {
      return (decodeJwt(token).exp ?? 0) * 1000 > serverNow();
    } catch {
      return false;
    }
  };

  return { auth, calls, state, acceptsAccess, serverNow };
}
