import net from 'node:net';
import type { AddressInfo } from 'node:net';

// Node-only (node:net): a TCP proxy for tests that run in Node (vitest, Playwright's runner).

/**
 * What the proxy does to the traffic, switched at any time with `setMode` (open connections follow
 * the new mode from their next chunk on):
 * - `pass`: forwards both ways.
 * - `refuse`: resets new connections and drops open ones (a server that is down).
 * - `blackhole`: accepts and swallows bytes, never answers (a hung server or dead route).
 * - `dropResponses`: forwards requests, but resets the connection instead of forwarding the next
 *   `count` responses (the server applied the request; the client never hears back).
 * - `cutMidBody`: forwards the first half of the next response's first chunk, then resets.
 * - `latency`: forwards with a delay of `ms` plus `random() * jitterMs`: added to every chunk in
 *   both directions (`per: 'chunk'`, the default), or once to each response, before its first
 *   chunk (`per: 'request'`). Order is kept.
 * - `bandwidth`: forwards at most `bytesPerSecond` in each direction (a slow link).
 * - `silent`: accepts, forwards the request to the server, never answers and never closes, even
 *   when the server closes its side (a connection that hangs after the request went out).
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'refuse' }
  | { kind: 'blackhole' }
  | { kind: 'dropResponses'; count: number }
  | { kind: 'cutMidBody'; count: number }
  | { kind: 'latency'; ms: number; jitterMs?: number; per?: 'chunk' | 'request' }
  | { kind: 'bandwidth'; bytesPerSecond: number }
  | { kind: 'silent' };

/** A TCP proxy in front of a server whose faults a test switches at will. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: use in place of the server's origin. */
  readonly origin: string;
  readonly port: number;
  setMode(mode: FaultMode): void;
  /** Responses dropped or cut so far. */
  readonly faultsInjected: number;
  close(): Promise<void>;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Random source of the latency jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a proxy to `targetPort` on 127.0.0.1 (random port). Node-only: it uses `node:net`.
 *
 * @example
 * const proxy = await startFaultProxy(server.port);
 * proxy.setMode({ kind: 'refuse' });        // server down
 * proxy.setMode({ kind: 'latency', ms: 200, jitterMs: 100, per: 'request' });
 * proxy.setMode({ kind: 'pass' });          // back
 */
export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1', options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const random = options.random ?? Math.random;
  let mode: FaultMode = { kind: 'pass' };
  let faults = 0;
  const open = new Set<net.Socket>();

  const delayOf = (m: { ms: number; jitterMs?: number }): number => m.ms + random() * (m.jitterMs ?? 0);

  /**
   * One direction of a connection: chunks are written in order, after the delay or at the rate the
   * mode asks for at the time each chunk arrives.
   */
  const lane = (to: net.Socket) => {
    let chain: Promise<void> = Promise.resolve();
    const write = (chunk: Buffer) => {
      if (!to.destroyed) to.write(chunk);
    };
    return (chunk: Buffer, firstOfResponse: boolean) => {
      const m = mode;
      let step: () => Promise<void>;
      if (m.kind === 'latency') {
        const perChunk = (m.per ?? 'chunk') === 'chunk';
        const delay = perChunk || firstOfResponse ? delayOf(m) : 0;
        step = async () => {
          if (delay > 0) await sleep(delay);
          write(chunk);
        };
      } else if (m.kind === 'bandwidth') {
        const rate = Math.max(1, m.bytesPerSecond);
        // Slices of ~50 ms of the allowed rate, each delivered once the link would have carried it.
        const slice = Math.max(1, Math.floor(rate / 20));
        step = async () => {
          for (let at = 0; at < chunk.length; at += slice) {
            const piece = chunk.subarray(at, at + slice);
            await sleep((piece.length * 1000) / rate);
            write(piece);
          }
        };
      } else {
        step = async () => write(chunk);
      }
      chain = chain.then(step, step);
    };
  };

  const server = net.createServer((client) => {
    if (mode.kind === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    if (mode.kind === 'blackhole') {
      client.on('data', () => {});
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    open.add(upstream);
    const toUpstream = lane(upstream);
    const toClient = lane(client);
    // Set when the client sent something; the next chunk back starts a response.
    let awaitingResponse = false;
    upstream.on('close', () => {
      open.delete(upstream);
      // A silent connection stays open whatever the server does.
      if (mode.kind !== 'silent') client.destroy();
    });
    upstream.on('error', () => {
      if (mode.kind !== 'silent') client.destroy();
    });
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk) => {
      if (mode.kind === 'blackhole') return;
      awaitingResponse = true;
      toUpstream(chunk, false);
    });
    upstream.on('data', (chunk) => {
      if ((mode.kind === 'dropResponses' || mode.kind === 'cutMidBody') && mode.count > 0) {
        mode.count -= 1;
        faults += 1;
        if (mode.kind === 'cutMidBody') client.write(chunk.subarray(0, Math.floor(chunk.length / 2)));
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      if (mode.kind === 'blackhole' || mode.kind === 'silent') return;
      const first = awaitingResponse;
      awaitingResponse = false;
      toClient(chunk, first);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    get faultsInjected() {
      return faults;
    },
    setMode(next) {
      mode = { ...next };
      // A server going down takes its open connections (and websockets) with it.
      if (next.kind === 'refuse') for (const socket of open) socket.resetAndDestroy();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
