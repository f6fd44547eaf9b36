import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every ```ts block of the READMEs is compiled against the real API (the sources, as `session-sync`),
// as a module of its own at the repository's root, so a snippet that drifts from the API fails here.
// What a snippet leaves to the reader (their own functions, a client from the snippet above) is
// declared in AMBIENT, and nowhere else.
const root = fileURLToPath(new URL('../../', import.meta.url));
const READMES = ['README.md', 'examples/README.md', 'examples/server/README.md'];

/** Names the snippets use without defining: the app's own code, or what an earlier snippet made. */
const AMBIENT = `
import type { RxJsonSchema } from 'rxdb';
import type { SyncClient, SyncCollectionOptions } from 'session-sync';
declare global {
  /** The app's own schema (the Sync section shows one). */
  const todoSchema: RxJsonSchema<any>;
  const heroSchema: RxJsonSchema<any>;
  /** A client made by the snippet above. */
  const client: SyncClient<{ todo: SyncCollectionOptions }>;
  /** A GraphQL document of the quick start. */
  const PULL: string;
  /** The app's own UI and HTTP calls. */
  function showLoginDialog(userId: string, waitingChanges: number): void;
  function showLogin(userId: string | undefined): void;
  function render(session: string, sync: string, pendingWrites: number): void;
  const myApi: {
    signIn(username: string, password: string): Promise<{ jwt: string; refreshToken: string }>;
    revoke(refreshToken: string): Promise<void>;
  };
}
export {};
`;

interface Snippet {
  readme: string;
  index: number;
  line: number;
  code: string;
}

function snippets(): Snippet[] {
  const found: Snippet[] = [];
  for (const readme of READMES) {
    const text = readFileSync(`${root}${readme}`, 'utf8');
    const fence = /^```ts\n([\s\S]*?)^```/gm;
    for (let m = fence.exec(text); m; m = fence.exec(text)) {
      const line = text.slice(0, m.index).split('\n').length + 1;
      found.push({ readme, index: found.filter((s) => s.readme === readme).length + 1, line, code: m[1] ?? '' });
    }
  }
  return found;
}

/** Type-checks each snippet as a file of its own; returns `README.md:123: message` per problem. */
function typeCheck(all: Snippet[]): string[] {
  const files = new Map<string, { code: string; snippet?: Snippet }>();
  files.set(`${root}readme-snippets-ambient.d.ts`, { code: AMBIENT });
  for (const snippet of all) {
    // A snippet without imports or exports would be a script sharing one scope with the others.
    files.set(`${root}readme-snippet-${snippet.readme.replace(/\W/g, '-')}-${snippet.index}.ts`, { code: `${snippet.code}\nexport {};\n`, snippet });
  }
  // The repository's own compiler options (strict, exactOptionalPropertyTypes, …), with `session-sync`
  // resolved to the sources.
  const config = ts.getParsedCommandLineOfConfigFile(`${root}tsconfig.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  const options: ts.CompilerOptions = {
    ...config?.options,
    noEmit: true,
    paths: {
      'session-sync': [`${root}src/index.ts`],
      'session-sync/machines': [`${root}machines/index.ts`],
      'session-sync/advanced': [`${root}src/advanced.ts`],
      'session-sync/testing': [`${root}src/testing/index.ts`],
      'session-sync/conformance': [`${root}src/conformance/index.ts`],
    },
  };
  const host = ts.createCompilerHost(options);
  const original = { getSourceFile: host.getSourceFile, fileExists: host.fileExists, readFile: host.readFile };
  host.fileExists = (name) => files.has(name) || original.fileExists(name);
  host.readFile = (name) => files.get(name)?.code ?? original.readFile(name);
  host.getSourceFile = (name, language, ...rest) => {
    const file = files.get(name);
    return file ? ts.createSourceFile(name, file.code, language) : original.getSourceFile(name, language, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const problems: string[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file ? files.get(diagnostic.file.fileName) : undefined;
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    // The repository's own files are `npm run typecheck`'s business.
    if (diagnostic.file && !file) continue;
    if (!file?.snippet || diagnostic.start === undefined || !diagnostic.file) {
      problems.push(`${diagnostic.file?.fileName ?? '(options)'}: ${message}`);
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    problems.push(`${file.snippet.readme}:${file.snippet.line + line}: ${message}`);
  }
  return problems;
}

describe('the README snippets', () => {
  const all = snippets();

  it('are found', () => {
    expect(all.filter((s) => s.readme === 'README.md').length).toBeGreaterThanOrEqual(8);
  });

  it('type-check against the real API', () => {
    expect(typeCheck(all)).toEqual([]);
  }, 120_000);
});
