import * as Realm from 'realm-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { customDataPath, graphql, PULL_TODO, PUSH_TODO, request, SESSION_PATH, todo } from '../helpers/server-requests.ts';
import { testMailer, type TestMailer } from '../helpers/test-mailer.ts';

// realm-web 2.0.1, the client App Services shipped for the web, exactly as it is on the registry:
// its Node build runs on Node 20's fetch with its in-memory storage, nothing patched.
const ADMIN_KEY = 'realm-web-test-admin-key-0123456789abcdef';

let apps = 0;

/** A realm-web app pointed at the server as a migrating team would, with a storage of its own. */
function realmApp(server: SyncServer): Realm.App {
  // realm-web's default storage is one object per process: a prefix keeps each app's users apart.
  const storage = Realm.getEnvironment().defaultStorage.prefix(`test-${++apps}`);
  return new Realm.App({ id: server.appId, baseUrl: server.httpUrl, storage });
}

/** The MongoDBRealmError `work` rejects with. */
async function realmError(work: Promise<unknown>): Promise<Realm.MongoDBRealmError> {
  const error = await work.then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(Realm.MongoDBRealmError);
  return error as Realm.MongoDBRealmError;
}

const PASSWORD = 'correct horse battery';
let emails = 0;
const freshEmail = () => `realm-${process.pid}-${++emails}@example.com`;

describe.each(serverLanes)('realm-web 2.0.1 against the reference server ($name)', (lane) => {
  let running: LaneServer;
  let server: SyncServer;
  let mailer: TestMailer;

  beforeAll(async () => {
    mailer = testMailer();
    running = await startLaneServer(lane, { autoConfirm: false, mailer, adminKey: ADMIN_KEY, accessTokenTtlSec: 60 });
    server = running.server;
  });
  afterAll(() => running.close());

  /** Registers through realm-web and confirms with the token the mailer got. */
  async function confirmedUser(app: Realm.App, email = freshEmail()): Promise<string> {
    await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
    const { token, tokenId } = await mailer.next(email, 'confirm');
    await app.emailPasswordAuth.confirmUser({ token, tokenId });
    return email;
  }

  it('asks the location first and is sent back to this server', async () => {
    const res = await request(server, 'GET', `/api/client/v2.0/app/${server.appId}/location`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deployment_model: 'LOCAL', location: 'self-hosted', hostname: server.httpUrl, ws_hostname: server.httpUrl.replace('http', 'ws') });
  });

  it('registers, confirms with the mailed token, logs in and reads the App Services profile', async () => {
    const app = realmApp(server);
    const email = freshEmail();
    await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
    const mail = await mailer.next(email, 'confirm');
    expect(mail.link).toBe(`${server.httpUrl}/confirm-email?token=${mail.token}&tokenId=${mail.tokenId}`);
    await app.emailPasswordAuth.confirmUser({ token: mail.token, tokenId: mail.tokenId });

    const user = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
    expect(app.currentUser).toBe(user);
    expect(user.id).toMatch(/^[0-9a-f]{24}$/);
    expect(user.providerType).toBe('local-userpass');
    expect(user.profile).toEqual({ email });
    expect(user.identities).toEqual([{ id: user.id, providerType: 'local-userpass' }]);
    expect(user.deviceId).toMatch(/^[0-9a-f]{24}$/);
    expect(user.customData).toEqual({});
    expect(user.state).toBe(Realm.UserState.Active);
  });

  it('resends the confirmation mail: only the newest link confirms', async () => {
    const app = realmApp(server);
    const email = freshEmail();
    await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
    const first = await mailer.next(email, 'confirm');
    await app.emailPasswordAuth.resendConfirmationEmail({ email });
    const second = await mailer.next(email, 'confirm');
    expect(second.tokenId).not.toBe(first.tokenId);
    const stale = await realmError(app.emailPasswordAuth.confirmUser({ token: first.token, tokenId: first.tokenId }));
    expect([stale.statusCode, stale.errorCode]).toEqual([400, 'UserpassTokenInvalid']);
    await app.emailPasswordAuth.confirmUser({ token: second.token, tokenId: second.tokenId });
    await expect(app.logIn(Realm.Credentials.emailPassword(email, PASSWORD))).resolves.toBeInstanceOf(Realm.User);
  });

  it('sees custom data the operator set through the admin route after refreshCustomData(), and its access token pulls and pushes over GraphQL', async () => {
    const app = realmApp(server);
    const email = await confirmedUser(app);
    const user = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));

    const set = await request(server, 'PUT', customDataPath(user.id), { plan: 'pro', seats: 5 }, ADMIN_KEY);
    expect(set.status).toBe(204);
    expect(user.customData).toEqual({});
    await expect(user.refreshCustomData()).resolves.toEqual({ plan: 'pro', seats: 5 });
    expect(user.customData).toEqual({ plan: 'pro', seats: 5 });

    const pushed = await graphql(server, user.accessToken!, PUSH_TODO, { rows: [{ newDocumentState: todo('from-realm-web', 'written with a realm-web token') }] });
    expect(pushed.status).toBe(200);
    expect(pushed.body).toEqual({ data: { pushTodo: [] } });
    const pulled = await graphql(server, user.accessToken!, PULL_TODO, { checkpoint: null, limit: 10 });
    expect(pulled.status).toBe(200);
    expect(pulled.body.data.pullTodo.documents).toMatchObject([{ id: 'from-realm-web', title: 'written with a realm-web token', deleted: false }]);
  });

  it('refreshes its access token when asked, and by itself once the old one expired', async () => {
    const app = realmApp(server);
    const email = await confirmedUser(app);
    const user = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
    const first = user.accessToken;
    const before = server.stats().refreshes;

    await user.refreshAccessToken();
    expect(user.accessToken).not.toBe(first);
    expect(server.stats().refreshes).toBe(before + 1);

    // The server moves 61 s on: the access token has expired, the profile answers 401 InvalidSession,
    // and realm-web refreshes and asks again, as it did against App Services.
    server.shiftClock(61_000);
    try {
      await user.refreshProfile();
    } finally {
      server.shiftClock(-61_000);
    }
    expect(user.profile).toEqual({ email });
    expect(server.stats().refreshes).toBe(before + 2);
    expect((await graphql(server, user.accessToken!, PULL_TODO, { checkpoint: null, limit: 1 })).status).toBe(200);
  });

  it('resets a forgotten password with the mailed token and logs in with the new one; the old password and the used token stop working', async () => {
    const app = realmApp(server);
    const email = await confirmedUser(app);
    await app.emailPasswordAuth.sendResetPasswordEmail({ email });
    const { token, tokenId, link } = await mailer.next(email, 'resetPassword');
    expect(link).toBe(`${server.httpUrl}/reset-password?token=${token}&tokenId=${tokenId}`);
    await app.emailPasswordAuth.resetPassword({ token, tokenId, password: 'a brand new secret' });

    const user = await app.logIn(Realm.Credentials.emailPassword(email, 'a brand new secret'));
    expect(user.profile).toEqual({ email });
    const oldPassword = await realmError(app.logIn(Realm.Credentials.emailPassword(email, PASSWORD)));
    expect([oldPassword.statusCode, oldPassword.errorCode]).toEqual([401, 'InvalidPassword']);
    const reused = await realmError(app.emailPasswordAuth.resetPassword({ token, tokenId, password: 'yet another secret' }));
    expect([reused.statusCode, reused.errorCode]).toEqual([400, 'UserpassTokenInvalid']);
  });

  it('logs out: the user is gone from the app and the refresh token it held is refused with InvalidSession', async () => {
    const app = realmApp(server);
    const email = await confirmedUser(app);
    const user = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
    const { refreshToken, accessToken } = user;
    const logoutsBefore = server.stats().logouts;

    await user.logOut();
    expect(server.stats().logouts).toBe(logoutsBefore + 1);
    expect(app.currentUser).toBeNull();
    expect(user.state).toBe(Realm.UserState.LoggedOut);
    const refresh = await request(server, 'POST', SESSION_PATH, undefined, refreshToken!);
    expect(refresh.status).toBe(401);
    expect(refresh.body.error_code).toBe('InvalidSession');
    expect((await graphql(server, accessToken!, PULL_TODO, { checkpoint: null, limit: 1 })).status).toBe(401);
  });

  describe('errors become MongoDBRealmError with App Services’ statusCode and errorCode', () => {
    it('wrong password and unknown user: 401 InvalidPassword, the same message for both', async () => {
      const app = realmApp(server);
      const email = await confirmedUser(app);
      const wrong = await realmError(app.logIn(Realm.Credentials.emailPassword(email, 'not the password')));
      const unknown = await realmError(app.logIn(Realm.Credentials.emailPassword(freshEmail(), 'not the password')));
      expect([wrong.statusCode, wrong.errorCode, wrong.error]).toEqual([401, 'InvalidPassword', 'invalid username/password']);
      expect([unknown.statusCode, unknown.errorCode, unknown.error]).toEqual([401, 'InvalidPassword', 'invalid username/password']);
      expect(app.currentUser).toBeNull();
    });

    it('name in use: 409 AccountNameInUse, whatever the case of the address', async () => {
      const app = realmApp(server);
      const email = await confirmedUser(app);
      const taken = await realmError(app.emailPasswordAuth.registerUser({ email: email.toUpperCase(), password: PASSWORD }));
      expect([taken.statusCode, taken.errorCode]).toEqual([409, 'AccountNameInUse']);
    });

    it('invalid session: 401 InvalidSession once the operator revoked the sessions, and realm-web drops the tokens', async () => {
      const app = realmApp(server);
      const email = await confirmedUser(app);
      const user = await app.logIn(Realm.Credentials.emailPassword(email, PASSWORD));
      await server.revokeSessions(user.id);
      const revoked = await realmError(user.refreshAccessToken());
      expect([revoked.statusCode, revoked.errorCode]).toEqual([401, 'InvalidSession']);
      expect(user.state).toBe(Realm.UserState.LoggedOut);
      expect(app.currentUser).toBeNull();
    });

    it('bad and used confirmation tokens: 400 UserpassTokenInvalid; an unconfirmed account cannot log in', async () => {
      const app = realmApp(server);
      const email = freshEmail();
      await app.emailPasswordAuth.registerUser({ email, password: PASSWORD });
      const { token, tokenId } = await mailer.next(email, 'confirm');

      const pending = await realmError(app.logIn(Realm.Credentials.emailPassword(email, PASSWORD)));
      expect([pending.statusCode, pending.errorCode, pending.error]).toEqual([401, 'AuthError', 'confirmation required']);
      const bad = await realmError(app.emailPasswordAuth.confirmUser({ token: 'e30', tokenId }));
      expect([bad.statusCode, bad.errorCode, bad.error]).toEqual([400, 'UserpassTokenInvalid', 'invalid token data']);
      const malformed = await realmError(app.emailPasswordAuth.confirmUser({ token, tokenId: 'some-token-id' }));
      expect([malformed.statusCode, malformed.errorCode]).toEqual([400, 'UserpassTokenInvalid']);

      await app.emailPasswordAuth.confirmUser({ token, tokenId });
      const used = await realmError(app.emailPasswordAuth.confirmUser({ token, tokenId }));
      expect([used.statusCode, used.errorCode]).toEqual([400, 'UserpassTokenInvalid']);
      await expect(app.logIn(Realm.Credentials.emailPassword(email, PASSWORD))).resolves.toBeInstanceOf(Realm.User);
    });

    it('the flows App Services ran as functions: 400 BadRequest naming the mail flow instead', async () => {
      const app = realmApp(server);
      const email = freshEmail();
      const confirmCall = await realmError(app.emailPasswordAuth.retryCustomConfirmation({ email }));
      expect([confirmCall.statusCode, confirmCall.errorCode]).toEqual([400, 'BadRequest']);
      const resetCall = await realmError(app.emailPasswordAuth.callResetPasswordFunction({ email, password: PASSWORD }));
      expect([resetCall.statusCode, resetCall.errorCode]).toEqual([400, 'BadRequest']);
      expect(resetCall.error).toContain('mail');
    });
  });
});
