// A TCP server behind the fault proxy in its own tests: answers each chunk with `pong:<chunk>`, and
// records what reached it.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../../src/testing/index.ts';

export interface EchoUpstream {
  port: number;
  /** Everything that reached the upstream, as text. */
  received(): string;
  /** Resolves when the upstream has received `text` in total. */
  whenReceived(text: string): Promise<void>;
  /** Answer with `size` bytes instead of the echo (set before the request). */
  answerWith(size: number): void;
  /** Closes the upstream side of every open connection after its answer. */
  closeAfterAnswer(on: boolean): void;
  /** Resolves on the next close of an upstream-side socket. */
  nextClose(): Promise<void>;
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  let data = '';
  let waiters: { text: string; resolve: () => void }[] = [];
  let answerSize: number | null = null;
  let closeAfter = false;
  const closes = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      for (const c of closes) c();
      closes.clear();
    });
    socket.on('data', (chunk) => {
      data += chunk.toString();
      waiters = waiters.filter((w) => (data.includes(w.text) ? (w.resolve(), false) : true));
      socket.write(answerSize === null ? `pong:${chunk}` : Buffer.alloc(answerSize, 'x'));
      if (closeAfter) socket.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    received: () => data,
    whenReceived: (text) => (data.includes(text) ? Promise.resolve() : new Promise((resolve) => waiters.push({ text, resolve }))),
    answerWith: (size) => void (answerSize = size),
    closeAfterAnswer: (on) => void (closeAfter = on),
    nextClose: () => new Promise((resolve) => closes.add(resolve)),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects to `port`, sends `text`, and resolves with the first `bytes` bytes back and how long they took. */
export async function roundTrip(port: number, text: string, bytes: number): Promise<{ answer: string; ms: number; socket: net.Socket }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const started = performance.now();
  socket.write(text);
  let answer = '';
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.length >= bytes) resolve();
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed after ${answer.length} bytes`)));
  });
  return { answer, ms: performance.now() - started, socket };
}

/**
 * A describe block's echo upstream behind a fault proxy, started in beforeAll and closed in afterAll;
 * read `upstream` and `proxy` inside the tests.
 */
export function proxiedEchoUpstream(proxyOptions: Parameters<typeof startFaultProxy>[2] = {}): { readonly upstream: EchoUpstream; readonly proxy: FaultProxy } {
  const stage = {} as { upstream: EchoUpstream; proxy: FaultProxy };
  beforeAll(async () => {
    stage.upstream = await startEchoUpstream();
    stage.proxy = await startFaultProxy(stage.upstream.port, '127.0.0.1', proxyOptions);
  });
  afterAll(async () => {
    await stage.proxy?.close();
    await stage.upstream?.close();
  });
  return stage;
}
