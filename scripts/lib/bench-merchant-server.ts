/**
 * The API as the merchant benchmark measures it: its own process (the load generator and the
 * webhook receiver live in the parent, so they do not share this event loop), the real
 * PostgreSQL server through the production driver, production behaviour (no test clock, no
 * dev logins; the after-commit webhook trigger runs in-process as on the local server).
 * Prints one line `READY {"url": …}` on stdout; stops on SIGTERM.
 *
 *   BENCH_DB_URL=postgres://… BENCH_CRON_SECRET=… [BENCH_POOL_MAX=20] node --import tsx scripts/lib/bench-merchant-server.ts
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '@fenqi/db';
import { createApp } from '../../functions/src/app';
import { loadConfig } from '../../functions/src/config';
import { settleTriggers } from '../../functions/src/webhooks/trigger';

async function main(): Promise<void> {
  const url = process.env.BENCH_DB_URL;
  if (!url) throw new Error('BENCH_DB_URL is not set');
  const database = await openDatabase({ url, poolMax: Number(process.env.BENCH_POOL_MAX ?? 20) });
  // Test-mode secrets (the parent signs shopper sessions and seals webhook secrets with the
  // same ones), production behaviour otherwise.
  const config = {
    ...loadConfig({ FENQI_MODE: 'test' } as NodeJS.ProcessEnv),
    mode: 'production' as const,
    devLoginAllowed: false,
    testClockEnabled: false,
    cronSecret: process.env.BENCH_CRON_SECRET ?? 'bench-cron-secret',
  };
  const app = createApp({ database, config, log: () => {} });
  const server = createServer((req, res) => void app(req, res));
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.stdout.write(
    `READY ${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`,
  );
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close();
    void settleTriggers()
      .then(() => database.close())
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
