import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../src/testing/index.ts';
import { roundTrip, startEchoUpstream, type EchoUpstream } from './support/echo-upstream.ts';

// bandwidth forwards at most bytesPerSecond each way: 20 kB at 40 kB/s take at least half a second.
describe('the fault proxy limits bandwidth', () => {
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

  it('takes size / rate to deliver a response, in full and in order', async () => {
    upstream.answerWith(20_000);
    proxy.setMode({ kind: 'bandwidth', bytesPerSecond: 40_000 });
    const { answer, ms, socket } = await roundTrip(proxy.port, 'get', 20_000);
    socket.destroy();
    expect(answer).toBe('x'.repeat(20_000));
    expect(ms).toBeGreaterThanOrEqual(480);
  });
});
