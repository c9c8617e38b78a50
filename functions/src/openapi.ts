/**
 * OpenAPI 3.1 generated from the route table: the same zod schemas that validate requests
 * (zod 4 `z.toJSONSchema`, JSON Schema 2020-12, which is OpenAPI 3.1's dialect).
 */
import { z } from 'zod';
import type { Route } from './http/route';

type Json = Record<string, unknown>;

const errorSchema: Json = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'code', 'message', 'request_id'],
      properties: {
        type: {
          type: 'string',
          enum: [
            'invalid_request',
            'authentication',
            'permission',
            'not_found',
            'idempotency',
            'business_rule',
            'rate_limit',
            'api_error',
          ],
        },
        code: { type: 'string' },
        message: { type: 'string' },
        param: { type: 'string' },
        request_id: { type: 'string' },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete out.$schema;
  return out;
}

export function buildOpenApi(routes: readonly Route[], info: { version: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const oaPath = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const parameters: Json[] = [];
    for (const m of r.path.matchAll(/:([A-Za-z_]+)/g)) {
      const name = m[1] as string;
      const s = r.params?.[name];
      parameters.push({
        name,
        in: 'path',
        required: true,
        schema: s ? jsonSchema(s, 'input') : { type: 'string' },
      });
    }
    if (r.query) {
      const qs = jsonSchema(r.query, 'input');
      const props = (qs.properties ?? {}) as Record<string, Json>;
      const required = new Set((qs.required as string[] | undefined) ?? []);
      for (const [name, s] of Object.entries(props))
        parameters.push({ name, in: 'query', required: required.has(name), schema: s });
    }
    if (r.idempotent) {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: r.idempotent === 'required',
        schema: { type: 'string', minLength: 1, maxLength: 255 },
      });
    }
    const op: Json = {
      operationId: r.operationId,
      summary: r.summary,
      tags: r.tags ?? [tagOf(r)],
      parameters,
      responses: {
        [String(r.successStatus ?? 200)]: {
          description: 'Success',
          headers: { 'X-Request-Id': { schema: { type: 'string' } } },
          content: {
            'application/json': {
              schema: r.response ? jsonSchema(r.response, 'output') : { type: 'object' },
            },
          },
        },
        '4XX': {
          description: 'Client error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
        '5XX': {
          description: 'Server error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    };
    if (r.body)
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: jsonSchema(r.body, 'input') } },
      };
    if (r.auth === 'user') op.security = [{ session: [] }];
    else if (r.auth === 'merchant') op.security = [{ merchantKey: [] }];
    else if (r.auth === 'cron') op.security = [{ cronSecret: [] }];
    else op.security = [];
    paths[oaPath] ??= {};
    (paths[oaPath] as Record<string, Json>)[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Fenqi API',
      version: info.version,
      description: 'Consumer credit inside a super-app. Money in integer fen; rates as decimal strings.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        session: { type: 'http', scheme: 'bearer', description: 'Session token from POST /v1/auth/session' },
        merchantKey: { type: 'http', scheme: 'bearer', description: 'sk_test_… or sk_live_…' },
        cronSecret: { type: 'http', scheme: 'bearer', description: 'CRON_SECRET' },
      },
    },
  };
}

function tagOf(r: Route): string {
  const seg = r.path.split('/')[2] ?? 'system';
  return seg;
}
