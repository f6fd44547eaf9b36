import { describe, expect, it } from 'vitest';
import { consoleLogger, type ConsoleSink } from '../../src/platform/logger.ts';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.Y2FuYXJ5LXNpZ25hdHVyZQ';

function recordingSink(): ConsoleSink & { lines: unknown[][] } {
  const lines: unknown[][] = [];
  const record = (level: string) => (...args: unknown[]) => void lines.push([level, ...args]);
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

describe('consoleLogger', () => {
  it('writes messages and data with tokens redacted', () => {
    const sink = recordingSink();
    const logger = consoleLogger({ sink });
    logger.warn(`refresh failed for ${TOKEN}`, { accessToken: TOKEN, nested: { note: `Bearer ${TOKEN}` }, generation: 3 });
    expect(sink.lines).toHaveLength(1);
    expect(JSON.stringify(sink.lines)).not.toContain(TOKEN);
    expect(sink.lines[0]).toEqual(['warn', '[session-sync] refresh failed for [redacted]', { accessToken: '[redacted]', nested: { note: 'Bearer [redacted]' }, generation: 3 }]);
  });

  it('drops levels below the threshold', () => {
    const sink = recordingSink();
    const logger = consoleLogger({ sink, level: 'warn', prefix: '[app]' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(sink.lines).toEqual([['warn', '[app] w'], ['error', '[app] e']]);
  });
});
