import type { ServerLogger } from '../server-logger.ts';

/** What an account mail is for: confirming a new address, or resetting a forgotten password. */
export type AccountMailKind = 'confirm' | 'resetPassword';

/**
 * One mail of the email/password account flows. `token` and `tokenId` are what the app's page passes
 * to `confirmUser` / `resetPassword`; `link` is the configured page URL with both as query parameters,
 * as App Services built it (`?token=…&tokenId=…`). The token is a secret: whoever holds it confirms
 * the account or sets its password, until it is used or expires.
 */
export interface AccountMail {
  /** The account's normalised email. */
  to: string;
  kind: AccountMailKind;
  token: string;
  tokenId: string;
  link: string;
  /** When the token stops working, epoch ms on the server clock. */
  expiresAt: number;
}

/**
 * Delivers account mails (SMTP, a mail API, a queue). The server calls `send` after it has answered
 * the request, so a slow or failing mailer never shows in response times (which would tell whether an
 * address has an account); a rejection is logged without the token.
 *
 * @example
 * const mailer: AccountMailer = {
 *   async send(mail) {
 *     await smtp.sendMail({ to: mail.to, subject: mail.kind === 'confirm' ? 'Confirm your address' : 'Reset your password', text: mail.link });
 *   },
 * };
 * await startServer({ mailer, autoConfirm: false, emailConfirmationUrl: 'https://app.example.com/confirm' });
 */
export interface AccountMailer {
  send(mail: AccountMail): Promise<void>;
}

/**
 * The default mailer, for development: it writes the link to the server log at info level. This is
 * the one place a token is ever logged, and that is its purpose (you click the link from the log);
 * give a production server a real mailer.
 *
 * @example
 * await startServer({ mailer: logMailer(consoleLogger) });
 * // info: account mail { to: 'ada@example.com', kind: 'confirm', link: 'http://127.0.0.1:4000/confirm-email?token=…&tokenId=…' }
 */
export function logMailer(logger: ServerLogger): AccountMailer {
  return {
    async send(mail) {
      logger.info('account mail (development mailer: the link below is a secret)', { to: mail.to, kind: mail.kind, link: mail.link });
    },
  };
}

/**
 * `page` with `token` and `tokenId` added as query parameters (kept alongside any it already has).
 *
 * @example
 * accountLink('https://app.example.com/confirm', 'secret', 'id-1'); // 'https://app.example.com/confirm?token=secret&tokenId=id-1'
 */
export function accountLink(page: string, token: string, tokenId: string): string {
  const url = new URL(page);
  url.searchParams.set('token', token);
  url.searchParams.set('tokenId', tokenId);
  return url.toString();
}
