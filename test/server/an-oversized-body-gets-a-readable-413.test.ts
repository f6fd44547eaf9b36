import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCARD_FACTOR } from '../../examples/server/http/discard-body.ts';
import type { ServerLogger } from '../../examples/server/server-logger.ts';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { loginPath, PULL_TODO, signedInUser, type SignedInUser } from '../helpers/server-requests.ts';

const MiB = 1024 * 1024;
const LIMIT = MiB; // the server's default body limit
const TOO_LARGE = `request body exceeds ${LIMIT} bytes`;

/** A well-formed JSON body of about `bytes` bytes. */
const paddedBody = (bytes: number): string => JSON.stringify({ query: PULL_TODO, variables: { checkpoint: null, limit: 1, pad: 'x'.repeat(bytes) } });

/** What a Node client read back over one connection of a keep-alive agent. */
interface RawAnswer { status: number; body: string; reusedSocket: boolean; connection: string | undefined }

/** POSTs over `agent`, with a content-length, or chunked in 64 KiB pieces when `chunked`. */
function post(agent: Agent, url: string, body: string, headers: Record<string, string>, chunked = false): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', ...headers, ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), reusedSocket: req.reusedSocket, connection: res.headers.connection }));
    });
    req.on('error', reject);
    if (chunked) {
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.slice(at, at + 64 * 1024));
      req.end();
    } else {
      req.end(body);
    }
  });
}

describe.each(serverLanes)('an oversized body ($name)', (lane) => {
  let running: LaneServer;
  let user: SignedInUser;
  beforeAll(async () => {
    running = await startLaneServer(lane);
    user = await signedInUser(running.server);
  });
  afterAll(() => running.close());

  const graphqlHeaders = () => ({ 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` });

  it.each([1.5, 5])('gets a readable 413 on /graphql for a %s MiB body, every time, with fetch', async (mib) => {
    const body = paddedBody(mib * MiB);
    for (let attempt = 0; attempt < 20; attempt++) {
      const res = await fetch(running.server.graphqlUrl, { method: 'POST', headers: graphqlHeaders(), body });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ errors: [{ message: TOO_LARGE, extensions: { code: 'BAD_REQUEST' } }] });
    }
    const after = await fetch(running.server.graphqlUrl, { method: 'POST', headers: graphqlHeaders(), body: JSON.stringify({ query: PULL_TODO, variables: { limit: 1 } }) });
    expect(after.status).toBe(200);
  });

  it.each([1.5, 5])('gets a readable 413 on the login route for a %s MiB body, every time, with fetch', async (mib) => {
    const body = JSON.stringify({ username: 'x'.repeat(mib * MiB), password: 'y' });
    for (let attempt = 0; attempt < 20; attempt++) {
      const res = await fetch(`${running.server.httpUrl}${loginPath(running.server)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: TOO_LARGE, error_code: 'BadRequest' });
    }
  });

  it('keeps the keep-alive connection usable after a 413, with or without a content-length', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = running.server.graphqlUrl;
      const pull = JSON.stringify({ query: PULL_TODO, variables: { limit: 1 } });
      const first = await post(agent, url, paddedBody(1.5 * MiB), graphqlHeaders());
      expect(first).toMatchObject({ status: 413, reusedSocket: false });
      expect(first.connection).not.toBe('close');
      expect(await post(agent, url, pull, graphqlHeaders())).toMatchObject({ status: 200, reusedSocket: true });
      const chunked = await post(agent, url, paddedBody(3 * MiB), graphqlHeaders(), true);
      expect(chunked).toMatchObject({ status: 413, reusedSocket: true });
      expect(JSON.parse(chunked.body).errors[0].message).toBe(TOO_LARGE);
      expect(await post(agent, url, pull, graphqlHeaders())).toMatchObject({ status: 200, reusedSocket: true });
    } finally {
      agent.destroy();
    }
  });

  it('lets the client read an answer given before its big body was read (401, 404)', async () => {
    const { server } = running;
    const body = paddedBody(1.5 * MiB);
    for (let attempt = 0; attempt < 5; attempt++) {
      const unauthenticated = await fetch(server.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(unauthenticated.status).toBe(401);
      expect((await unauthenticated.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      const nowhere = await fetch(`${server.httpUrl}/nothing-here`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(nowhere.status).toBe(404);
      await nowhere.arrayBuffer();
    }
  });

  it(`gives up on a body past ${DISCARD_FACTOR}× the limit: the connection is dropped, and the server serves on`, async () => {
    const agent = new Agent({ keepAlive: true });
    try {
      const huge = paddedBody((DISCARD_FACTOR + 2) * LIMIT);
      // Declared up front: the 413 goes out at once with `connection: close`, and nothing is read.
      const declared = await post(agent, running.server.graphqlUrl, huge, graphqlHeaders()).catch((error: Error) => error);
      if (!(declared instanceof Error)) expect(declared).toMatchObject({ status: 413, connection: 'close' });
      // Chunked: read and dropped up to the bound, then the connection is destroyed.
      await expect(post(agent, running.server.graphqlUrl, huge, graphqlHeaders(), true)).rejects.toThrow();
      expect(await post(agent, running.server.graphqlUrl, JSON.stringify({ query: PULL_TODO, variables: { limit: 1 } }), graphqlHeaders()))
        .toMatchObject({ status: 200 });
    } finally {
      agent.destroy();
    }
  });
});

/** Writes raw bytes to the server and resolves with everything it answered before closing. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

describe.each(serverLanes)('unparseable HTTP ($name)', (lane) => {
  const warnings: Array<{ message: string; data?: object }> = [];
  const logger: ServerLogger = { info() {}, error() {}, warn: (message, data) => void warnings.push({ message, ...(data ? { data } : {}) }) };
  let running: LaneServer;
  beforeAll(async () => {
    running = await startLaneServer(lane, { logger });
  });
  afterAll(() => running.close());

  it('gets a 400 (431 for oversized headers) and one warn line each, without a stack', async () => {
    warnings.length = 0;
    const garbage = await rawExchange(running.server.port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const hugeHeader = await rawExchange(running.server.port, `GET / HTTP/1.1\r\nhost: x\r\nx-pad: ${'x'.repeat(32 * 1024)}\r\n\r\n`);
    expect(hugeHeader).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(warnings).toEqual([
      { message: 'http request refused', data: { code: 'HPE_INVALID_METHOD', reason: expect.any(String) } },
      { message: 'http request refused', data: { code: 'HPE_HEADER_OVERFLOW', reason: expect.any(String) } },
    ]);
    for (const { data } of warnings) expect((data as { reason: string }).reason).not.toContain('\n    at ');
  });
});
