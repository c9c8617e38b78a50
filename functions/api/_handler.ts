/**
 * The Vercel Node function body for every /v1/* request (files starting with `_` are not
 * deployed as functions themselves). It only opens the database (once per instance, lazily)
 * and hands the raw request to the same dispatcher the local server uses.
 * Entry points: `api/v1.ts` (vercel.json rewrites `/v1/:path*` to it) and `api/v1/[...path].ts`.
 *
 * Deploy with the environment variable NODEJS_HELPERS=0: otherwise Vercel's helpers consume
 * and pre-parse the body stream, and our parser (size limit, strict JSON, duplicate-key
 * check) would see an empty stream.
 */

import { openDatabase } from '@fenqi/db';
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { type AppHandler, createApp, loadConfig } from '../src/index';
import { setTriggerKeepAlive } from '../src/webhooks/trigger';

let appPromise: Promise<AppHandler> | undefined;

function app(): Promise<AppHandler> {
  appPromise ??= (async () => {
    const config = loadConfig(process.env);
    // `waitUntil` keeps the instance alive for the after-commit webhook trigger (loaded here only,
    // so the local server and tests never pay for the package).
    const [database, vercel] = await Promise.all([
      openDatabase({ url: process.env.DATABASE_URL }),
      import('@vercel/functions'),
    ]);
    setTriggerKeepAlive(vercel.waitUntil);
    return createApp({ database, config });
  })().catch((err) => {
    appPromise = undefined; // let the next request try again
    throw err;
  });
  return appPromise;
}

export default async function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  let dispatch: AppHandler;
  try {
    dispatch = await app();
  } catch (err) {
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'startup_failed',
        error_kind: (err as Error)?.name,
        error_message: String((err as Error)?.message).slice(0, 300),
      }),
    );
    res.statusCode = 503;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(
      JSON.stringify({
        error: {
          type: 'api_error',
          code: 'service_unavailable',
          message: 'The service is starting or misconfigured; retry later.',
          request_id: 'req_startup',
        },
      }),
    );
    return;
  }
  req.url = normalizeUrl(req.url ?? '/');
  await dispatch(req, res);
}

/** A rewrite may hand us `/functions/api/v1/...` or `/api/v1/...`: the app routes `/v1/...`. */
export function normalizeUrl(url: string): string {
  const m = /^\/(?:functions\/)?api(\/v1(?:[/?].*)?)$/.exec(url);
  return m?.[1] ?? url;
}
