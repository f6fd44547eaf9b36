const MAX_MESSAGE_LENGTH = 200;

// Control characters and unpaired surrogate halves: a message sent back to a client must be plain text.
const UNPRINTABLE = /[\u0000-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The message of a PostgreSQL data exception (SQLSTATE class 22: a value the database cannot store,
 * such as 22P05 untranslatable character, 22021 bad byte sequence, 22P02 bad input syntax), made safe
 * to send to a client; null for any other error. PGlite and node-postgres both set `code`.
 *
 * @example
 * try { await tx.query(sql, params); }
 * catch (error) { const refusal = dataExceptionMessage(error); if (refusal === null) throw error; }
 */
export function dataExceptionMessage(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !/^22[0-9A-Z]{3}$/.test(code)) return null;
  const text = String(message ?? '');
  // Clipped first, so a surrogate pair cut in two is replaced as well.
  const clipped = text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH)}…` : text;
  return `${clipped.replace(UNPRINTABLE, '\uFFFD')} (SQLSTATE ${code})`;
}
