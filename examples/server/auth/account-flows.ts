import type { Db } from '../db/db.ts';
import type { ServerLogger } from '../server-logger.ts';
import type { AuthService } from './auth-service.ts';
import type { AccountTokens } from './account-tokens.ts';
import { normaliseEmail } from './email.ts';
import { accountLink, type AccountMailer, type AccountMailKind } from './mailer.ts';
import { assertNewPassword, hashPassword } from './passwords.ts';

/** How the account flows behave; see `ServerOptions` for the defaults. */
export interface AccountFlowsConfig {
  /** New accounts can log in at once (App Services' "automatically confirm users"); else they confirm by mail first. */
  autoConfirm: boolean;
  /** Lifetime of confirmation and reset links. */
  tokenTtlSec: number;
  scryptCost: number;
  /** The pages the links open. Functions: the server's own URL, the default's base, is known only once it listens. */
  emailConfirmationUrl: () => string;
  resetPasswordUrl: () => string;
}

/**
 * App Services' email/password account flows as far as a self-hosted server can have them: register
 * (confirmed at once, or pending until the address is confirmed), confirm with a token, resend the
 * confirmation, send a password reset and reset with a token. Tokens go to the mailer and nowhere
 * else: never into an HTTP answer, never into a log (except the development mailer's, whose job it is).
 *
 * The mail requests answer the same whether or not the address has an account, and their work (the
 * lookup, the token, the mail) runs after the answer is sent, so neither the answer nor its timing
 * tells who has an account. Registration does tell (409 `AccountNameInUse`), as in App Services: an
 * account needs a unique name, and the registration throttle bounds how fast anyone can ask.
 *
 * @example
 * const flows = new AccountFlows(db, auth, tokens, mailer, config, logger);
 * await flows.register('ada@example.com', 'secret-123'); // pending when autoConfirm is off: the mailer gets a link
 * await flows.confirm(token, tokenId);                   // from that link; now Ada can log in
 * flows.sendPasswordReset('ada@example.com');            // answers at once; the mailer gets a link
 * await flows.resetPassword(token, tokenId, 'new-secret-456');
 * await flows.idle();                                    // every mail handed to the mailer
 */
export class AccountFlows {
  #db: Db;
  #auth: AuthService;
  #tokens: AccountTokens;
  #mailer: AccountMailer;
  #config: AccountFlowsConfig;
  #logger: ServerLogger;
  #inFlight = new Set<Promise<void>>();

  constructor(db: Db, auth: AuthService, tokens: AccountTokens, mailer: AccountMailer, config: AccountFlowsConfig, logger: ServerLogger) {
    this.#db = db;
    this.#auth = auth;
    this.#tokens = tokens;
    this.#mailer = mailer;
    this.#config = config;
    this.#logger = logger;
  }

  /** Creates the account (409 `AccountNameInUse` when taken); without auto-confirm it is pending and a confirmation mail goes out. */
  async register(email: string, password: string): Promise<void> {
    const { userId } = await this.#auth.createUser({ username: email, password, confirmed: this.#config.autoConfirm });
    if (!this.#config.autoConfirm) this.#inBackground(() => this.#mail(userId, normaliseEmail(email), 'confirm'));
  }

  /** Confirms the account the token was issued for; throws 400 `UserpassTokenInvalid` for any token that does not work. */
  async confirm(token: string, tokenId: string): Promise<void> {
    await this.#db.transaction(async (tx) => {
      const userId = await this.#tokens.redeem(tx, 'confirm', token, tokenId);
      await tx.query('update users set confirmed = true where id = $1', [userId]);
    });
  }

  /** Sends a new confirmation link if `email` has a pending account; otherwise nothing. Returns before any of it. */
  resendConfirmation(email: string): void {
    const name = normaliseEmail(email);
    this.#inBackground(async () => {
      const user = await this.#userByEmail(name);
      if (user && !user.confirmed) await this.#mail(user.id, name, 'confirm');
    });
  }

  /** Sends a reset link if `email` has an account; otherwise nothing. Returns before any of it. */
  sendPasswordReset(email: string): void {
    const name = normaliseEmail(email);
    this.#inBackground(async () => {
      const user = await this.#userByEmail(name);
      if (user) await this.#mail(user.id, name, 'resetPassword');
    });
  }

  /**
   * Sets a new password with a reset token. The address is then proven too, so a pending account
   * becomes confirmed; and every session of the account is revoked, since a reset is what someone does
   * whose password another person may know. Throws 400 `BadRequest` for a bad password, 400
   * `UserpassTokenInvalid` for a token that does not work.
   */
  async resetPassword(token: string, tokenId: string, password: string): Promise<void> {
    assertNewPassword(password);
    // Hashing is the expensive step: a token that does not work is refused before it.
    await this.#tokens.check(this.#db, 'resetPassword', token, tokenId);
    const hash = await hashPassword(password, this.#config.scryptCost);
    const userId = await this.#db.transaction(async (tx) => {
      const owner = await this.#tokens.redeem(tx, 'resetPassword', token, tokenId);
      await tx.query('update users set password_hash = $1, confirmed = true where id = $2', [hash, owner]);
      return owner;
    });
    await this.#auth.revokeSessions(userId);
  }

  /** Resolves once every mail started so far was handed to the mailer (or failed and was logged). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  async #userByEmail(name: string): Promise<{ id: string; confirmed: boolean } | undefined> {
    // As login finds it: names stored before normalisation may hold capitals.
    const [user] = await this.#db.query<{ id: string; confirmed: boolean }>(
      'select id, confirmed from users where lower(username) = lower($1) order by username = $1 desc, created_at limit 1', [name]);
    return user;
  }

  async #mail(userId: string, to: string, kind: AccountMailKind): Promise<void> {
    const { token, tokenId, expiresAt } = await this.#tokens.issue(this.#db, userId, kind, this.#config.tokenTtlSec);
    const page = kind === 'confirm' ? this.#config.emailConfirmationUrl() : this.#config.resetPasswordUrl();
    try {
      await this.#mailer.send({ to, kind, token, tokenId, link: accountLink(page, token, tokenId), expiresAt });
    } catch (error) {
      // A mailer's error may quote what it was sending: the secret is cut out before it is logged.
      const reason = String(error).replaceAll(token, '[token]');
      this.#logger.error('account mail failed', { kind, reason });
    }
  }

  #inBackground(job: () => Promise<void>): void {
    const running: Promise<void> = job()
      .catch((error: unknown) => this.#logger.error('account mail failed', { reason: String(error) }))
      .finally(() => this.#inFlight.delete(running));
    this.#inFlight.add(running);
  }
}
