import { redactSecrets, redactValue } from './redact.ts';

/**
 * Where the library writes diagnostics. Inject your own to route them to your logging; messages and
 * data are structured, and the built-in loggers redact anything token-shaped.
 *
 * @example
 * ```ts
 * const logger: Logger = { ...silentLogger, warn: (msg, data) => report(msg, data) };
 * ```
 */
export interface Logger {
  debug(msg: string, data?: object): void;
  info(msg: string, data?: object): void;
  warn(msg: string, data?: object): void;
  error(msg: string, data?: object): void;
}

/**
 * Log levels from most to least verbose.
 *
 * @example
 * ```ts
 * consoleLogger({ level: 'warn' satisfies LogLevel });
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const noop = (): void => {};

/**
 * A logger that drops everything: the default.
 *
 * @example
 * ```ts
 * createSyncClient({ logger: silentLogger, ... });
 * ```
 */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Where {@link consoleLogger} writes: the global `console` by default.
 *
 * @example
 * ```ts
 * consoleLogger({ sink: { debug() {}, info() {}, warn: report, error: report } });
 * ```
 */
export type ConsoleSink = Pick<Console, LogLevel>;

/**
 * A logger writing to the console (or any console-shaped sink), with every message and data value
 * passed through the redactor first, so a token that slips into a log line never reaches the output.
 *
 * @example
 * ```ts
 * const logger = consoleLogger({ level: 'info' });
 * logger.info('refreshed', { accessExpiresAt }); // console.info('[session-sync] refreshed', {...})
 * ```
 */
export function consoleLogger(opts: { level?: LogLevel; sink?: ConsoleSink; prefix?: string } = {}): Logger {
  const sink = opts.sink ?? globalThis.console;
  const prefix = opts.prefix ?? '[session-sync]';
  const threshold = LEVELS.indexOf(opts.level ?? 'debug');
  const write = (level: LogLevel) => (msg: string, data?: object): void => {
    if (LEVELS.indexOf(level) < threshold) return;
    const line = `${prefix} ${redactSecrets(msg)}`;
    if (data === undefined) sink[level](line);
    else sink[level](line, redactValue(data));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
