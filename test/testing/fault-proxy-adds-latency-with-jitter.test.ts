import { describe, expect, it } from 'vitest';
import { roundTrip, proxiedEchoUpstream } from './support/echo-upstream.ts';

// latency delays by `ms + random() * jitterMs`, once per response (`per: 'request'`) or on every
// chunk both ways (`per: 'chunk'`); the injected random makes the delay exact. Only lower bounds on
// elapsed time are asserted: a loaded machine is slower, never faster.
describe('the fault proxy adds latency with jitter', () => {
  let draws = 0;
  const stage = proxiedEchoUpstream({ random: () => (draws++, 0.5) });

  it('per request: the response waits ms + jitter, drawn once', async () => {
    stage.proxy.setMode({ kind: 'latency', ms: 100, jitterMs: 100, per: 'request' });
    draws = 0;
    const { answer, ms, socket } = await roundTrip(stage.proxy.port, 'ping', 'pong:ping'.length);
    socket.destroy();
    expect(answer).toBe('pong:ping');
    expect(ms).toBeGreaterThanOrEqual(149);
    expect(draws).toBe(1);
  });

  it('per chunk: both directions wait, one draw each', async () => {
    stage.proxy.setMode({ kind: 'latency', ms: 60, jitterMs: 40 });
    draws = 0;
    const { answer, ms, socket } = await roundTrip(stage.proxy.port, 'ping', 'pong:ping'.length);
    socket.destroy();
    expect(answer).toBe('pong:ping');
    expect(ms).toBeGreaterThanOrEqual(2 * 80 - 2);
    expect(draws).toBe(2);
  });

  it('pass is immediate again', async () => {
    stage.proxy.setMode({ kind: 'pass' });
    draws = 0;
    const { socket } = await roundTrip(stage.proxy.port, 'ping', 'pong:ping'.length);
    socket.destroy();
    expect(draws).toBe(0);
  });
});
