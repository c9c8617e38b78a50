/**
 * Request parsing: raw body from the stream with a size limit, strict JSON, zod validation
 * mapped to `ApiError` with the offending `param`, and the shared field schemas (amounts in
 * fen, ids, pagination).
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { ApiError } from './errors';

export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Reads the whole request body. Over `limitBytes` (by Content-Length or by bytes actually
 * received) → 413 `body_too_large` without buffering the rest.
 */
export async function readRawBody(req: IncomingMessage, limitBytes = BODY_LIMIT_BYTES): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limitBytes) {
    req.resume();
    throw bodyTooLarge(limitBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limitBytes) {
      req.resume();
      throw bodyTooLarge(limitBytes);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

function bodyTooLarge(limitBytes: number): ApiError {
  return new ApiError(
    'invalid_request',
    'body_too_large',
    `The request body exceeds ${limitBytes} bytes.`,
    undefined,
    {
      status: 413,
      headers: { Connection: 'close' },
    },
  );
}

/**
 * Strict JSON: valid UTF-8, valid JSON, a top-level object, no duplicate keys at any depth
 * (a duplicate would let two readers of the same body disagree). Empty body → `{}`.
 */
export function parseJsonBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (raw.length === 0) return {};
  if (contentType !== undefined && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
    throw new ApiError(
      'invalid_request',
      'unsupported_media_type',
      'Send the body as application/json.',
      undefined,
      {
        status: 415,
      },
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new ApiError('invalid_request', 'invalid_json', 'The request body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('invalid_request', 'invalid_json', 'The request body is not valid JSON.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError('invalid_request', 'invalid_json', 'The request body must be a JSON object.');
  }
  const dup = findDuplicateKey(text);
  if (dup !== undefined) {
    throw new ApiError(
      'invalid_request',
      'duplicate_field',
      `The field '${dup}' appears more than once.`,
      dup,
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Scans already-valid JSON text for an object with a repeated key. Returns the key.
 * Linear; bounded by the body limit.
 */
export function findDuplicateKey(text: string): string | undefined {
  const stack: (Set<string> | null)[] = [];
  let i = 0;
  let expectKey = false;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '{') {
      stack.push(new Set());
      expectKey = true;
      i++;
    } else if (ch === '[') {
      stack.push(null);
      expectKey = false;
      i++;
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      expectKey = false;
      i++;
    } else if (ch === ',') {
      expectKey = stack[stack.length - 1] instanceof Set;
      i++;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1];
        if (keys) {
          if (keys.has(key)) return key;
          keys.add(key);
        }
        expectKey = false;
      }
      i = j + 1;
    } else {
      i++;
    }
  }
  return undefined;
}

/** zod issue → param string: `answers[0].option_id`. */
export function paramOf(path: readonly PropertyKey[]): string | undefined {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? undefined : out;
}

/** Validates `input` against `schema`; the first issue becomes a 400 with its `param`. */
export function validate<T>(schema: z.ZodType<T>, input: unknown, where: 'body' | 'query' | 'path'): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ApiError('invalid_request', 'invalid_request', `Invalid ${where}.`);
  throw issueToError(issue, where);
}

function issueToError(issue: z.core.$ZodIssue, where: 'body' | 'query' | 'path'): ApiError {
  const base = paramOf(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      const param = base ? `${base}.${key}` : key;
      return new ApiError('invalid_request', 'unknown_field', `Unknown ${where} field '${param}'.`, param);
    }
    case 'invalid_type': {
      const missing = /received undefined$/.test(issue.message);
      if (missing)
        return new ApiError(
          'invalid_request',
          'missing_field',
          `Missing required ${where} field '${base}'.`,
          base,
        );
      return new ApiError(
        'invalid_request',
        'invalid_type',
        `'${base ?? where}' must be of type ${issue.expected}.`,
        base,
      );
    }
    case 'too_small':
    case 'too_big':
      return new ApiError(
        'invalid_request',
        'value_out_of_range',
        `'${base ?? where}': ${issue.message}.`,
        base,
      );
    case 'invalid_value':
      return new ApiError(
        'invalid_request',
        'invalid_value',
        `'${base ?? where}' must be one of the allowed values.`,
        base,
      );
    case 'invalid_union': {
      // Report the branch that came closest (fewest issues), with its own param.
      const branches = (issue.errors ?? []).filter((b) => b.length > 0).sort((a, b) => a.length - b.length);
      const best = branches[0]?.[0];
      if (best)
        return issueToError({ ...best, path: [...issue.path, ...best.path] } as z.core.$ZodIssue, where);
      return new ApiError(
        'invalid_request',
        'invalid_value',
        `'${base ?? where}' does not match any allowed shape.`,
        base,
      );
    }
    case 'custom':
      return new ApiError(
        'invalid_request',
        (issue.params?.code as string | undefined) ?? 'invalid_value',
        `'${base ?? where}': ${issue.message}.`,
        base,
      );
    default:
      return new ApiError('invalid_request', 'invalid_format', `'${base ?? where}': ${issue.message}.`, base);
  }
}

// ---------------------------------------------------------------------------------------
// Field schemas shared by every area.

/** Largest amount the API accepts anywhere: ¥10,000,000,000.00 — far above any product cap. */
export const AMOUNT_MAX_FEN = 1_000_000_000_000;

/**
 * A money amount in integer fen, strictly positive. Rejects strings, fractions, negatives,
 * NaN/Infinity and anything above `AMOUNT_MAX_FEN` (so it always fits a safe integer).
 */
export const amountFen = () =>
  z.int().min(1).max(AMOUNT_MAX_FEN).describe('Amount in integer fen (1 CNY = 100 fen).');

/** Like `amountFen` but allows 0. */
export const amountFenOrZero = () => z.int().min(0).max(AMOUNT_MAX_FEN).describe('Amount in integer fen.');

/** Prefixed object id, e.g. `loan_01J…`. */
export const idParam = (prefix: string) =>
  z
    .string()
    .max(64)
    .regex(new RegExp(`^${prefix}_[A-Za-z0-9]{1,58}$`));

export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/);

export const paginationQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  starting_after: z.string().min(1).max(64).optional(),
};

export interface Page<T> {
  data: T[];
  has_more: boolean;
}

/**
 * Builds a page from `limit + 1` rows fetched newest first: the extra row only tells
 * whether there is more.
 */
export function toPage<T>(rows: T[], limit: number): Page<T> {
  return { data: rows.slice(0, limit), has_more: rows.length > limit };
}
