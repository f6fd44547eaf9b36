import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DEMO = fileURLToPath(new URL('../../examples/demo/demo.ts', import.meta.url));

/** Runs `npm run demo`'s script with `args`; resolves with its exit code and output. */
function runDemo(args: string[]): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', DEMO, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, ms: Date.now() - started }));
  });
}

// `npm run demo` as a newcomer runs it, with small counts: every chapter of the story happens, the
// summary's counts are checked against the server by the demo itself, and the exit code says so.
describe('npm run demo', () => {
  it('tells the whole story and exits 0 with nothing lost', async () => {
    const { code, out } = await runDemo(['--access-ttl', '3', '--refresh-ttl', '20', '--docs', '3']);
    expect(out, out).toContain('lost: 0');
    expect(out).toContain('doubled: 0');
    expect(code, out).toBe(0);
    // Plain text when not on a terminal.
    expect(out).not.toContain('\u001b[');
    expect(out).toContain('refreshed (proactive');
    // The chapters, in order.
    const marks = [
      'session active',
      "has the phone's 3 todos",
      "has the laptop's 3 todos",
      '── 3. A proactive refresh',
      'going away',
      'sync offline',
      'refresh failed: NETWORK (transient)',
      'started again on the same port',
      "has the phone's 3 offline todos",
      'session refreshExpired',
      'onReloginRequired (refreshExpired)',
      'while the relogin is pending: 3 waiting, none sent',
      "has the phone's 3 paused todos",
      'documents written        15',
      'documents on the server  15',
      'relogins                 2',
      'Nothing lost, nothing doubled.',
    ];
    const at = marks.map((mark) => out.indexOf(mark));
    expect(marks.filter((_, i) => (at[i] ?? -1) < 0), out).toEqual([]);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // Offline is not expired: no prompt before the refresh token really ran out, one per device after.
    expect(out.split('onReloginRequired').length - 1).toBe(2);
  }, 120_000);

  it('refuses lifetimes that cannot tell the story', async () => {
    const { code, out } = await runDemo(['--access-ttl', '10', '--refresh-ttl', '12']);
    expect(code).toBe(2);
    expect(out).toContain('--refresh-ttl must be at least');
  }, 60_000);
});
