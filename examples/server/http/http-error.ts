/**
 * A request that ends with `status`, the JSON `body` and extra response `headers`, thrown from any handler.
 *
 * @example
 * throw new HttpError(413, { error: 'body exceeds 1048576 bytes', error_code: 'BadRequest' }, { connection: 'close' });
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly body: object;
  readonly headers: Record<string, string>;

  constructor(status: number, body: { error?: string; errors?: unknown[]; error_code?: string }, headers: Record<string, string> = {}) {
    super(body.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}
