/**
 * The API as a benchmark measures it: its own process (so the load generator does not share
 * its event loop), the real PostgreSQL server through the production driver, two listeners
 * on one pool —
 *   - `base`: production behaviour (no dev logins, no test clock), the one that is measured;
 *   - `onboard`: test mode, used only to create people (dev logins, quiz) before timing.
 * Prints one line `READY {"base": …, "onboard": …}` on stdout; stops on SIGTERM.
 *
 * `BENCH_API_PROCESSES=N` (default 1) runs N API processes behind the two ports (node:cluster,
 * connections dealt round-robin), as N stateless function instances would serve production;
 * each has its own pool of BENCH_POOL_MAX / N connections.
 *
 *   BENCH_DB_URL=postgres://… [BENCH_POOL_MAX=16] [BENCH_API_PROCESSES=1] node --import tsx scripts/lib/bench-server.ts
 */
import cluster from 'node:cluster';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '@fenqi/db';
import { createApp } from '../../functions/src/app';
import { loadConfig } from '../../functions/src/config';

const PROCESSES = Math.max(1, Number(process.env.BENCH_API_PROCESSES ?? 1));

interface Ports {
  base: number;
  onboard: number;
}

async function serve(ports: Ports): Promise<{ ports: Ports; stop(): Promise<void> }> {
  const url = process.env.BENCH_DB_URL;
  if (!url) throw new Error('BENCH_DB_URL is not set');
  const poolMax = Math.max(2, Math.floor(Number(process.env.BENCH_POOL_MAX ?? 16) / PROCESSES));
  const database = await openDatabase({ url, poolMax });
  const config = {
    ...loadConfig({ FENQI_MODE: 'test' }),
    loginRateLimit: { windowSeconds: 60, perCode: 1000, perIp: 1_000_000 },
  };
  const productionLike = {
    ...config,
    mode: 'production' as const,
    devLoginAllowed: false,
    testClockEnabled: false,
  };
  const listen = async (c: typeof config, port: number) => {
    const app = createApp({ database, config: c, log: () => {} });
    const server = createServer((req, res) => void app(req, res));
    server.keepAliveTimeout = 60_000;
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return server;
  };
  const onboard = await listen(config, ports.onboard);
  const base = await listen(productionLike, ports.base);
  return {
    ports: { base: (base.address() as AddressInfo).port, onboard: (onboard.address() as AddressInfo).port },
    stop: async () => {
      for (const s of [onboard, base]) {
        s.closeAllConnections();
        s.close();
      }
      await database.close();
    },
  };
}

function announce(ports: Ports): void {
  const at = (port: number) => `http://127.0.0.1:${port}`;
  process.stdout.write(`READY ${JSON.stringify({ base: at(ports.base), onboard: at(ports.onboard) })}\n`);
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  return port;
}

async function primary(): Promise<void> {
  const ports = { base: await freePort(), onboard: await freePort() };
  cluster.setupPrimary({ stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const workers = Array.from({ length: PROCESSES }, () =>
    cluster.fork({ BENCH_PORTS: JSON.stringify(ports) }),
  );
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((ready, fail) => {
          w.once('message', (m) => (m === 'listening' ? ready() : fail(new Error(String(m)))));
          w.once('exit', (code) => fail(new Error(`bench worker exited with ${code}`)));
        }),
    ),
  );
  announce(ports);
  process.once('SIGTERM', () => {
    for (const w of workers) w.kill('SIGTERM');
    void Promise.all(workers.map((w) => once(w, 'exit'))).then(() => process.exit(0));
  });
}

async function worker(): Promise<void> {
  const served = await serve(JSON.parse(process.env.BENCH_PORTS as string) as Ports);
  process.send?.('listening');
  process.once('SIGTERM', () => void served.stop().then(() => process.exit(0)));
}

async function single(): Promise<void> {
  const served = await serve({ base: 0, onboard: 0 });
  announce(served.ports);
  process.once('SIGTERM', () => void served.stop().then(() => process.exit(0)));
}

const main = PROCESSES === 1 ? single : cluster.isPrimary ? primary : worker;
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
