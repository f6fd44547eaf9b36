import fc from 'fast-check';
import { describe, it } from 'vitest';
import { catches, startScenario, type Device, type Scenario } from '../faults/support/fault-scenario.ts';
import {
  ACCESS_TTL_SEC, commandArbitrary, DEVICE_OPTIONS, deviceName, initialModel, REFRESH_TTL_SEC, settleAndCheck, signInAtStart, type Stage,
} from './support/session-model.ts';

// Model-based: random interleavings of logins, logouts, relogins as another user, access and refresh
// expiries, failing refreshes, network loss and recovery, restarts and writes on three devices of two
// users, against real clients and the reference server; every run ends with the oracle's eight invariants.
//
// CI runs a fixed budget; the nightly mode sets SESSION_SYNC_MODEL_RUNS (and SESSION_SYNC_MODEL_COMMANDS).
// A failure prints its seed and path; SESSION_SYNC_MODEL_SEED=… SESSION_SYNC_MODEL_PATH=… replays it.
// SESSION_SYNC_MODEL_SHRINK=1 shrinks a failure (slow: every step is a run against a real server);
// a shrunk counterexample is replayed with SESSION_SYNC_MODEL_REPLAY (its printed replayPath) as well.

const env = process.env;
const intEnv = (name: string, fallback: number): number => {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${value}`);
  return n;
};

const DEVICES = 3;
const USERS = 2;
const RUNS = intEnv('SESSION_SYNC_MODEL_RUNS', 6);
const COMMANDS = intEnv('SESSION_SYNC_MODEL_COMMANDS', 12);
const SEED = intEnv('SESSION_SYNC_MODEL_SEED', (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0);
const PATH = env['SESSION_SYNC_MODEL_PATH'] || undefined;
const REPLAY = env['SESSION_SYNC_MODEL_REPLAY'] || undefined;
const SHRINK = env['SESSION_SYNC_MODEL_SHRINK'] === '1';
/** A run takes a few seconds; a minute each is the safety net (a hung command fails on its own after 25 s). */
const TIMEOUT_MS = 60_000 + (PATH ? 1 : RUNS) * 60_000 * (SHRINK ? 10 : 1);

function lastRequests(device: Device, n = 6): string {
  return device.requests.slice(-n).map((r) => `${r.kind} ${r.method} ${r.status} (${r.session})`).join(', ') || 'none';
}

describe('model: random interleavings of sessions, faults and writes', () => {
  it(
    `keep every invariant on ${DEVICES} devices of ${USERS} users ${catches(1, 2, 3, 4, 5, 6, 7, 8)}`,
    async () => {
      // Printed first, so even a run the test timeout kills can be replayed.
      console.log(`[model] seed=${SEED}${PATH ? ` path=${PATH}` : ''} runs=${RUNS} commands<=${COMMANDS}`);
      let run = 0;
      let last: Stage | null = null;
      // Who is signed in on each device when the commands start (null: nobody), then the commands: unbiased
      // (fast-check's bias would make the first runs nearly empty) and at least half the budget long.
      const initial = fc.array(fc.option(fc.integer({ min: 0, max: USERS - 1 }), { freq: 4 }), { minLength: DEVICES, maxLength: DEVICES });
      const commandLists = fc.noBias(commandArbitrary(DEVICES, USERS, COMMANDS, REPLAY)).filter((c) => [...c].length >= Math.ceil(COMMANDS / 2));
      const property = fc.asyncProperty(initial, commandLists, async (signedIn, commands) => {
        const index = run++;
        let scenario: Scenario | null = null;
        try {
          scenario = await startScenario({ server: { accessTokenTtlSec: ACCESS_TTL_SEC, refreshTokenTtlSec: REFRESH_TTL_SEC } });
          const stage: Stage = {
            scenario,
            users: [await scenario.user(), await scenario.user()],
            devices: Array.from({ length: DEVICES }, (_, i) => scenario!.device(deviceName(i), DEVICE_OPTIONS)),
            retired: [],
            trace: [],
            transientLoginFailures: 0,
          };
          last = stage;
          const model = initialModel(DEVICES, USERS);
          const started = Date.now();
          await signInAtStart(model, stage, signedIn);
          await fc.asyncModelRun(() => ({ model, real: stage }), commands);
          await settleAndCheck(model, stage);
          if (!PATH) console.log(`[model] run ${index} (${Date.now() - started} ms${stage.transientLoginFailures ? `, ${stage.transientLoginFailures} transient login failure(s) retried` : ''}): ${stage.trace.filter((t) => !t.startsWith(' ')).join(' ')}`);
        } finally {
          await scenario?.close();
        }
      });

      const details = await fc.check(property, {
        seed: SEED,
        // A path replays that one run (fast-check would otherwise go on with the runs after it).
        numRuns: PATH && !SHRINK ? 1 : RUNS,
        endOnFailure: !SHRINK,
        ...(PATH ? { path: PATH } : {}),
      });
      if (details.failed) {
        const stage = last as Stage | null;
        const replay = [
          `SESSION_SYNC_MODEL_SEED=${details.seed}`,
          `SESSION_SYNC_MODEL_PATH=${details.counterexamplePath}`,
          ...(SHRINK ? [`SESSION_SYNC_MODEL_SHRINK=1`] : []),
          'npx vitest run test/model',
        ].join(' ');
        const error = details.errorInstance;
        throw new Error(
          [
            `a random interleaving broke the model or an invariant after ${details.numRuns} run(s)`,
            `seed ${details.seed}, path ${details.counterexamplePath}${SHRINK ? `, ${details.numShrinks} shrink(s)` : ''}`,
            `replay: ${replay}${SHRINK ? ' (with SESSION_SYNC_MODEL_REPLAY=<replayPath printed in the counterexample>)' : ''}`,
            `counterexample: ${fc.stringify(details.counterexample)}`,
            `commands run (last run): ${stage ? stage.trace.join(' ; ') : '(none)'}`,
            ...(stage ? stage.devices.map((d) => `${d.name} ${JSON.stringify(d.client.status.session)}, last requests: ${lastRequests(d)}`) : []),
            `failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          ].join('\n'),
        );
      }
    },
    TIMEOUT_MS,
  );
});
