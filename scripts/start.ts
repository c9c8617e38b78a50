/**
 * `npm start`: build the H5 mini-app when its sources changed, open the database
 * (embedded PGlite unless DATABASE_URL is set), apply migrations, seed the demo merchant,
 * then serve the API at /v1 and the H5 app at / on PORT (default 3000).
 */
import { join } from 'node:path';
import { migrate, openDatabase } from '@fenqi/db';
import { loadConfig, seedDemo } from '@fenqi/functions';
import { startLocalServer } from '../functions/src/local-server';
import { ensureH5Build, REPO_ROOT } from './lib/h5-build';

async function main(): Promise<void> {
  const startedMs = performance.now();
  const port = Number.parseInt(process.env.PORT ?? '3000', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT is not a port: ${process.env.PORT}`);

  const config = loadConfig(process.env);
  const build = ensureH5Build();
  const dataDir = process.env.FENQI_DATA_DIR ?? join(REPO_ROOT, '.data');
  const database = await openDatabase({ url: process.env.DATABASE_URL, dataDir: join(dataDir, 'pglite') });
  await migrate(database);
  const seed = await seedDemo({ database, config });
  const server = await startLocalServer({
    port,
    host: process.env.HOST ?? '127.0.0.1',
    database,
    config,
    staticDir: build.outDir,
  });

  const readyMs = Math.round(performance.now() - startedMs);
  printBanner({ url: server.url, driver: database.driver, readyMs, seed });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: shutting down…\n`);
    await server.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function printBanner(input: {
  url: string;
  driver: string;
  readyMs: number;
  seed: Awaited<ReturnType<typeof seedDemo>>;
}): void {
  const lines = [
    '',
    `Fenqi is running (database: ${input.driver}, ready in ${input.readyMs} ms)`,
    `  Mini-app (H5):   ${input.url}/`,
    `  API:             ${input.url}/v1/health`,
    `  OpenAPI:         ${input.url}/v1/openapi.json`,
    `  Demo logins:     open ${input.url}/?user=alice (any name works: dev:<name> login codes)`,
    ...describeSeed(input.seed),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function describeSeed(seed: unknown): string[] {
  if (!seed || typeof seed !== 'object') return [];
  const merchant = (seed as { merchant?: Record<string, unknown> }).merchant;
  if (!merchant) return [];
  return [
    `  Demo merchant:   ${String(merchant.name ?? merchant.id)} (${String(merchant.id)})`,
    `    API key:       ${String(merchant.apiKey ?? merchant.api_key)}`,
    `    Webhook secret: ${String(merchant.webhookSecret ?? merchant.webhook_secret)}`,
  ];
}

main().catch((error: unknown) => {
  process.stderr.write(
    `fenqi: could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
