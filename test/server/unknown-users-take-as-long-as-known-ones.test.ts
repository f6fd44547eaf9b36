import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_COST } from '../../examples/server/auth/passwords.ts';
import { serverLanes, startLaneServer, type LaneServer } from '../helpers/server-lanes.ts';
import { loginPath, request } from '../helpers/server-requests.ts';

const SAMPLES = 15;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

describe.each(serverLanes)('login timing ($name)', (lane) => {
  let running: LaneServer;
  beforeAll(async () => {
    // The production cost, so the hash dominates the answer time as it does for a real attacker;
    // the throttle is opened wide because every sample is a failure.
    running = await startLaneServer(lane, {
      scryptCost: DEFAULT_SCRYPT_COST,
      loginThrottle: { accountFailures: 1_000, addressFailures: 1_000 },
    });
    await running.server.createUser({ username: 'known@example.com', password: 'secret-123' });
  });
  afterAll(() => running.close());

  it('answers an unknown user as slowly as a known one with a wrong password (same scrypt work)', async () => {
    const { server } = running;
    const timed = async (username: string) => {
      const started = performance.now();
      const res = await request(server, 'POST', loginPath(server), { username, password: 'wrong-password' });
      expect(res.status).toBe(401);
      return performance.now() - started;
    };
    await timed('known@example.com'); // warm-up: first query plans, first scrypt allocation
    const known: number[] = [];
    const unknown: number[] = [];
    // Interleaved, so a slow phase of the machine hits both alike.
    for (let i = 0; i < SAMPLES; i += 1) {
      known.push(await timed('known@example.com'));
      unknown.push(await timed(`nobody-${i}@example.com`));
    }
    const ratio = median(unknown) / median(known);
    expect(ratio, `unknown median ${median(unknown).toFixed(1)} ms, known ${median(known).toFixed(1)} ms`).toBeGreaterThan(0.5);
    expect(ratio, `unknown median ${median(unknown).toFixed(1)} ms, known ${median(known).toFixed(1)} ms`).toBeLessThan(2);
  }, 60_000);
});
