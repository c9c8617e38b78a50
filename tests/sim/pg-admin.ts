/**
 * Scratch databases on the real PostgreSQL server, created and dropped with `psql`
 * (the simulator and benchmarks never touch the database the developer works in).
 */
import { spawnSync } from 'node:child_process';

export interface PgServer {
  host: string;
  port: number;
  user: string;
}

export function pgServerFromEnv(env: NodeJS.ProcessEnv = process.env): PgServer {
  const url = new URL(env.FENQI_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
  };
}

export function databaseUrl(server: PgServer, name: string, port = server.port): string {
  return `postgres://${encodeURIComponent(server.user)}@${server.host}:${port}/${name}`;
}

export function psql(server: PgServer, database: string, sqlText: string): string {
  const out = spawnSync(
    'psql',
    [
      '-X',
      '-q',
      '-A',
      '-t',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      server.host,
      '-p',
      String(server.port),
      '-U',
      server.user,
      '-d',
      database,
      '-c',
      sqlText,
    ],
    { encoding: 'utf8' },
  );
  if (out.status !== 0) throw new Error(`psql failed (${database}): ${out.stderr.trim()}`);
  return out.stdout;
}

export function pgReachable(server: PgServer): boolean {
  const out = spawnSync('pg_isready', ['-h', server.host, '-p', String(server.port), '-t', '3'], {
    encoding: 'utf8',
  });
  return out.status === 0;
}

/** A unique lowercase database name with the given prefix. */
export function scratchName(prefix: string, suffix: string): string {
  return `${prefix}_${suffix}_${process.pid}_${Math.floor(performance.now())}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
}

export function createDatabase(server: PgServer, name: string): void {
  psql(server, 'postgres', `CREATE DATABASE "${name}"`);
}

export function dropDatabase(server: PgServer, name: string): void {
  try {
    psql(server, 'postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } catch (error) {
    process.stderr.write(`warning: could not drop ${name}: ${String(error)}\n`);
  }
}
