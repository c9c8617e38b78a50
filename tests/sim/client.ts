/**
 * The simulator's HTTP client: fetch with a per-request timeout, a record of every request
 * (for reproductions, with tokens replaced by actor names) and generic response checks.
 */
export type Json = Record<string, unknown>;

export interface Actor {
  /** Readable name used in reproductions ("u3", "merchant"). */
  name: string;
  /** `Bearer …` credential. */
  token?: string;
  /** Sent as `X-Device-Id` (risk rules look at devices; step-up confirms on a known one). */
  deviceId?: string;
}

export interface SimRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  actor?: Actor;
  body?: unknown;
  /** Raw body bytes/string (barrage); wins over `body`. */
  rawBody?: string | Uint8Array;
  idempotencyKey?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface SimResponse {
  /** 0 when the request never got an answer (connection refused/reset, timeout). */
  status: number;
  body: unknown;
  text: string;
  replayed: boolean;
  networkError?: string;
  durationMs: number;
}

export interface LogEntry {
  seq: number;
  step: number;
  lane: number;
  actor: string;
  method: string;
  path: string;
  idempotencyKey?: string;
  body?: unknown;
  status: number;
  replayed: boolean;
  note?: string;
}

/** Shared by the clients of all lanes, so the log is one ordered sequence. */
export interface LogSink {
  log: LogEntry[];
  seq: number;
  /** Bounded: older entries beyond this are dropped on long runs. */
  max: number;
}

export function newLogSink(max = 100_000): LogSink {
  return { log: [], seq: 0, max };
}

export class HttpClient {
  step = 0;

  constructor(
    public baseUrl: string,
    readonly sink: LogSink = newLogSink(),
    readonly lane = 0,
  ) {}

  get log(): LogEntry[] {
    return this.sink.log;
  }

  async send(req: SimRequest, note?: string): Promise<SimResponse> {
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (req.actor?.token) headers.authorization = `Bearer ${req.actor.token}`;
    if (req.actor?.deviceId) headers['x-device-id'] = req.actor.deviceId;
    if (req.idempotencyKey !== undefined) headers['idempotency-key'] = req.idempotencyKey;
    let payload: string | Uint8Array | undefined;
    if (req.rawBody !== undefined) payload = req.rawBody;
    else if (req.body !== undefined) payload = JSON.stringify(req.body, bigintReplacer);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const startedMs = performance.now();
    let res: SimResponse;
    try {
      const response = await fetch(this.baseUrl + req.path, {
        method: req.method,
        headers,
        body: payload as string | undefined,
        signal: AbortSignal.timeout(req.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      res = {
        status: response.status,
        body,
        text,
        replayed: response.headers.get('idempotent-replayed') === 'true',
        durationMs: performance.now() - startedMs,
      };
    } catch (error) {
      res = {
        status: 0,
        body: undefined,
        text: '',
        replayed: false,
        networkError: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        durationMs: performance.now() - startedMs,
      };
    }
    this.record(req, res, note);
    return res;
  }

  private record(req: SimRequest, res: SimResponse, note?: string): void {
    this.sink.log.push({
      seq: this.sink.seq++,
      step: this.step,
      lane: this.lane,
      actor: req.actor?.name ?? '-',
      method: req.method,
      path: req.path,
      ...(req.idempotencyKey !== undefined ? { idempotencyKey: req.idempotencyKey } : {}),
      ...(req.body !== undefined ? { body: req.body } : {}),
      status: res.status,
      replayed: res.replayed,
      ...(note ? { note } : {}),
    });
    if (this.sink.log.length > this.sink.max * 1.2)
      this.sink.log.splice(0, this.sink.log.length - this.sink.max);
  }
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function field<T = unknown>(value: unknown, name: string): T | undefined {
  return isObject(value) ? (value[name] as T | undefined) : undefined;
}

export function errorCode(res: SimResponse): string | undefined {
  return field<string>(field(res.body, 'error'), 'code');
}

/**
 * Money on the wire is integer fen: every field named `amount` or ending in `_amount`
 * (at any depth) must be a safe integer, and never negative. Returns the offending paths.
 */
export function moneyFieldProblems(value: unknown, path = '$', out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) moneyFieldProblems(item, `${path}[${i}]`, out);
  } else if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      const p = `${path}.${key}`;
      if ((key === 'amount' || key.endsWith('_amount')) && v !== null && v !== undefined) {
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) out.push(`${p}=${JSON.stringify(v)}`);
      } else if (typeof v === 'object') moneyFieldProblems(v, p, out);
    }
  }
  return out;
}

/** Deep equality of two JSON values, ignoring the listed keys at any depth. */
export function jsonEqual(a: unknown, b: unknown, ignore: ReadonlySet<string> = new Set()): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i], ignore));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => !ignore.has(k));
    const kb = Object.keys(b).filter((k) => !ignore.has(k));
    if (ka.length !== kb.length) return false;
    return ka.every((k) => jsonEqual(a[k], b[k], ignore));
  }
  return false;
}
