/** Health, OpenAPI, the test clock and the cron entry point. */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { payOutCoolingOff } from '../batch/borrower-steps';
import { runDailyBatchUpTo } from '../batch/daily';
import { addDays, advanceClock, shanghaiDate } from '../clock';
import { withTransaction } from '../db';
import { ApiError } from '../http/errors';
import { defineRoute, ok, type Route } from '../http/route';
import { buildOpenApi } from '../openapi';

const openApiCache = new WeakMap<readonly Route[], unknown>();

export const systemRoutes: Route[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/health',
    operationId: 'getHealth',
    summary: 'Liveness and the database driver in use',
    tags: ['system'],
    auth: 'none',
    response: z.object({ ok: z.boolean(), database: z.string() }),
    async handler({ database }) {
      try {
        await database.db.execute(sql`select 1`);
      } catch {
        throw new ApiError('api_error', 'database_unavailable', 'The database is not reachable.', undefined, {
          status: 503,
        });
      }
      return ok({ ok: true, database: database.driver });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This API as an OpenAPI 3.1 document',
    tags: ['system'],
    auth: 'none',
    params: {},
    async handler({ routes }) {
      let doc = openApiCache.get(routes);
      if (!doc) {
        doc = buildOpenApi(routes, { version: '1.0.0' });
        openApiCache.set(routes, doc);
      }
      return ok(doc);
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/test/clock',
    operationId: 'advanceTestClock',
    summary: 'Test/dev only: move the service clock forward and run the daily batch for every day passed',
    tags: ['system'],
    auth: 'none',
    body: z.strictObject({ now: z.iso.datetime({ offset: true }) }),
    async handler({ database, config, body }) {
      if (!config.testClockEnabled)
        throw new ApiError('not_found', 'route_not_found', 'No route for POST /v1/test/clock.');
      const target = new Date(body.now);
      const moved = await withTransaction(database, (tx) => advanceClock(tx, target));
      const batches = await runDailyBatchUpTo(
        { database, config },
        target,
        addDays(shanghaiDate(moved.from), 1),
      );
      return ok({ now: target.toISOString(), previous: moved.from.toISOString(), batches });
    },
  }),
  ...(['GET', 'POST'] as const).map((method) =>
    defineRoute({
      method,
      path: '/v1/cron/daily',
      operationId: method === 'GET' ? 'runDailyCron' : 'runDailyCronPost',
      summary: 'Run the daily batch for every business day not yet processed (Vercel cron sends GET)',
      tags: ['system'],
      auth: 'cron',
      async handler({ database, config, now, requestId }) {
        const batches = await runDailyBatchUpTo({ database, config }, now);
        const paidOut = await withTransaction(database, (tx) =>
          payOutCoolingOff(tx, now, { database, config, requestId }),
        );
        return ok({ batches, cooling_off_paid_out: paidOut });
      },
    }),
  ),
];
