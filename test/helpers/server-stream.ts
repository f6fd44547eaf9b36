import WebSocket from 'ws';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { STREAM_TODO } from './server-requests.ts';

/** A raw graphql-transport-ws connection: what it received and how it closed. */
export interface StreamConnection {
  /** Resolves on `connection_ack`; rejects if the socket closes first. */
  acknowledged: Promise<void>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  /** `next` payloads received so far, in order. */
  received: any[];
  /** Resolves once `count` payloads have been received. */
  waitFor(count: number): Promise<any[]>;
  subscribe(query?: string): void;
  close(): void;
}

/**
 * Opens the server's websocket speaking the graphql-transport-ws protocol by hand, so tests see the
 * exact close codes. `connectionParams` defaults to `{ authorization: 'Bearer <token>' }`.
 *
 * @example
 * const stream = openStream(server, { authorization: `Bearer ${token}` });
 * await stream.acknowledged;
 * stream.subscribe();
 */
export function openStream(server: SyncServer, connectionParams: Record<string, unknown> | undefined): StreamConnection {
  const ws = new WebSocket(server.wsUrl, 'graphql-transport-ws');
  const received: any[] = [];
  const waiters: Array<() => void> = [];
  let ids = 0;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const acknowledged = new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', ...(connectionParams ? { payload: connectionParams } : {}) })));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'connection_ack') resolve();
      if (message.type === 'next') {
        received.push(message.payload);
        for (const wake of waiters.splice(0)) wake();
      }
    });
    void closed.then(({ code }) => reject(new Error(`closed with ${code} before connection_ack`)));
  });
  acknowledged.catch(() => {});
  return {
    acknowledged,
    closed,
    received,
    async waitFor(count) {
      while (received.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
      return received.slice(0, count);
    },
    subscribe(query = STREAM_TODO) {
      ws.send(JSON.stringify({ id: String(++ids), type: 'subscribe', payload: { query } }));
    },
    close: () => ws.close(1000),
  };
}
