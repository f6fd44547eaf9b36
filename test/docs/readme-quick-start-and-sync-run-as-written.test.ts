import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { startTestServer } from '../helpers/server-lanes.ts';

// The README's quick start and its Sync snippet, run as a reader runs them, one after the other
// against one reference server (only its port differs from the README's 4000): the user the README
// registers logs in, the quick start prints the documents, and the Sync snippet's todo is a new one
// that the server keeps as written (it does not reuse the quick start's id).
const root = fileURLToPath(new URL('../../', import.meta.url));

/** The first ```ts block after the heading `## <section>`. */
async function snippetAfter(section: string): Promise<string> {
  const readme = await readFile(`${root}README.md`, 'utf8');
  const at = readme.indexOf(`\n## ${section}\n`);
  const block = /^```ts\n([\s\S]*?)^```/m.exec(readme.slice(at));
  if (at < 0 || !block?.[1]) throw new Error(`no ts block after "## ${section}"`);
  return block[1];
}

function run(file: string, cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('the README quick start and Sync snippet', () => {
  let server: SyncServer;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer({ port: 0 });
    // What the README's curl registration does.
    await server.createUser({ username: 'ada@example.com', password: 'correct horse battery' });
    // Inside the repository (.data/ is gitignored), so that `rxdb` and the other packages resolve as
    // they do in an app; not under node_modules, where tsx would not apply the tsconfig's paths.
    await mkdir(`${root}.data`, { recursive: true });
    dir = await mkdtemp(`${root}.data/readme-run-`);
    // `session-sync` is this repository's sources (the package itself is built from them).
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { paths: { 'session-sync': [`${root}src/index.ts`] } } }));
  });

  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('run in order, print readable documents, and keep both todos on the server', async () => {
    const onPort = (code: string) => code.replaceAll('127.0.0.1:4000', `127.0.0.1:${server.port}`);
    await writeFile(join(dir, 'quickstart.mts'), onPort(await snippetAfter('Quick start')));
    await writeFile(join(dir, 'sync.mts'), onPort(await snippetAfter('Sync')));

    const quick = await run('quickstart.mts', dir);
    expect(quick.code, quick.out).toBe(0);
    expect(quick.out).toContain('session: active');
    // console.table: a header row and one row per document, not "[Object]".
    expect(quick.out).toMatch(/│\s*id\s*│\s*title\s*│\s*done\s*│\s*updatedAt\s*│/);
    expect(quick.out).toMatch(/'todo-1'\s*│\s*'Try session-sync'/);
    expect(quick.out).not.toContain('[Object]');

    const sync = await run('sync.mts', dir);
    expect(sync.code, sync.out).toBe(0);
    const docs = await readDocumentsOf(server, 'ada@example.com');
    expect(docs).toEqual([
      { id: 'todo-1', title: 'Try session-sync' },
      { id: 'todo-2', title: 'milk' },
    ]);
  }, 120_000);
});

/** The live todos of a user, by logging in as them to learn their id (the operator API takes ids). */
async function readDocumentsOf(server: SyncServer, username: string): Promise<{ id: string; title: string }[]> {
  const response = await fetch(`${server.authUrl}/app/${server.appId}/auth/providers/local-userpass/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery' }),
  });
  const { user_id: userId } = (await response.json()) as { user_id: string };
  const docs = await server.readDocuments(userId, 'todo');
  return docs.filter((d) => !d.deleted).map((d) => ({ id: d.id, title: String(d['title']) })).sort((a, b) => (a.id < b.id ? -1 : 1));
}
