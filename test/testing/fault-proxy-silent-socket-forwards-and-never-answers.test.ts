import { once } from 'node:events';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { proxiedEchoUpstream } from './support/echo-upstream.ts';

// silent accepts and forwards the request, but the client hears nothing and the connection stays
// open, even after the server answered and closed its side (unlike blackhole, which never forwards).
describe('the fault proxy’s silent socket', () => {
  const stage = proxiedEchoUpstream();

  it('forwards the request, never answers, never closes', async () => {
    stage.proxy.setMode({ kind: 'silent' });
    stage.upstream.closeAfterAnswer(true);
    const socket = net.connect(stage.proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    let heard = 0;
    let closed = false;
    socket.on('data', (chunk) => (heard += chunk.length));
    socket.on('close', () => (closed = true));
    socket.on('end', () => (closed = true));
    const upstreamClosed = stage.upstream.nextClose();
    socket.write('hello?');
    await stage.upstream.whenReceived('hello?');
    // The server answered and closed its side; give the proxy a few turns of the event loop.
    await upstreamClosed;
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toBe(0);
    expect(closed).toBe(false);
    expect(socket.destroyed).toBe(false);
    socket.destroy();
  });

  it('is not blackhole: blackhole never forwards', async () => {
    stage.proxy.setMode({ kind: 'blackhole' });
    const before = stage.upstream.received();
    const socket = net.connect(stage.proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('anyone?');
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(stage.upstream.received()).toBe(before);
    socket.destroy();
  });
});
