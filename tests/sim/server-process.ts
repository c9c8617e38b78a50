/**
 * Starts, kills (SIGKILL) and restarts the service child process for the simulator,
 * barrage and load benchmark.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ReadyInfo {
  url: string;
  port: number;
  seed: unknown;
  worker?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export interface ServerProcessOptions {
  databaseUrl: string;
  port: number;
  env?: Record<string, string>;
  logFile?: string;
  startTimeoutMs?: number;
}

export class ServerProcess {
  private child: ChildProcess | undefined;
  private stderrTail = '';
  info: ReadyInfo | undefined;
  starts = 0;
  kills = 0;

  constructor(private readonly opts: ServerProcessOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(extraEnv: Record<string, string> = {}): Promise<ReadyInfo> {
    // node --import tsx: one process (the tsx CLI would fork a second one that SIGKILL misses).
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'tests', 'sim', 'server-entry.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          FENQI_MODE: 'test',
          SESSION_SECRET: 'simulator-session-secret-0123456789abcdef',
          ...this.opts.env,
          ...extraEnv,
          // Its own data dir: seedDemo keeps the demo merchant's plaintext key there, and runs
          // in parallel must not rotate each other's keys.
          FENQI_DATA_DIR: join(tmpdir(), `fenqi-sim-data-${this.opts.port}`),
          DATABASE_URL: this.opts.databaseUrl,
          PORT: String(this.opts.port),
          ...(this.opts.logFile ? { SIM_LOG_FILE: this.opts.logFile } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    this.starts += 1;
    this.stderrTail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
      if (process.env.SIM_SERVER_STDERR === '1') process.stderr.write(chunk);
    });
    const info = await new Promise<ReadyInfo>((done, fail) => {
      let buffer = '';
      const timer = setTimeout(
        () =>
          fail(
            new Error(
              `server did not become ready within ${this.opts.startTimeoutMs ?? 60_000} ms\n${this.stderrTail}`,
            ),
          ),
        this.opts.startTimeoutMs ?? 60_000,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const match = /FENQI_SIM_READY (.*)\n/.exec(buffer);
        if (match?.[1]) {
          clearTimeout(timer);
          done(JSON.parse(match[1]) as ReadyInfo);
          buffer = '';
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        fail(new Error(`server exited during start (code ${code}, signal ${signal})\n${this.stderrTail}`));
      });
    });
    this.info = info;
    child.stdout?.resume();
    return info;
  }

  /** SIGKILL: no shutdown hooks, in-flight requests and transactions die with it. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.kills += 1;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  lastStderr(): string {
    return this.stderrTail;
  }
}
