#!/usr/bin/env node
// `npx session-sync-check --graphql <url> …`: runs checkServer against a server, prints the report,
// exits 0 when every check passed or was skipped, 1 when one failed, 2 when it could not run.
import { parseArgs } from 'node:util';
import { redactSecrets } from '../platform/redact.ts';
import { appServicesLogin } from './app-services-login.ts';
import { checkServer } from './check-server.ts';
import { formatReport } from './report.ts';
import type { CheckServerOptions, ConformanceFieldKind, TokenProvider } from './types.ts';

const USAGE = `usage: session-sync-check --graphql <url> [--ws <url>] <auth> [options]

Runs the session-sync wire contract against a server and prints what holds and what does not.
It writes documents with ids prefixed conformance-<run>- and soft-deletes them at the end.

auth, one of:
  --auth app-services:<baseUrl>,<appId> --user <name> --password <pw> [--user-b <name> --password-b <pw>]
  --token <bearer> [--token-b <bearer>]        (for servers with their own auth)
  passwords and tokens may come from SESSION_SYNC_CHECK_PASSWORD, _PASSWORD_B, _TOKEN, _TOKEN_B instead

options:
  --ws <url>               the graphql-ws stream endpoint; without it the stream checks are skipped
  --expired-token <bearer> an access token the server has let expire (enables auth.*.expired)
  --collection <name>      default todo
  --fields <list>          the collection's fields, name:kind,… (kinds string, boolean, number, integer);
                           default title:string,done:boolean
  --timeout <ms>           per request and per stream wait; default 10000
  --json                   print the report as JSON
  --help`;

class UsageError extends Error {}

/** Parses the command line into checkServer's options (tokens as providers: logins happen in the run). */
function optionsFromArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env): { options: CheckServerOptions; json: boolean } | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        graphql: { type: 'string' },
        ws: { type: 'string' },
        auth: { type: 'string' },
        user: { type: 'string' },
        password: { type: 'string' },
        'user-b': { type: 'string' },
        'password-b': { type: 'string' },
        token: { type: 'string' },
        'token-b': { type: 'string' },
        'expired-token': { type: 'string' },
        collection: { type: 'string' },
        fields: { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (!v.graphql) throw new UsageError('--graphql <url> is required');
  for (const [flag, url] of [['--graphql', v.graphql], ['--ws', v.ws]] as const) {
    if (url !== undefined && !URL.canParse(url)) throw new UsageError(`${flag} must be an absolute URL, got "${url}"`);
  }
  const secrets: string[] = [];
  let userA: TokenProvider;
  let userB: TokenProvider | undefined;
  const token = v.token ?? env['SESSION_SYNC_CHECK_TOKEN'];
  const tokenB = v['token-b'] ?? env['SESSION_SYNC_CHECK_TOKEN_B'];
  if (v.auth !== undefined) {
    if (token !== undefined) throw new UsageError('give either --auth or --token, not both');
    const match = /^app-services:(.+),([^,]+)$/.exec(v.auth);
    if (!match || !URL.canParse(match[1]!)) throw new UsageError('--auth must be app-services:<baseUrl>,<appId>');
    const [baseUrl, appId] = [match[1]!, match[2]!];
    const login = (username: string | undefined, password: string | undefined, which: string): TokenProvider => {
      if (!username || !password) throw new UsageError(`--auth app-services needs ${which}`);
      secrets.push(password);
      return () => appServicesLogin({ baseUrl, appId, username, password });
    };
    userA = login(v.user, v.password ?? env['SESSION_SYNC_CHECK_PASSWORD'], '--user and --password');
    if (v['user-b'] !== undefined) userB = login(v['user-b'], v['password-b'] ?? env['SESSION_SYNC_CHECK_PASSWORD_B'], '--password-b with --user-b');
  } else if (token !== undefined) {
    userA = token;
    userB = tokenB;
  } else {
    throw new UsageError('give the users: --auth app-services:<baseUrl>,<appId> with --user/--password, or --token');
  }
  const options: CheckServerOptions = { graphqlUrl: v.graphql, wsUrl: v.ws, userA, userB, expiredToken: v['expired-token'], secrets };
  if (v.collection !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(v.collection)) throw new UsageError(`--collection "${v.collection}" is not a collection name`);
    options.collection = v.collection;
  }
  if (v.fields !== undefined) options.fields = parseFields(v.fields);
  if (v.timeout !== undefined) {
    const ms = Number(v.timeout);
    if (!Number.isInteger(ms) || ms < 100) throw new UsageError(`--timeout must be a whole number of milliseconds ≥ 100, got "${v.timeout}"`);
    options.timeoutMs = ms;
  }
  return { options, json: v.json === true };
}

function parseFields(list: string): Record<string, ConformanceFieldKind> {
  const kinds = new Set(['string', 'boolean', 'number', 'integer']);
  const fields: Record<string, ConformanceFieldKind> = {};
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, kind] = item.split(':').map((s) => s.trim());
    if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || ['id', 'updatedAt', 'deleted'].includes(name)) throw new UsageError(`--fields: "${item}" is not name:kind`);
    if (!kind || !kinds.has(kind.toLowerCase())) throw new UsageError(`--fields: the kind of "${name}" must be string, boolean, number or integer`);
    fields[name] = kind.toLowerCase() as ConformanceFieldKind;
  }
  if (Object.keys(fields).length === 0) throw new UsageError('--fields names no field');
  return fields;
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof optionsFromArgs>;
  try {
    parsed = optionsFromArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`session-sync-check: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const secrets = [...(parsed.options.secrets ?? []), ...[parsed.options.userA, parsed.options.userB, parsed.options.expiredToken].filter((s): s is string => typeof s === 'string')];
  try {
    const report = await checkServer(parsed.options);
    process.stdout.write(`${parsed.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
    return report.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`session-sync-check: ${redactSecrets(error instanceof Error ? error.message : String(error), secrets)}\n`);
    return 2;
  }
}

// Exits once the report is written: an idle keep-alive connection must not hold the process open.
const code = await main();
process.stdout.write('', () => process.exit(code));
