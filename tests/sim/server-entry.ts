/**
 * The service as the simulator runs it, in its own process (so it can be SIGKILLed):
 * open DATABASE_URL (the simulator points it at its fault proxy), migrate, seed the demo
 * merchant, serve /v1 on PORT, and run the webhook outbox worker when the functions
 * package offers one. Prints one line `FENQI_SIM_READY <json>` when it serves.
 * Request logs go to SIM_LOG_FILE (or nowhere) to keep the simulator's output readable.
 */
import { appendFileSync } from 'node:fs';
import { type Database, migrate, openDatabase } from '@fenqi/db';
import type { AppConfig } from '@fenqi/functions';
import * as functions from '@fenqi/functions';
import { startLocalServer } from '../../functions/src/local-server';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const port = Number(process.env.PORT ?? '0');
  const config = functions.loadConfig(process.env);
  const database = await openDatabase({ url, poolMax: Number(process.env.SIM_POOL_MAX ?? '10') });
  if (process.env.SIM_SKIP_MIGRATE !== '1') await migrate(database);
  const seedDemo = await findSeedDemo();
  const seed = typeof seedDemo === 'function' ? await seedDemo({ database, config }) : undefined;
  const logFile = process.env.SIM_LOG_FILE;
  const server = await startLocalServer({
    port,
    database,
    config,
    log: logFile ? (line) => appendFileSync(logFile, `${line}\n`) : () => {},
  });
  const worker = await startWorker(database, config);
  process.stdout.write(
    `FENQI_SIM_READY ${JSON.stringify({ url: server.url, port: server.port, seed, worker })}\n`,
  );
  const stop = async () => {
    await server.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

type SeedDemo = (deps: { database: Database; config: AppConfig; dataDir?: string }) => Promise<unknown>;

/** `seedDemo` from the package, or from its module while the package does not export it yet. */
async function findSeedDemo(): Promise<SeedDemo | undefined> {
  const exported = (functions as unknown as Record<string, unknown>).seedDemo;
  if (typeof exported === 'function') return exported as SeedDemo;
  try {
    const mod = (await import('../../functions/src/seed')) as Record<string, unknown>;
    return typeof mod.seedDemo === 'function' ? (mod.seedDemo as SeedDemo) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The outbox worker: a polling pass over due events every SIM_WORKER_INTERVAL_MS (service
 * clock), beside whatever the service triggers after its own commits. Uses the functions
 * package's worker module; returns a label for the ready line, or undefined when absent.
 */
async function startWorker(database: Database, config: AppConfig): Promise<string | undefined> {
  if (process.env.SIM_WORKER === 'off') return undefined;
  let worker: Record<string, unknown>;
  let clock: Record<string, unknown>;
  try {
    worker = (await import('../../functions/src/webhooks/worker')) as Record<string, unknown>;
    clock = (await import('../../functions/src/clock')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const deliver = worker.deliverDueEvents as
    | ((o: { database: Database; now: Date; keys?: AppConfig }) => Promise<unknown>)
    | undefined;
  const serviceNow = clock.serviceNow as ((d: Database, c: AppConfig) => Promise<Date>) | undefined;
  if (typeof deliver !== 'function' || typeof serviceNow !== 'function') return undefined;
  const intervalMs = Number(process.env.SIM_WORKER_INTERVAL_MS ?? '250');
  const tick = async () => {
    try {
      // keys: the vault keys that open the sealed webhook secrets (the cron route passes them too).
      await deliver({ database, now: await serviceNow(database, config), keys: config });
    } catch {
      // a failed pass (a severed connection) is retried on the next tick
    }
    setTimeout(tick, intervalMs).unref();
  };
  setTimeout(tick, intervalMs).unref();
  return 'deliverDueEvents';
}

main().catch((error: unknown) => {
  process.stderr.write(
    `sim server: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
