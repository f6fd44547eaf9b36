import { describe, expect, it } from 'vitest';
import { roundTrip, proxiedEchoUpstream } from './support/echo-upstream.ts';

// bandwidth forwards at most bytesPerSecond each way: 20 kB at 40 kB/s take at least half a second.
describe('the fault proxy limits bandwidth', () => {
  const stage = proxiedEchoUpstream();

  it('takes size / rate to deliver a response, in full and in order', async () => {
    stage.upstream.answerWith(20_000);
    stage.proxy.setMode({ kind: 'bandwidth', bytesPerSecond: 40_000 });
    const { answer, ms, socket } = await roundTrip(stage.proxy.port, 'get', 20_000);
    socket.destroy();
    expect(answer).toBe('x'.repeat(20_000));
    expect(ms).toBeGreaterThanOrEqual(480);
  });
});
