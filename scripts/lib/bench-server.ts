/**
 * The API as a benchmark measures it: its own process (so the load generator does not share
 * its event loop), the real PostgreSQL server through the production driver, two listeners
 * on one pool —
 *   - `base`: production behaviour (no dev logins, no test clock), the one that is measured;
 *   - `onboard`: test mode, used only to create people (dev logins, quiz) before timing.
 * Prints one line `READY {"base": …, "onboard": …}` on stdout; stops on SIGTERM.
 *
 *   BENCH_DB_URL=postgres://… [BENCH_POOL_MAX=16] node --import tsx scripts/lib/bench-server.ts
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '@fenqi/db';
import { createApp } from '../../functions/src/app';
import { loadConfig } from '../../functions/src/config';

async function main(): Promise<void> {
  const url = process.env.BENCH_DB_URL;
  if (!url) throw new Error('BENCH_DB_URL is not set');
  const database = await openDatabase({ url, poolMax: Number(process.env.BENCH_POOL_MAX ?? 16) });
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
  const listen = async (c: typeof config) => {
    const app = createApp({ database, config: c, log: () => {} });
    const server = createServer((req, res) => void app(req, res));
    server.keepAliveTimeout = 60_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  };
  const onboard = await listen(config);
  const base = await listen(productionLike);
  process.stdout.write(`READY ${JSON.stringify({ base: base.url, onboard: onboard.url })}\n`);
  process.once('SIGTERM', () => {
    for (const s of [onboard.server, base.server]) {
      s.closeAllConnections();
      s.close();
    }
    void database.close().then(() => process.exit(0));
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
