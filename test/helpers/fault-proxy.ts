import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * - `pass`: forwards both ways.
 * - `refuse`: resets new connections and drops open ones (a server that is down).
 * - `blackhole`: accepts and swallows bytes, never answers (a hung server or dead route).
 * - `dropResponses`: forwards requests, but resets the connection instead of forwarding the next
 *   `count` responses (the server applied the request; the client never hears back).
 * - `cutMidBody`: forwards the first half of the next response's first chunk, then resets.
 */
export type FaultMode =
  | { kind: 'pass' }
  | { kind: 'refuse' }
  | { kind: 'blackhole' }
  | { kind: 'dropResponses'; count: number }
  | { kind: 'cutMidBody'; count: number };

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

/**
 * Starts a node:net proxy to `target` on 127.0.0.1 (random port).
 *
 * @example
 * const proxy = await startFaultProxy(server.port);
 * proxy.setMode({ kind: 'refuse' });        // server down
 * proxy.setMode({ kind: 'pass' });          // back
 */
export async function startFaultProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
  let mode: FaultMode = { kind: 'pass' };
  let faults = 0;
  const open = new Set<net.Socket>();

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
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('data', (chunk) => {
      if (mode.kind === 'blackhole') return;
      upstream.write(chunk);
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
      if (mode.kind === 'blackhole') return;
      client.write(chunk);
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
