import type { AccountMail, AccountMailer, AccountMailKind } from '../../examples/server/auth/mailer.ts';

/** A mailer that keeps what the server sends, for tests to read the links out of. */
export interface TestMailer extends AccountMailer {
  /** Every mail so far, oldest first. */
  readonly sent: AccountMail[];
  /** The next mail of `kind` to `to` not yet taken (waiting for it up to `timeoutMs`). */
  next(to: string, kind: AccountMailKind, timeoutMs?: number): Promise<AccountMail>;
}

/**
 * A mailer for tests: the server hands it mails after answering, so a test awaits the one it expects.
 *
 * @example
 * const mailer = testMailer();
 * const server = await startTestServer({ mailer, autoConfirm: false });
 * await app.emailPasswordAuth.registerUser({ email, password });
 * const { token, tokenId } = await mailer.next(email, 'confirm');
 */
export function testMailer(): TestMailer {
  const sent: AccountMail[] = [];
  const taken = new Set<AccountMail>();
  const waiters = new Set<() => void>();
  const find = (to: string, kind: AccountMailKind) => sent.find((mail) => !taken.has(mail) && mail.to === to && mail.kind === kind);
  return {
    sent,
    async send(mail) {
      sent.push(mail);
      for (const wake of [...waiters]) wake();
    },
    next(to, kind, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = find(to, kind);
          if (!mail) return;
          taken.add(mail);
          waiters.delete(check);
          clearTimeout(timer);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${kind} mail to ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
