import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../examples/server/cli.ts', import.meta.url));

/** A server started through `npm run server`'s entry point in a child process. */
export interface ServerProcess { httpUrl: string; wsUrl: string; child: ChildProcess; stop(): Promise<void> }

/**
 * Starts the CLI in a real child process on a free port and resolves once it prints where it listens.
 *
 * @example
 * const second = await spawnServerProcess(['--port', '0'], { DATABASE_URL: url });
 * await second.stop();
 */
export function spawnServerProcess(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      child.stdout?.off('data', onData);
      const httpUrl = match[1]!;
      resolve({
        httpUrl,
        wsUrl: `${httpUrl.replace('http', 'ws')}/graphql`,
        child,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code} before listening:\n${output}`)));
  });
}
