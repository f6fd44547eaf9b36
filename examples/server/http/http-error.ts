/**
 * A request that ends with `status` and the JSON `body`, thrown from any handler.
 *
 * @example
 * throw new HttpError(413, { error: 'body exceeds 1048576 bytes', error_code: 'BadRequest' });
 */
export class HttpError extends Error {
  override name = 'HttpError';
  readonly status: number;
  readonly body: object;

  constructor(status: number, body: { error?: string; errors?: unknown[]; error_code?: string }) {
    super(body.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}
