/** The generated OpenAPI document is valid OpenAPI 3.1 and describes every route of the app. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Harness, startHarness } from './harness';

/**
 * The official OpenAPI 3.1 JSON Schema as shipped by @seriousme/openapi-schema-validator, run
 * with the ajv 8 (2020-12 dialect) that package depends on. (Its own entry point cannot load
 * here: npm hoisted its optional ajv-draft-04 peer next to the workspace's ajv 6.)
 */
function openApi31Validator() {
  const pkgRequire = createRequire(
    createRequire(import.meta.url).resolve('@seriousme/openapi-schema-validator/package.json'),
  );
  const Ajv2020 = pkgRequire('ajv/dist/2020').default;
  const schemaPath = pkgRequire.resolve('./schemas/v3.1/schema.json');
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  return ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
}

describe('OpenAPI document', () => {
  let h: Harness;
  let doc: any;
  beforeAll(async () => {
    h = await startHarness('pglite');
    doc = (await client(h.baseUrl).get('/v1/openapi.json')).body;
  });
  afterAll(async () => h?.close());

  it('is valid under the OpenAPI 3.1 schema', async () => {
    const validate = openApi31Validator();
    const valid = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator does reject a broken document.
    expect(validate({ ...doc, info: { title: 1 } })).toBe(false);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('has a unique operationId per operation and the borrower contract paths', () => {
    const ids: string[] = [];
    for (const ops of Object.values(doc.paths) as Record<string, { operationId: string }>[])
      for (const op of Object.values(ops)) ids.push(op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of [
      '/v1/auth/session',
      '/v1/me',
      '/v1/credit/applications',
      '/v1/credit/line',
      '/v1/credit/temporary-increases',
      '/v1/products',
      '/v1/quotes',
      '/v1/loans',
      '/v1/loans/{id}',
      '/v1/loans/{id}/payoff',
      '/v1/loans/{id}/repayments',
      '/v1/loans/{id}/grace',
      '/v1/loans/{id}/cancel',
      '/v1/education/quiz',
      '/v1/authorizations/{key}',
      '/v1/health',
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    const loans = doc.paths['/v1/loans'].post;
    expect(loans.parameters.find((x: { name: string }) => x.name === 'Idempotency-Key')).toMatchObject({
      in: 'header',
      required: true,
    });
    const body = loans.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.principal_amount).toMatchObject({ type: 'integer', minimum: 1 });
  });
});
