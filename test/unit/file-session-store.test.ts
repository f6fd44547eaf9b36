import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/platform/logger.ts';
import { fileSessionStore } from '../../src/session/file-session-store.ts';
import { storedSession } from './session-fixture.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'session-store-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return { warnings, debug: noop, info: noop, error: noop, warn: (msg) => void warnings.push(msg) };
}

describe('fileSessionStore', () => {
  it('loads a missing file as null', async () => {
    expect(await fileSessionStore({ path: join(dir, 'none.json') }).load()).toBeNull();
  });

  it('creates the directory, writes mode 0600, and loads what it saved', async () => {
    const path = join(dir, 'nested', 'deeper', 'session.json');
    const store = fileSessionStore({ path });
    await store.save(storedSession());
    expect(await store.load()).toEqual(storedSession());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o077).toBe(0);
  });

  it('replaces the file atomically and leaves no temp files behind', async () => {
    const path = join(dir, 'session.json');
    const store = fileSessionStore({ path });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(storedSession({ accessToken: `access-${i}` }))));
    const loaded = await store.load();
    // Whichever write landed last, the file holds one whole session, never a mix.
    expect(loaded?.accessToken).toMatch(/^access-\d+$/);
    expect(await readdir(dir)).toEqual(['session.json']);
  });

  it('keeps the mode 0600 when overwriting a file that had wider permissions', async () => {
    const path = join(dir, 'session.json');
    await writeFile(path, '{}', { mode: 0o644 });
    await fileSessionStore({ path }).save(storedSession());
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('clears by deleting the file, and clearing twice is fine', async () => {
    const path = join(dir, 'session.json');
    const store = fileSessionStore({ path });
    await store.save(storedSession());
    await store.clear();
    await store.clear();
    expect(await readdir(dir)).toEqual([]);
    expect(await store.load()).toBeNull();
  });

  it.each([
    ['truncated JSON', '{"version":1,"userId":"user-1","accessTok'],
    ['a wrong version', JSON.stringify({ ...storedSession(), version: 0 })],
    ['a missing field', JSON.stringify({ ...storedSession(), refreshToken: undefined })],
    ['an empty file', ''],
  ])('loads %s as null, logs it, and leaves the file for inspection until the next save', async (_name, text) => {
    const path = join(dir, 'session.json');
    await writeFile(path, text);
    const logger = recordingLogger();
    const store = fileSessionStore({ path, logger });
    expect(await store.load()).toBeNull();
    expect(logger.warnings).toHaveLength(1);
    expect(await readFile(path, 'utf8')).toBe(text);
    await store.save(storedSession());
    expect(await store.load()).toEqual(storedSession());
  });

  it('surfaces an unreadable path instead of pretending there is no session', async () => {
    await expect(fileSessionStore({ path: dir }).load()).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
