/** Where the server reports what it does; never given a token. */
export interface ServerLogger {
  info(message: string, data?: object): void;
  warn(message: string, data?: object): void;
  error(message: string, data?: object): void;
}

/**
 * A logger that drops everything: the default, so tests stay quiet.
 *
 * @example
 * await startServer({ logger: silentServerLogger });
 */
export const silentServerLogger: ServerLogger = { info() {}, warn() {}, error() {} };
