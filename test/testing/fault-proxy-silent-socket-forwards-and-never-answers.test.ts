import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../src/testing/index.ts';
import { startEchoUpstream, type EchoUpstream } from './support/echo-upstream.ts';

// silent accepts and forwards the request, but the client hears nothing and the connection stays
// open, even after the server answered and closed its side (unlike blackhole, which never forwards).
describe('the fault proxy’s silent socket', () => {
  let upstream: EchoUpstream;
  let proxy: FaultProxy;
  beforeAll(async () => {
    upstream = await startEchoUpstream();
    proxy = await startFaultProxy(upstream.port);
  });
  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
  });

  it('forwards the request, never answers, never closes', async () => {
    proxy.setMode({ kind: 'silent' });
    upstream.closeAfterAnswer(true);
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    let heard = 0;
    let closed = false;
    socket.on('data', (chunk) => (heard += chunk.length));
    socket.on('close', () => (closed = true));
    socket.on('end', () => (closed = true));
    const upstreamClosed = upstream.nextClose();
    socket.write('hello?');
    await upstream.whenReceived('hello?');
    // The server answered and closed its side; give the proxy a few turns of the event loop.
    await upstreamClosed;
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toBe(0);
    expect(closed).toBe(false);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('is not blackhole: blackhole never forwards', async () => {
    proxy.setMode({ kind: 'blackhole' });
    const before = upstream.received();
    const socket = net.connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('anyone?');
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(upstream.received()).toBe(before);
    socket.destroy();
  });
});
