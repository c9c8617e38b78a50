/**
 * `npx tsx scripts/barrage.ts [--seed N] [--requests K] [--concurrency C]`
 * The malformed-input barrage against the real service on a scratch database of the real
 * PostgreSQL server, driven from GET /v1/openapi.json (docs/simulation.md). Prints counts per
 * status and category; exits non-zero on any 5xx, any accepted malformed request, any error
 * without the contract's shape, or any change of the database snapshot.
 */
import { runBarrage } from '../tests/sim/barrage';
import { pgReachable, pgServerFromEnv } from '../tests/sim/pg-admin';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive integer`);
  return n;
}

async function main(): Promise<void> {
  const server = pgServerFromEnv();
  if (!pgReachable(server)) {
    process.stderr.write(
      `barrage: no PostgreSQL server at ${server.host}:${server.port} (set FENQI_TEST_PG_URL)\n`,
    );
    process.exit(2);
  }
  const result = await runBarrage({
    seed: arg('--seed', 1),
    requests: arg('--requests', 10_000),
    concurrency: arg('--concurrency', 8),
    quiet: process.argv.includes('--quiet'),
  });
  const fmt = (r: Record<string, number>) =>
    Object.entries(r)
      .sort()
      .map(([k, v]) => `${k}×${v}`)
      .join(' ');
  const lines = [
    `barrage: ${result.ok ? 'OK' : 'FAILED'} — ${result.sent} malformed requests over ${result.operations} operations in ${(result.elapsedMs / 1000).toFixed(1)} s`,
    `  statuses:   ${fmt(result.byStatus)}`,
    `  categories: ${fmt(result.byCategory)}`,
    `  5xx: ${Object.entries(result.byStatus)
      .filter(([k]) => Number(k) >= 500)
      .reduce((s, [, v]) => s + v, 0)}   snapshot changes: ${result.snapshotChanges.length}`,
  ];
  if (process.argv.includes('--per-operation')) {
    for (const [op, statuses] of Object.entries(result.byOperation))
      lines.push(`    ${op.padEnd(48)} ${fmt(statuses)}`);
  }
  if (!result.ok) {
    lines.push(`  failures: ${fmt(result.failureCounts)}`);
    const seen = new Set<string>();
    for (const f of result.failures) {
      const key = `${f.operation}|${f.caseName.replace(/ \(again\)$/, '')}|${f.status}`;
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(`  ✗ ${f.operation} [${f.caseName}] → ${f.status}: ${f.detail.slice(0, 240)}`);
      if (seen.size >= 60) break;
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = result.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `barrage: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(2);
});
