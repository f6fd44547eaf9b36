import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../examples/server/cli.ts', import.meta.url));

/** A server started through `npm run server`'s entry point in a child process. */
export interface ServerProcess {
  httpUrl: string;
  wsUrl: string;
  child: ChildProcess;
  /** Everything the process printed so far, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

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
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      child.stdout?.off('data', onData);
      const httpUrl = match[1]!;
      resolve({
        httpUrl,
        wsUrl: `${httpUrl.replace('http', 'ws')}/graphql`,
        child,
        output: () => output,
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server process exited with ${code} before listening:\n${output}`)));
  });
}
