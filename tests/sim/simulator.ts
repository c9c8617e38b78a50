/**
 * The seeded simulator (issue 9). It starts the real service as a child process on a fresh
 * database of the real PostgreSQL server — through a TCP fault proxy it can sever — and
 * drives users and the demo merchant through the public HTTP API only. After every step it
 * checks the answers against its model; every `checkEvery` steps and at the end it runs the
 * database invariant checker and compares every user's and merchant's view with the model.
 *
 * Same seed → same operation sequence (the op digest printed at the end), as long as the
 * service answers the same; faults only make the service's answers arrive later (clients
 * retry with their idempotency keys until they get one).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Actor,
  errorCode,
  field,
  HttpClient,
  isObject,
  jsonEqual,
  type LogSink,
  moneyFieldProblems,
  newLogSink,
  type SimRequest,
  type SimResponse,
} from './client';
import { type FaultProxy, startFaultProxy } from './fault-proxy';
import { type InvariantChecker, openInvariantChecker } from './invariants';
import {
  type CheckoutModel,
  coolingOffRequired,
  DAY_MS,
  type LaneModel,
  type LoanModel,
  newLane,
  OPEN_STATUSES,
  PRODUCT_RANGES,
  type UserModel,
  type Violation,
} from './model';
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  type PgServer,
  pgServerFromEnv,
  scratchName,
} from './pg-admin';
import { Prng } from './prng';
import { freePort, REPO_ROOT, ServerProcess } from './server-process';
import { WebhookReceiver } from './webhook-receiver';

export interface SimOptions {
  seed: number;
  ops: number;
  faults: boolean;
  /** Parallel lanes of traffic (each its own users and checkouts). */
  lanes: number;
  /** Full checks (invariants + every view) every N steps. */
  checkEvery: number;
  /** Probability per step of a SIGKILL / a connection cut (fault mode). */
  killRate: number;
  severRate: number;
  /** Probability per step of moving the service clock forward (hours to weeks). */
  clockRate: number;
  usersPerLane: number;
  keepDatabase: boolean;
  quiet: boolean;
  /** Stop at the first violation (default) or collect up to 20. */
  failFast: boolean;
  /** Violation kinds reported as known bugs instead of failing the run (`--allow a,b`). */
  allow: string[];
}

export const DEFAULT_OPTIONS: SimOptions = {
  seed: 1,
  ops: 1000,
  faults: false,
  lanes: 4,
  checkEvery: 100,
  killRate: 0.002,
  severRate: 0.006,
  clockRate: 0.015,
  usersPerLane: 6,
  keepDatabase: false,
  quiet: false,
  failFast: true,
  allow: [],
};

export interface SimStats {
  ops: number;
  steps: number;
  requests: number;
  byOp: Record<string, number>;
  byStatus: Record<string, number>;
  kills: number;
  severs: number;
  severedConnections: number;
  faultRetries: number;
  toleratedFaultErrors: number;
  stepUps: number;
  relogins: number;
  invariantRuns: number;
  invariantMs: number;
  clockAdvances: number;
  loansCreated: number;
  repayments: number;
  checkoutsCreated: number;
  webhookEvents: number;
  webhookDeliveries: number;
  notImplemented: Record<string, number>;
  /** Allowed known violations by kind (`--allow`). */
  allowed: Record<string, number>;
  /** `status code METHOD path` → count, for the report. */
  errors: Record<string, number>;
  elapsedMs: number;
}

export interface SimResult {
  ok: boolean;
  violations: Violation[];
  stats: SimStats;
  opDigest: string;
  outcomeDigest: string;
  reproduction?: string;
}

const SCENES_FALLBACK = ['dining'];
const METHODS = [
  'equal_installment',
  'equal_principal',
  'interest_first',
  'single_payment',
  'daily',
] as const;

class Stop extends Error {}

export class Simulator {
  readonly opts: SimOptions;
  readonly main: Prng;
  readonly lanes: LaneModel[] = [];
  private readonly lanePrng: Prng[] = [];
  private readonly clients: HttpClient[] = [];
  readonly sink: LogSink = newLogSink();
  readonly violations: Violation[] = [];
  readonly stats: SimStats;
  /**
   * Digests per lane (index 0 = global ops such as clock moves): lanes run concurrently, so
   * one shared hash would depend on which lane's request finished first.
   */
  private readonly opHashes = new Map<number, ReturnType<typeof createHash>>();
  private readonly outcomeHashes = new Map<number, ReturnType<typeof createHash>>();
  private pg!: PgServer;
  private dbName = '';
  private proxy!: FaultProxy;
  private server!: ServerProcess;
  private receiver!: WebhookReceiver;
  private checker: InvariantChecker | undefined;
  private merchant: Actor | undefined;
  private scenes: string[] = SCENES_FALLBACK;
  /** The scene the demo merchant is registered for (others are refused: scene_not_allowed). */
  private merchantScene: string | undefined;
  private step = 0;
  private faultEpoch = 0;
  private lastFaultMs = Number.NEGATIVE_INFINITY;
  private restarting: Promise<void> | undefined;
  private serviceNowMs = Date.now();
  private clockOffsetMs = 0;
  private startedMs = 0;
  private log: (line: string) => void;

  constructor(options: Partial<SimOptions> = {}) {
    this.opts = { ...DEFAULT_OPTIONS, ...options };
    this.main = new Prng(this.opts.seed);
    this.log = this.opts.quiet ? () => {} : (line) => process.stdout.write(`${line}\n`);
    this.stats = {
      ops: 0,
      steps: 0,
      requests: 0,
      byOp: {},
      byStatus: {},
      kills: 0,
      severs: 0,
      severedConnections: 0,
      faultRetries: 0,
      toleratedFaultErrors: 0,
      stepUps: 0,
      relogins: 0,
      invariantRuns: 0,
      invariantMs: 0,
      clockAdvances: 0,
      loansCreated: 0,
      repayments: 0,
      checkoutsCreated: 0,
      webhookEvents: 0,
      webhookDeliveries: 0,
      notImplemented: {},
      allowed: {},
      errors: {},
      elapsedMs: 0,
    };
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────

  async run(): Promise<SimResult> {
    this.startedMs = performance.now();
    try {
      await this.setUp();
      await this.loop();
      if (this.violations.length === 0 || !this.opts.failFast) await this.finalChecks();
    } catch (error) {
      if (!(error instanceof Stop)) {
        this.violate(
          -1,
          'harness_error',
          error instanceof Error ? (error.stack ?? error.message) : String(error),
          [],
        );
      }
    } finally {
      await this.tearDown();
    }
    this.stats.elapsedMs = Math.round(performance.now() - this.startedMs);
    this.stats.requests = this.sink.seq;
    const result: SimResult = {
      ok: this.violations.length === 0,
      violations: this.violations,
      stats: this.stats,
      opDigest: combine(this.opHashes),
      outcomeDigest: combine(this.outcomeHashes),
    };
    if (!result.ok) result.reproduction = this.reproduction();
    return result;
  }

  private async setUp(): Promise<void> {
    this.pg = pgServerFromEnv();
    this.dbName = scratchName('fenqi_sim', `s${this.opts.seed}`);
    createDatabase(this.pg, this.dbName);
    this.proxy = await startFaultProxy({ host: this.pg.host, port: this.pg.port });
    const port = await freePort();
    const logDir = join(REPO_ROOT, '.tmp', 'sim');
    mkdirSync(logDir, { recursive: true });
    this.server = new ServerProcess({
      databaseUrl: databaseUrl(this.pg, this.dbName, this.proxy.port),
      port,
      logFile: join(logDir, `server-${this.opts.seed}.log`),
    });
    this.receiver = new WebhookReceiver(this.main.fork('receiver'), this.opts.faults ? 0.1 : 0);
    await this.receiver.start();
    const ready = await this.server.start();
    this.checker = await openInvariantChecker(databaseUrl(this.pg, this.dbName));
    this.log(
      `sim: seed ${this.opts.seed}, ${this.opts.ops} ops, ${this.opts.lanes} lanes, faults ${this.opts.faults ? 'on' : 'off'}, database ${this.dbName}, server ${ready.url} (worker: ${ready.worker ?? 'none'}), invariant checker: ${this.checker.kind}`,
    );
    this.readSeed(ready.seed);
    for (let i = 0; i < this.opts.lanes; i++) {
      this.lanes.push(newLane(i));
      this.lanePrng.push(this.main.fork(`lane-${i}`));
      this.clients.push(new HttpClient(this.server.url, this.sink, i));
    }
    await this.readScenes();
    await this.syncClock();
  }

  private readSeed(seed: unknown): void {
    const merchant = field(seed, 'merchant');
    const apiKey =
      field<string>(merchant, 'apiKey') ??
      field<string>(merchant, 'api_key') ??
      field<string>(merchant, 'secretKey');
    const secret = field<string>(merchant, 'webhookSecret') ?? field<string>(merchant, 'webhook_secret');
    if (apiKey) this.merchant = { name: 'merchant', token: apiKey };
    const scene = field<string>(merchant, 'scene');
    if (scene) this.merchantScene = scene;
    if (secret) {
      this.receiver.secrets = [secret];
    }
    if (!apiKey) this.log('sim: NOTE the service seeded no demo merchant key — merchant traffic is skipped');
  }

  private async readScenes(): Promise<void> {
    const res = await this.clients[0]!.send({ method: 'GET', path: '/v1/openapi.json' });
    const found = new Set<string>();
    const walk = (v: unknown, key?: string): void => {
      if (Array.isArray(v)) for (const x of v) walk(x);
      else if (isObject(v)) {
        if (key === 'scene' && Array.isArray(v.enum))
          for (const e of v.enum) if (typeof e === 'string') found.add(e);
        for (const [k, x] of Object.entries(v)) walk(x, k);
      }
    };
    walk(res.body);
    if (found.size > 0) this.scenes = [...found].sort();
  }

  private async tearDown(): Promise<void> {
    await this.server?.stop().catch(() => {});
    await this.checker?.close().catch(() => {});
    await this.receiver?.close().catch(() => {});
    await this.proxy?.close().catch(() => {});
    if (this.dbName && !this.opts.keepDatabase && this.pg) dropDatabase(this.pg, this.dbName);
    this.stats.kills = this.server?.kills ?? 0;
    this.stats.severedConnections = this.proxy?.severedTotal() ?? 0;
  }

  // ── main loop ────────────────────────────────────────────────────────────────────────

  /** Set by `requestStop()` (SIGINT in the CLI): finish the step, then run the final checks. */
  private stopRequested = false;

  requestStop(): void {
    if (!this.stopRequested) this.log('sim: stop requested — finishing this step, then the final checks');
    this.stopRequested = true;
  }

  private async loop(): Promise<void> {
    while (this.stats.ops < this.opts.ops && !this.stopRequested) {
      this.step += 1;
      this.stats.steps = this.step;
      for (const c of this.clients) c.step = this.step;
      if (this.main.chance(this.opts.clockRate)) {
        await this.advanceClock();
        this.stats.ops += 1;
      } else {
        let fault: Promise<void> | undefined;
        if (this.opts.faults) {
          if (this.main.chance(this.opts.killRate)) fault = this.injectKill(this.main.int(0, 60));
          else if (this.main.chance(this.opts.severRate)) fault = this.injectSever(this.main.int(0, 40));
        }
        await Promise.all(this.lanes.map((lane) => this.laneOp(lane)));
        if (fault) await fault;
        this.stats.ops += this.lanes.length;
      }
      if (this.violations.length > 0 && this.opts.failFast) throw new Stop();
      if (this.step % this.opts.checkEvery === 0) await this.fullCheck();
      if (this.step % 500 === 0) {
        const rate = (this.stats.ops / ((performance.now() - this.startedMs) / 1000)).toFixed(1);
        this.log(
          `sim: step ${this.step}, ops ${this.stats.ops}, requests ${this.sink.seq}, ${rate} ops/s, kills ${this.server.kills}, severs ${this.stats.severs}, loans ${this.stats.loansCreated}, checkouts ${this.stats.checkoutsCreated}`,
        );
      }
    }
  }

  private recordOp(lane: number, descriptor: string): void {
    laneHash(this.opHashes, lane).update(`${this.step}|${lane}|${descriptor}\n`);
    const kind = descriptor.split(' ')[0] ?? descriptor;
    this.stats.byOp[kind] = (this.stats.byOp[kind] ?? 0) + 1;
  }

  private async laneOp(lane: LaneModel): Promise<void> {
    const prng = this.lanePrng[lane.index]!;
    const users = lane.users;
    if (users.length < this.opts.usersPerLane && (users.length === 0 || prng.chance(0.08))) {
      return this.opNewUser(lane, prng);
    }
    const user = prng.pick(users);
    if (!user.token) return this.opLogin(lane, user);
    if (user.application === 'none') return this.opApply(lane, prng, user);
    const openLoans = user.loans.filter((l) => OPEN_STATUSES.has(l.status));
    const openCheckouts = lane.checkouts.filter((c) => c.status === 'open');
    const authorized = lane.checkouts.filter((c) => c.status === 'authorized');
    const refundable = lane.checkouts.filter(
      (c) => (c.status === 'captured' || c.status === 'partially_refunded') && c.capturedFen > c.refundedFen,
    );
    type Choice = () => Promise<void>;
    const choices: Array<readonly [number, Choice]> = [
      [user.quizPassed ? 1 : 8, () => this.opQuiz(lane, prng, user)],
      [6, () => this.opQuote(lane, prng, user)],
      [14, () => this.opBorrow(lane, prng, user)],
      [openLoans.length > 0 ? 16 : 0, () => this.opRepay(lane, prng, user, prng.pick(openLoans))],
      [openLoans.length > 0 ? 4 : 0, () => this.opPayoff(lane, prng, user, prng.pick(openLoans))],
      [openLoans.length > 0 ? 3 : 0, () => this.opGrace(lane, prng, user, prng.pick(openLoans))],
      [
        openLoans.some((l) => l.status === 'cooling_off') ? 5 : 0,
        () => this.opCancel(lane, prng, user, prng.pick(openLoans.filter((l) => l.status === 'cooling_off'))),
      ],
      [this.merchant ? 7 : 0, () => this.opCreateCheckout(lane, prng)],
      [
        this.merchant && openCheckouts.length > 0 ? 9 : 0,
        () => this.opConfirm(lane, prng, user, prng.pick(openCheckouts)),
      ],
      [
        this.merchant && authorized.length > 0 ? 5 : 0,
        () => this.opCapture(lane, prng, prng.pick(authorized)),
      ],
      [
        this.merchant && (authorized.length > 0 || openCheckouts.length > 0) ? 2 : 0,
        () => this.opMerchantCancel(lane, prng, prng.pick([...authorized, ...openCheckouts])),
      ],
      [
        this.merchant && refundable.length > 0 ? 4 : 0,
        () => this.opRefund(lane, prng, prng.pick(refundable)),
      ],
      [10, () => this.opReconcile(lane, prng, user)],
      [4, () => this.opAdversarial(lane, prng, user)],
    ];
    await prng.weighted(choices)();
  }

  // ── request plumbing ─────────────────────────────────────────────────────────────────

  private client(lane: LaneModel | number): HttpClient {
    return this.clients[typeof lane === 'number' ? lane : lane.index]!;
  }

  /**
   * Send; on no answer or a 5xx caused by an injected fault, wait for the service and send
   * again with the same idempotency key. A 5xx with no fault around it is a violation.
   */
  private async call(
    lane: LaneModel,
    req: SimRequest,
    actors: string[],
    note?: string,
  ): Promise<SimResponse> {
    for (let attempt = 0; ; attempt++) {
      const epoch = this.faultEpoch;
      const startedMs = performance.now();
      const res = await this.client(lane).send(req, note);
      this.countStatus(res.status);
      this.countError(req, res);
      const problems = res.status > 0 && res.status < 300 ? moneyFieldProblems(res.body) : [];
      if (problems.length > 0) {
        this.violate(
          lane.index,
          'money_not_integer_fen',
          `${req.method} ${req.path}: ${problems.slice(0, 5).join(', ')}`,
          actors,
        );
      }
      if (res.status === 401 && req.actor?.deviceId && attempt < 3 && /expired/.test(errorCode(res) ?? '')) {
        // Sessions expire on the service clock, which the simulator moves by days: log in again.
        const user = this.findUser(req.actor.name);
        if (user) {
          await this.opLogin(lane, user, false);
          req.actor.token = user.token;
          this.stats.relogins += 1;
          continue;
        }
      }
      if (res.status === 403 && errorCode(res) === 'step_up_required' && attempt < 3) {
        if (await this.completeStepUp(lane, req, res, actors)) continue;
      }
      if (res.status !== 0 && res.status < 500) {
        if (res.status === 404 && errorCode(res) === 'route_not_found') {
          const key = `${req.method} ${req.path.replace(/\/(loan|chk|usr|evt|rf|ref|qt)_[A-Za-z0-9]+/g, '/:id')}`;
          this.stats.notImplemented[key] = (this.stats.notImplemented[key] ?? 0) + 1;
        }
        return res;
      }
      const faultRelated =
        this.opts.faults &&
        (epoch !== this.faultEpoch ||
          startedMs - this.lastFaultMs < 3_000 ||
          this.restarting !== undefined ||
          !this.server.alive());
      if (!faultRelated) {
        this.violate(
          lane.index,
          res.status === 0 ? 'no_answer' : 'server_error',
          `${req.method} ${req.path} → ${res.status || res.networkError} ${res.text.slice(0, 300)}`,
          actors,
        );
        return res;
      }
      this.stats.faultRetries += 1;
      if (res.status >= 500) this.stats.toleratedFaultErrors += 1;
      if (attempt > 200) {
        this.violate(
          lane.index,
          'no_recovery',
          `${req.method} ${req.path}: no answer after ${attempt} retries`,
          actors,
        );
        return res;
      }
      if (this.restarting) await this.restarting;
      await sleep(Math.min(50 + attempt * 25, 500));
    }
  }

  private countStatus(status: number): void {
    const key = String(status);
    this.stats.byStatus[key] = (this.stats.byStatus[key] ?? 0) + 1;
  }

  private countError(req: SimRequest, res: SimResponse): void {
    if (res.status < 400) return;
    const path = req.path.split('?')[0]!.replace(/\/(loan|chk|ct|usr|evt|qt)_[A-Za-z0-9_.-]+/g, '/:id');
    const key = `${res.status} ${errorCode(res) ?? '-'} ${req.method} ${path}`;
    this.stats.errors[key] = (this.stats.errors[key] ?? 0) + 1;
  }

  private outcome(lane: number, descriptor: string, res: SimResponse): void {
    const line = `${this.step}|${descriptor}|${res.status}|${errorCode(res) ?? ''}`;
    laneHash(this.outcomeHashes, lane).update(`${line}\n`);
    // SIM_TRACE=<file>: the outcome lines per lane, to diff two runs of one seed.
    if (process.env.SIM_TRACE) appendFileSync(process.env.SIM_TRACE, `${lane}|${line}\n`);
  }

  violate(lane: number, kind: string, message: string, actors: string[]): void {
    if (this.opts.allow.includes(kind)) {
      // Explicitly allowed known bug (--allow): counted and printed, never silent.
      this.stats.allowed[kind] = (this.stats.allowed[kind] ?? 0) + 1;
      if (this.stats.allowed[kind] === 1)
        this.log(
          `sim: ALLOWED known violation ${kind} (first at step ${this.step}): ${message.slice(0, 300)}`,
        );
      return;
    }
    if (this.violations.length >= 20) return;
    this.violations.push({ step: this.step, lane, kind, message, actors });
    this.log(`sim: VIOLATION at step ${this.step} (lane ${lane}) ${kind}: ${message}`);
  }

  private key(prng: Prng, label: string): string {
    return `sim-${this.opts.seed}-${label}-${prng.token(12)}`;
  }

  // ── faults ───────────────────────────────────────────────────────────────────────────

  private async injectKill(delayMs: number): Promise<void> {
    await sleep(delayMs);
    this.faultEpoch += 1;
    this.lastFaultMs = performance.now();
    let release!: () => void;
    this.restarting = new Promise<void>((r) => {
      release = r;
    });
    try {
      await this.server.kill();
      this.stats.kills += 1;
      await this.server.start({ SIM_SKIP_MIGRATE: '1' });
    } finally {
      this.lastFaultMs = performance.now();
      this.restarting = undefined;
      release();
    }
  }

  private async injectSever(delayMs: number): Promise<void> {
    await sleep(delayMs);
    this.faultEpoch += 1;
    this.lastFaultMs = performance.now();
    this.stats.severs += 1;
    this.proxy.sever();
  }

  // ── clock ────────────────────────────────────────────────────────────────────────────

  private async syncClock(): Promise<void> {
    const lane = this.lanes[0]!;
    const res = await this.call(
      lane,
      { method: 'POST', path: '/v1/test/clock', body: { now: new Date().toISOString() } },
      ['clock'],
    );
    const now = field<string>(res.body, 'now');
    if (res.status === 200 && now) this.serviceNowMs = Date.parse(now);
  }

  private async advanceClock(): Promise<void> {
    const deltaMs = this.main.weighted<number>([
      [50, DAY_MS],
      [25, this.main.int(2, 7) * DAY_MS],
      [15, this.main.int(8, 35) * DAY_MS],
      [10, this.main.int(1, 20) * 3600 * 1000],
    ]);
    this.recordOp(-1, `clock +${deltaMs / 3600_000}h`);
    this.clockOffsetMs += deltaMs;
    const target = new Date(Math.max(Date.now() + this.clockOffsetMs, this.serviceNowMs + deltaMs));
    const res = await this.call(
      this.lanes[0]!,
      { method: 'POST', path: '/v1/test/clock', body: { now: target.toISOString() }, timeoutMs: 300_000 },
      ['clock'],
    );
    this.outcome(-1, 'clock', res);
    this.stats.clockAdvances += 1;
    if (res.status !== 200) {
      this.violate(-1, 'clock', `POST /v1/test/clock → ${res.status} ${res.text.slice(0, 200)}`, ['clock']);
      return;
    }
    this.serviceNowMs = Date.parse(field<string>(res.body, 'now') ?? target.toISOString());
    for (const lane of this.lanes) {
      for (const c of lane.checkouts) {
        // Only an open checkout can expire; allow the daily batch up to a day of lag.
        if (
          (c.status === 'open' || c.status === 'authorized') &&
          this.serviceNowMs > c.expiresAtMs + DAY_MS
        ) {
          c.status = 'expired';
          c.expectedEvents.add('checkout.expired');
        }
      }
    }
  }

  // ── users ────────────────────────────────────────────────────────────────────────────

  private async opNewUser(lane: LaneModel, prng: Prng): Promise<void> {
    const handle = `u${lane.index}_${lane.nextUser++}`;
    const incomeFen = prng.weighted<number>([
      [30, prng.int(200_000, 499_999)],
      [50, prng.int(500_000, 3_000_000)],
      [20, prng.int(3_000_001, 20_000_000)],
    ]);
    const user: UserModel = {
      handle,
      loginName: `sim${this.opts.seed}_${handle}`,
      lane: lane.index,
      application: 'none',
      monthlyIncomeFen: incomeFen,
      quizPassed: false,
      knownAnswers: new Map(),
      loans: [],
      expectedUnlinkedLoans: [],
    };
    lane.users.push(user);
    this.recordOp(lane.index, `new_user ${handle} ${incomeFen}`);
    await this.opLogin(lane, user);
  }

  private async opLogin(lane: LaneModel, user: UserModel, record = true): Promise<void> {
    if (record) this.recordOp(lane.index, `login ${user.handle}`);
    const res = await this.call(
      lane,
      { method: 'POST', path: '/v1/auth/session', body: { code: `dev:${user.loginName}` } },
      [user.handle],
    );
    this.outcome(lane.index, 'login', res);
    const token = field<string>(res.body, 'token');
    const id = field<string>(field(res.body, 'user'), 'id');
    if (res.status === 200 || res.status === 201) {
      if (!token || !id)
        return this.violate(lane.index, 'contract', `login answered ${res.status} without token/user.id`, [
          user.handle,
        ]);
      if (user.userId && user.userId !== id) {
        this.violate(
          lane.index,
          'identity',
          `dev login ${user.loginName} gave user ${id}, earlier ${user.userId}`,
          [user.handle],
        );
      }
      user.token = token;
      user.userId = id;
    }
  }

  private actor(user: UserModel): Actor {
    return { name: user.handle, token: user.token ?? 'none', deviceId: `dev-${user.handle}` };
  }

  /**
   * A `step_up_required` answer: fetch the dev/test codes of the challenge, complete it with
   * the user's usual device, and let the caller retry with the same Idempotency-Key.
   */
  private async completeStepUp(
    lane: LaneModel,
    req: SimRequest,
    res: SimResponse,
    actors: string[],
  ): Promise<boolean> {
    const challenge = field<string>(field(field(res.body, 'error'), 'step_up'), 'challenge_id');
    const actor = req.actor;
    if (!challenge || !actor?.deviceId) return false;
    const view = await this.client(lane).send(
      { method: 'GET', path: `/v1/risk/step-up/${challenge}?device_id=${actor.deviceId}`, actor },
      'step-up codes',
    );
    const dev = field(view.body, 'dev_delivery');
    const otp = field<string>(dev, 'otp_code');
    const deviceCode = field<string>(dev, 'device_code');
    if (!otp || !deviceCode) return false;
    const done = await this.client(lane).send(
      {
        method: 'POST',
        path: '/v1/risk/step-up',
        actor,
        body: { challenge_id: challenge, otp_code: otp, device_id: actor.deviceId, device_code: deviceCode },
      },
      'step-up',
    );
    this.stats.stepUps += 1;
    if (done.status >= 500)
      this.violate(lane.index, 'server_error', `POST /v1/risk/step-up → ${done.status}`, actors);
    return done.status === 200;
  }

  private async opApply(lane: LaneModel, _prng: Prng, user: UserModel): Promise<void> {
    this.recordOp(lane.index, `apply ${user.handle}`);
    const res = await this.call(
      lane,
      {
        method: 'POST',
        path: '/v1/credit/applications',
        actor: this.actor(user),
        idempotencyKey: `sim-${this.opts.seed}-apply-${user.handle}`,
        body: { monthly_income: user.monthlyIncomeFen, consents: await this.requiredConsents(lane, user) },
      },
      [user.handle],
    );
    this.outcome(lane.index, 'apply', res);
    if (res.status >= 400) {
      if (res.status === 404 && errorCode(res) === 'route_not_found') user.application = 'declined';
      return;
    }
    const status = field<string>(res.body, 'status');
    if (status === 'approved') {
      user.application = 'approved';
      const line = field(res.body, 'credit_line');
      const base = field<number>(line, 'base_limit_amount');
      if (typeof base === 'number') {
        user.baseLimitFen = base;
        if (base < 50_000 || base > 20_000_000) {
          this.violate(lane.index, 'credit_line_range', `base line ${base} fen outside 500–200,000 CNY`, [
            user.handle,
          ]);
        }
      }
    } else if (status === 'declined') {
      user.application = 'declined';
      const reasons = field<unknown[]>(res.body, 'reasons');
      if (!Array.isArray(reasons) || reasons.length === 0) {
        this.violate(lane.index, 'decline_without_reason', 'a declined application carries no reasons', [
          user.handle,
        ]);
      }
    } else {
      this.violate(
        lane.index,
        'contract',
        `application answered ${res.status} with status ${String(status)}`,
        [user.handle],
      );
    }
  }

  private consentCache: string[] | undefined;

  /** The consents the API asks for, read once from the OpenAPI enum; a fixed guess otherwise. */
  private async requiredConsents(lane: LaneModel, _user: UserModel): Promise<string[]> {
    if (this.consentCache) return this.consentCache;
    const res = await this.client(lane).send({ method: 'GET', path: '/v1/openapi.json' });
    const found = new Set<string>();
    const walk = (v: unknown, key?: string): void => {
      if (Array.isArray(v)) for (const x of v) walk(x, key);
      else if (isObject(v)) {
        if (key === 'consents') {
          const items = field(v, 'items');
          const e = field<unknown[]>(items, 'enum');
          if (Array.isArray(e)) for (const x of e) if (typeof x === 'string') found.add(x);
        }
        for (const [k, x] of Object.entries(v)) walk(x, k);
      }
    };
    walk(res.body);
    this.consentCache = found.size > 0 ? [...found].sort() : ['credit_report', 'terms', 'privacy'];
    return this.consentCache;
  }

  private async opQuiz(lane: LaneModel, prng: Prng, user: UserModel): Promise<void> {
    this.recordOp(lane.index, `quiz ${user.handle}`);
    const get = await this.call(
      lane,
      { method: 'GET', path: '/v1/education/quiz', actor: this.actor(user) },
      [user.handle],
    );
    if (get.status !== 200) return;
    const questions = field<unknown[]>(get.body, 'questions') ?? [];
    const answers = questions.map((q) => {
      const qid = String(field(q, 'id'));
      const options = (field<unknown[]>(q, 'options') ?? []).map((o) => String(field(o, 'id')));
      const known = user.knownAnswers.get(qid);
      const option = known && prng.chance(0.9) ? known : prng.pick(options.length > 0 ? options : ['a']);
      return { question_id: qid, option_id: option };
    });
    const post = await this.call(
      lane,
      {
        method: 'POST',
        path: '/v1/education/quiz',
        actor: this.actor(user),
        body: { answers },
      },
      [user.handle],
    );
    this.outcome(lane.index, 'quiz', post);
    if (post.status !== 200 && post.status !== 201) return;
    for (const r of field<unknown[]>(post.body, 'results') ?? []) {
      const qid = field<string>(r, 'question_id');
      const correct = field<string>(r, 'correct_option_id');
      if (qid && correct) user.knownAnswers.set(qid, correct);
    }
    if (field<boolean>(post.body, 'passed') === true) user.quizPassed = true;
  }

  // ── borrowing ────────────────────────────────────────────────────────────────────────

  private loanParams(prng: Prng, user: UserModel): Record<string, unknown> {
    const product = prng.weighted<string>([
      [70, 'cash_loan'],
      [15, 'emergency_loan'],
      [8, 'education_installment'],
      [7, 'business_turnover'],
    ]);
    const range = PRODUCT_RANGES[product]!;
    const limit = user.baseLimitFen ?? 2_000_000;
    const principal = prng.weighted<number>([
      [60, prng.int(range.minFen, Math.max(range.minFen, Math.min(range.maxFen, Math.floor(limit * 0.5))))],
      [20, prng.int(range.minFen, Math.max(range.minFen, Math.min(range.maxFen, limit)))],
      [10, prng.int(Math.max(1, range.minFen - 10_000), range.minFen + 10_000)],
      [10, prng.int(limit, limit + 5_000_000)],
    ]);
    const method = prng.pick(METHODS);
    const params: Record<string, unknown> = { product, principal_amount: principal, method };
    if (method === 'daily' || method === 'single_payment' || product === 'emergency_loan')
      params.term_days = prng.pick([7, 14, 30, 60, 90]);
    else params.term_months = product === 'education_installment' ? 12 : prng.pick([1, 3, 6, 12, 24, 36]);
    return params;
  }

  private async opQuote(lane: LaneModel, prng: Prng, user: UserModel): Promise<void> {
    const params = this.loanParams(prng, user);
    this.recordOp(lane.index, `quote ${user.handle} ${JSON.stringify(params)}`);
    const res = await this.call(
      lane,
      { method: 'POST', path: '/v1/quotes', actor: this.actor(user), body: params },
      [user.handle],
    );
    this.outcome(lane.index, 'quote', res);
    if (res.status >= 300) return;
    this.checkSchedule(lane, user, res.body, Number(params.principal_amount), 'quote');
    this.checkProductRange(lane, user, params);
  }

  private checkProductRange(lane: LaneModel, user: UserModel, params: Record<string, unknown>): void {
    const range = PRODUCT_RANGES[String(params.product)];
    const p = Number(params.principal_amount);
    if (range && (p < range.minFen || p > range.maxFen)) {
      this.violate(
        lane.index,
        'product_range',
        `${String(params.product)} accepted ${p} fen outside ${range.minFen}–${range.maxFen}`,
        [user.handle],
      );
    }
  }

  /** Schedule arithmetic that must hold on any quote or loan. */
  private checkSchedule(
    lane: LaneModel,
    user: UserModel,
    body: unknown,
    principalFen: number,
    what: string,
  ): void {
    const installments = field<unknown[]>(body, 'installments');
    if (!Array.isArray(installments) || installments.length === 0) {
      this.violate(lane.index, 'contract', `${what} has no installments`, [user.handle]);
      return;
    }
    const sum = (name: string) => installments.reduce<number>((s, i) => s + Number(field(i, name) ?? 0), 0);
    const principalSum = sum('principal_amount');
    const p = Number(field(body, 'principal_amount'));
    if (p !== principalFen)
      this.violate(lane.index, 'principal_mismatch', `${what} principal ${p} ≠ requested ${principalFen}`, [
        user.handle,
      ]);
    if (principalSum !== p)
      this.violate(
        lane.index,
        'schedule_principal',
        `${what} installments' principal ${principalSum} ≠ ${p}`,
        [user.handle],
      );
    for (const i of installments) {
      const parts = ['principal_amount', 'interest_amount', 'fee_amount'].reduce(
        (s, k) => s + Number(field(i, k) ?? 0),
        0,
      );
      if (Number(field(i, 'amount')) !== parts) {
        this.violate(
          lane.index,
          'installment_sum',
          `${what} installment ${String(field(i, 'number'))} amount ≠ principal+interest+fee`,
          [user.handle],
        );
        break;
      }
    }
    const total = field<number>(body, 'total_amount');
    if (typeof total === 'number' && total !== sum('amount')) {
      this.violate(
        lane.index,
        'schedule_total',
        `${what} total_amount ${total} ≠ Σ installments ${sum('amount')}`,
        [user.handle],
      );
    }
    for (const rate of ['apr', 'monthly_rate', 'daily_rate']) {
      const r = field(body, rate);
      if (typeof r !== 'string' || !/^\d+(\.\d+)?$/.test(r)) {
        this.violate(
          lane.index,
          'rate_format',
          `${what} ${rate} = ${JSON.stringify(r)} is not a decimal string`,
          [user.handle],
        );
        break;
      }
    }
  }

  private async opBorrow(lane: LaneModel, prng: Prng, user: UserModel): Promise<void> {
    const params = this.loanParams(prng, user);
    const viaQuote = prng.chance(0.3);
    const mode = prng.weighted<string>([
      [70, 'plain'],
      [12, 'duplicate_concurrent'],
      [10, 'retry_after_timeout'],
      [8, 'race_limit'],
    ]);
    this.recordOp(
      lane.index,
      `borrow ${user.handle} ${mode} ${viaQuote ? 'quote' : 'params'} ${JSON.stringify(params)}`,
    );
    if (mode === 'race_limit') return this.raceBorrow(lane, prng, user);
    let body: Record<string, unknown> = params;
    let quote: unknown;
    if (viaQuote) {
      const q = await this.call(
        lane,
        { method: 'POST', path: '/v1/quotes', actor: this.actor(user), body: params },
        [user.handle],
      );
      if (q.status < 300 && typeof field(q.body, 'id') === 'string') {
        body = { quote_id: field(q.body, 'id') };
        quote = q.body;
      }
    }
    const key = this.key(prng, 'loan');
    const req: SimRequest = {
      method: 'POST',
      path: '/v1/loans',
      actor: this.actor(user),
      body,
      idempotencyKey: key,
    };
    const before = user.loans.length;
    let res: SimResponse;
    if (mode === 'duplicate_concurrent') {
      const copies = prng.int(2, 4);
      const all = await Promise.all(
        Array.from({ length: copies }, () => this.call(lane, req, [user.handle], 'concurrent duplicate')),
      );
      res = all.find((r) => r.status < 300 && !r.replayed) ?? all.find((r) => r.status < 300) ?? all[0]!;
      const ids = new Set(all.filter((r) => r.status < 300).map((r) => field<string>(r.body, 'id')));
      if (ids.size > 1)
        this.violate(
          lane.index,
          'idempotency_doubled',
          `${copies} concurrent POST /v1/loans with one key created ${ids.size} loans`,
          [user.handle],
        );
      const fresh = all.filter((r) => r.status < 300 && !r.replayed).length;
      if (fresh > 1)
        this.violate(
          lane.index,
          'idempotency_doubled',
          `${fresh} of ${copies} concurrent duplicates were not replays`,
          [user.handle],
        );
    } else if (mode === 'retry_after_timeout') {
      await this.client(lane).send({ ...req, timeoutMs: prng.int(1, 25) }, 'client timeout');
      res = await this.call(lane, req, [user.handle], 'retry after timeout');
    } else {
      res = await this.call(lane, req, [user.handle]);
    }
    this.outcome(lane.index, 'borrow', res);
    if (res.status >= 300) {
      if (res.status === 409 && errorCode(res) === 'idempotency_key_reused') {
        this.violate(
          lane.index,
          'idempotency_false_conflict',
          'a retry with the same key and body was refused as key reuse',
          [user.handle],
        );
      }
      return;
    }
    const principal =
      viaQuote && quote ? Number(field(quote, 'principal_amount')) : Number(params.principal_amount);
    this.acceptNewLoan(lane, user, res.body, principal, params);
    if (quote) {
      for (const k of ['total_interest_amount', 'total_fee_amount', 'total_amount', 'apr']) {
        if (field(quote, k) !== undefined && !jsonEqual(field(quote, k), field(res.body, k))) {
          this.violate(
            lane.index,
            'quote_loan_mismatch',
            `loan ${k} ${JSON.stringify(field(res.body, k))} ≠ quote ${JSON.stringify(field(quote, k))}`,
            [user.handle],
          );
        }
      }
    }
    if (user.loans.length === before) return;
    // A replay of the same key and body must give the same answer, marked as replayed.
    if (prng.chance(0.25)) {
      const again = await this.call(lane, req, [user.handle], 'replay');
      if (again.status !== res.status || !jsonEqual(again.body, res.body, new Set(['request_id']))) {
        this.violate(
          lane.index,
          'idempotency_replay',
          `replay of POST /v1/loans differs: ${again.status} ${again.text.slice(0, 200)}`,
          [user.handle],
        );
      } else if (!again.replayed) {
        this.violate(
          lane.index,
          'idempotency_replay',
          'replay of POST /v1/loans lacks Idempotent-Replayed: true',
          [user.handle],
        );
      }
    }
    if (prng.chance(0.1)) {
      const other = { ...params, principal_amount: Number(params.principal_amount) + 100 };
      const reuse = await this.call(
        lane,
        { ...req, body: other },
        [user.handle],
        'key reuse, different body',
      );
      if (reuse.status !== 409) {
        this.violate(
          lane.index,
          'idempotency_reuse',
          `same key, different body → ${reuse.status}, expected 409`,
          [user.handle],
        );
      }
    }
  }

  private acceptNewLoan(
    lane: LaneModel,
    user: UserModel,
    body: unknown,
    principalFen: number,
    params?: Record<string, unknown>,
    fromCheckout?: string,
  ): LoanModel | undefined {
    const id = field<string>(body, 'id');
    const status = field<string>(body, 'status');
    if (!id || !status) {
      this.violate(
        lane.index,
        'contract',
        `new loan without id/status: ${JSON.stringify(body).slice(0, 200)}`,
        [user.handle],
      );
      return undefined;
    }
    const existing = user.loans.find((l) => l.id === id);
    if (existing) return existing;
    if (!OPEN_STATUSES.has(status)) {
      this.violate(lane.index, 'loan_status', `new loan ${id} has status ${status}`, [user.handle]);
    }
    this.checkSchedule(lane, user, body, principalFen, `loan ${id}`);
    if (params) this.checkProductRange(lane, user, params);
    if (!user.quizPassed && user.loans.length === 0 && !fromCheckout) {
      this.violate(lane.index, 'education_skipped', `first loan ${id} granted before the quiz was passed`, [
        user.handle,
      ]);
    }
    if (!fromCheckout) {
      const cooling = coolingOffRequired(principalFen, user.monthlyIncomeFen);
      if (cooling !== (status === 'cooling_off')) {
        this.violate(
          lane.index,
          'cooling_off_rule',
          `loan ${id} of ${principalFen} fen on income ${user.monthlyIncomeFen}: status ${status}, cooling-off required: ${cooling}`,
          [user.handle],
        );
      }
    }
    const loan: LoanModel = {
      handle: `${user.handle}_l${user.loans.length}`,
      id,
      principalFen,
      status: status as LoanModel['status'],
      userPaidFen: 0,
      paidUnsure: false,
      createdAtMs: this.serviceNowMs,
      ...(fromCheckout ? { fromCheckout } : {}),
      graceUsesMs: [],
    };
    user.loans.push(loan);
    this.stats.loansCreated += 1;
    return loan;
  }

  /** Several borrows at once whose sum exceeds what is available: the line must not be overdrawn. */
  private async raceBorrow(lane: LaneModel, prng: Prng, user: UserModel): Promise<void> {
    const line = await this.call(lane, { method: 'GET', path: '/v1/credit/line', actor: this.actor(user) }, [
      user.handle,
    ]);
    const available = field<number>(line.body, 'available_amount');
    if (line.status !== 200 || typeof available !== 'number' || available < 100_000) return;
    const n = prng.int(2, 4);
    const each = Math.max(50_000, Math.min(20_000_000, Math.ceil((available * prng.int(60, 100)) / 100)));
    const requests = Array.from({ length: n }, (_, i) => ({
      method: 'POST' as const,
      path: '/v1/loans',
      actor: this.actor(user),
      idempotencyKey: this.key(prng, `race${i}`),
      body: { product: 'cash_loan', principal_amount: each, term_months: 3, method: 'equal_installment' },
    }));
    const results = await Promise.all(requests.map((r) => this.call(lane, r, [user.handle], 'race')));
    // Which of the racers wins is timing: digest the outcomes in a fixed order.
    const ordered = [...results].sort(
      (a, b) => a.status - b.status || (errorCode(a) ?? '').localeCompare(errorCode(b) ?? ''),
    );
    for (const r of ordered) this.outcome(lane.index, 'race', r);
    for (const r of results)
      if (r.status < 300) this.acceptNewLoan(lane, user, r.body, each, requests[0]!.body);
    const granted = results.filter((r) => r.status < 300).length;
    if (granted * each > available) {
      this.violate(
        lane.index,
        'limit_overdrawn',
        `${granted} concurrent borrows of ${each} granted with ${available} available`,
        [user.handle],
      );
    }
    await this.checkLine(lane, user);
  }

  // ── repaying ─────────────────────────────────────────────────────────────────────────

  private async opRepay(lane: LaneModel, prng: Prng, user: UserModel, loan: LoanModel): Promise<void> {
    const payoff = await this.call(
      lane,
      { method: 'GET', path: `/v1/loans/${loan.id}/payoff`, actor: this.actor(user) },
      [user.handle],
    );
    const owed = field<number>(payoff.body, 'amount');
    const kind = prng.weighted<string>([
      [60, 'amount'],
      [25, 'installment'],
      [5, 'over'],
      [10, 'zero_or_negative'],
    ]);
    this.recordOp(lane.index, `repay ${user.handle} ${loan.handle} ${kind}`);
    if (payoff.status !== 200 || typeof owed !== 'number') return;
    let body: Record<string, unknown>;
    if (kind === 'installment') body = { type: 'installment' };
    else if (kind === 'over') body = { amount: owed + prng.int(1, 100_000) };
    else if (kind === 'zero_or_negative') body = { amount: prng.pick([0, -1, -prng.int(1, 100_000)]) };
    else
      body = {
        amount:
          owed <= 1
            ? 1
            : prng.weighted<number>([
                [70, prng.int(1, Math.max(1, Math.floor(owed / 3)))],
                [30, prng.int(1, owed)],
              ]),
      };
    const req: SimRequest = {
      method: 'POST',
      path: `/v1/loans/${loan.id}/repayments`,
      actor: this.actor(user),
      body,
      idempotencyKey: this.key(prng, 'repay'),
    };
    let res: SimResponse;
    if (prng.chance(0.1)) {
      const all = await Promise.all([
        this.call(lane, req, [user.handle], 'concurrent duplicate'),
        this.call(lane, req, [user.handle], 'concurrent duplicate'),
      ]);
      const fresh = all.filter((r) => r.status < 300 && !r.replayed).length;
      if (fresh > 1)
        this.violate(
          lane.index,
          'idempotency_doubled',
          'two concurrent repayments with one key both took effect',
          [user.handle],
        );
      res = all.find((r) => r.status < 300) ?? all[0]!;
    } else if (prng.chance(0.08)) {
      await this.client(lane).send({ ...req, timeoutMs: prng.int(1, 20) }, 'client timeout');
      res = await this.call(lane, req, [user.handle], 'retry after timeout');
    } else {
      res = await this.call(lane, req, [user.handle]);
    }
    this.outcome(lane.index, 'repay', res);
    if (kind === 'zero_or_negative') {
      if (res.status < 400 || res.status >= 500)
        this.violate(
          lane.index,
          'bad_amount_accepted',
          `repayment of ${String(body.amount)} → ${res.status}`,
          [user.handle],
        );
      return;
    }
    if (res.status >= 300) return;
    this.stats.repayments += 1;
    const applied = field<number>(res.body, 'amount');
    this.bookRepayment(lane, user, loan, res.body);
    // The service computes `installment` amounts itself: it must never charge more than paying
    // everything off would cost at that moment (no hidden charge, interest only to today).
    // A user-chosen amount above the payoff is the user's choice and goes to the credit balance.
    if (kind === 'installment' && typeof applied === 'number' && applied > owed) {
      this.violate(
        lane.index,
        'overcharged',
        `repayment on ${loan.id} (${loan.status}${loan.fromCheckout ? ', checkout loan' : ''}) applied ${applied} fen with only ${owed} owed; payoff said ${payoff.text.slice(0, 300)}; repayment said ${res.text.slice(0, 400)}`,
        [user.handle],
      );
    }
    await this.refreshLoan(lane, user, loan);
  }

  /**
   * Money in = money allocated: the cash paid plus any rebate used, minus what went to the
   * credit balance, must equal principal + interest + fee + penalty allocated. The loan's
   * installments must then show exactly the money paid into them as paid: the allocations less
   * the rebates (interest / fees paid earlier and given back are shown net, docs/repayment-rules.md).
   */
  private bookRepayment(lane: LaneModel, user: UserModel, loan: LoanModel, body: unknown): void {
    const n = (k: string) => field<number>(body, k);
    const amount = n('amount');
    const parts = ['principal_amount', 'interest_amount', 'fee_amount', 'penalty_amount'].map(n);
    if (typeof amount !== 'number' || parts.some((p) => typeof p !== 'number')) {
      loan.paidUnsure = true;
      return;
    }
    const allocated = (parts as number[]).reduce((a, b) => a + b, 0);
    const expected = amount + (n('rebate_amount') ?? 0) - (n('to_credit_balance_amount') ?? 0);
    if (allocated !== expected) {
      this.violate(
        lane.index,
        'repayment_not_conserved',
        `repayment on ${loan.id}: allocated ${allocated} fen ≠ paid ${amount} + rebate ${n('rebate_amount') ?? 0} − to credit balance ${n('to_credit_balance_amount') ?? 0}`,
        [user.handle],
      );
    }
    loan.userPaidFen += allocated - (n('rebate_amount') ?? 0);
  }

  private async opPayoff(lane: LaneModel, prng: Prng, user: UserModel, loan: LoanModel): Promise<void> {
    this.recordOp(lane.index, `payoff ${user.handle} ${loan.handle}`);
    const quote = await this.call(
      lane,
      { method: 'GET', path: `/v1/loans/${loan.id}/payoff`, actor: this.actor(user) },
      [user.handle],
    );
    const owed = field<number>(quote.body, 'amount');
    const req: SimRequest = {
      method: 'POST',
      path: `/v1/loans/${loan.id}/repayments`,
      actor: this.actor(user),
      body: { type: 'payoff' },
      idempotencyKey: this.key(prng, 'payoff'),
    };
    const res = await this.call(lane, req, [user.handle]);
    this.outcome(lane.index, 'payoff', res);
    if (res.status >= 300) {
      if (
        loan.status !== 'cooling_off' &&
        quote.status === 200 &&
        res.status !== 429 &&
        errorCode(res) !== 'step_up_required'
      ) {
        this.violate(
          lane.index,
          'payoff_refused',
          `payoff of open loan ${loan.id} (${loan.status}) → ${res.status} ${errorCode(res)}`,
          [user.handle],
        );
      }
      return;
    }
    this.stats.repayments += 1;
    const charged = field<number>(res.body, 'amount');
    if (typeof owed === 'number' && typeof charged === 'number' && charged !== owed) {
      this.violate(
        lane.index,
        'payoff_amount',
        `payoff charged ${charged} fen, quoted ${owed} the same moment`,
        [user.handle],
      );
    }
    this.bookRepayment(lane, user, loan, res.body);
    loan.status = 'paid_off';
    await this.refreshLoan(lane, user, loan, 'paid_off');
    // After payoff, more money must be refused.
    const again = await this.call(
      lane,
      { ...req, idempotencyKey: this.key(prng, 'after'), body: { amount: 100 } },
      [user.handle],
    );
    if (again.status < 300)
      this.violate(lane.index, 'paid_after_payoff', `loan ${loan.id} accepted money after payoff`, [
        user.handle,
      ]);
  }

  private async opGrace(lane: LaneModel, prng: Prng, user: UserModel, loan: LoanModel): Promise<void> {
    const days = prng.weighted<number | undefined>([
      [40, undefined],
      [45, prng.int(1, 3)],
      [15, prng.pick([0, 4, 7])],
    ]);
    this.recordOp(lane.index, `grace ${user.handle} ${loan.handle} ${days ?? '-'}`);
    const res = await this.call(
      lane,
      {
        method: 'POST',
        path: `/v1/loans/${loan.id}/grace`,
        actor: this.actor(user),
        body: days === undefined ? {} : { days },
        idempotencyKey: this.key(prng, 'grace'),
      },
      [user.handle],
    );
    this.outcome(lane.index, 'grace', res);
    if (days !== undefined && (days < 1 || days > 3)) {
      if (res.status < 400 || res.status >= 500) {
        this.violate(lane.index, 'grace_days', `a grace of ${days} days → ${res.status}`, [user.handle]);
      }
      return;
    }
    if (res.status >= 300) return;
    // "Twice a year": the service counts per calendar year of the installment's due date (its
    // documented choice, shared/src/repayment.ts); at most 3 days each.
    const due = field<string>(res.body, 'due_date');
    const until = field<string>(res.body, 'grace_until');
    if (!due || !until) {
      this.violate(lane.index, 'contract', 'grace answer without due_date/grace_until', [user.handle]);
      return;
    }
    const spanDays = (Date.parse(until) - Date.parse(due)) / DAY_MS;
    if (spanDays < 1 || spanDays > 3 || (days !== undefined && spanDays !== days)) {
      this.violate(
        lane.index,
        'grace_days',
        `grace from ${due} to ${until} (${spanDays} days, asked ${days ?? 'default'})`,
        [user.handle],
      );
    }
    const year = Number(due.slice(0, 4));
    const sameYear = user.loans.flatMap((l) => l.graceUsesMs).filter((y) => y === year);
    loan.graceUsesMs.push(year);
    if (sameYear.length >= 2) {
      this.violate(
        lane.index,
        'grace_limit',
        `a third grace period for installments due in ${year} was granted (${user.handle}, loan ${loan.id})`,
        [user.handle],
      );
    }
  }

  private async opCancel(lane: LaneModel, prng: Prng, user: UserModel, loan: LoanModel): Promise<void> {
    this.recordOp(lane.index, `cancel ${user.handle} ${loan.handle}`);
    const res = await this.call(
      lane,
      {
        method: 'POST',
        path: `/v1/loans/${loan.id}/cancel`,
        actor: this.actor(user),
        idempotencyKey: this.key(prng, 'cancel'),
      },
      [user.handle],
    );
    this.outcome(lane.index, 'cancel', res);
    const clockMovedSince = this.serviceNowMs - loan.createdAtMs;
    if (res.status < 300) {
      if (clockMovedSince > 2 * DAY_MS)
        this.violate(
          lane.index,
          'cancel_after_window',
          `loan ${loan.id} canceled ${clockMovedSince / 3600_000} h after creation`,
          [user.handle],
        );
      loan.status = 'canceled';
      await this.refreshLoan(lane, user, loan, 'canceled');
    } else if (clockMovedSince === 0 && res.status !== 429 && errorCode(res) !== 'route_not_found') {
      this.violate(
        lane.index,
        'cancel_refused',
        `cancel inside the cooling-off window → ${res.status} ${errorCode(res)}`,
        [user.handle],
      );
    }
  }

  /** Reads the loan and checks it against the model. */
  private async refreshLoan(
    lane: LaneModel,
    user: UserModel,
    loan: LoanModel,
    mustBe?: string,
  ): Promise<void> {
    const res = await this.call(
      lane,
      { method: 'GET', path: `/v1/loans/${loan.id}`, actor: this.actor(user) },
      [user.handle],
    );
    if (res.status !== 200) {
      if (errorCode(res) !== 'route_not_found')
        this.violate(lane.index, 'loan_lost', `GET /v1/loans/${loan.id} → ${res.status}`, [user.handle]);
      return;
    }
    this.checkLoanDetail(lane, user, loan, res.body, mustBe);
  }

  private checkLoanDetail(
    lane: LaneModel,
    user: UserModel,
    loan: LoanModel,
    body: unknown,
    mustBe?: string,
  ): void {
    const status = String(field(body, 'status'));
    if (mustBe && status !== mustBe)
      this.violate(lane.index, 'loan_status', `loan ${loan.id} is ${status}, expected ${mustBe}`, [
        user.handle,
      ]);
    if (
      (loan.status === 'paid_off' || loan.status === 'canceled') &&
      status !== loan.status &&
      !loan.fromCheckout
    ) {
      this.violate(lane.index, 'loan_status', `loan ${loan.id} went from ${loan.status} to ${status}`, [
        user.handle,
      ]);
    }
    if (status === 'cooling_off' && this.serviceNowMs - loan.createdAtMs > 2 * DAY_MS) {
      this.violate(
        lane.index,
        'cooling_off_stuck',
        `loan ${loan.id} still cooling_off ${(this.serviceNowMs - loan.createdAtMs) / 3600_000} h after creation`,
        [user.handle],
      );
    }
    if (Number(field(body, 'principal_amount')) !== loan.principalFen) {
      this.violate(
        lane.index,
        'principal_changed',
        `loan ${loan.id} principal ${String(field(body, 'principal_amount'))} ≠ ${loan.principalFen}`,
        [user.handle],
      );
    }
    const installments = field<unknown[]>(body, 'installments') ?? [];
    const sum = (name: string) => installments.reduce<number>((s, i) => s + Number(field(i, name) ?? 0), 0);
    if (installments.length > 0 && sum('principal_amount') !== loan.principalFen) {
      this.violate(
        lane.index,
        'schedule_principal',
        `loan ${loan.id} installments' principal ${sum('principal_amount')} ≠ ${loan.principalFen}`,
        [user.handle],
      );
    }
    for (const i of installments) {
      if (Number(field(i, 'paid_principal_amount') ?? 0) > Number(field(i, 'principal_amount') ?? 0)) {
        this.violate(
          lane.index,
          'overpaid_principal',
          `loan ${loan.id} installment ${String(field(i, 'number'))} paid principal above its principal`,
          [user.handle],
        );
      }
    }
    const paid = sum('paid_amount');
    if (
      !loan.paidUnsure &&
      !loan.fromCheckout &&
      installments.length > 0 &&
      field(installments[0], 'paid_amount') !== undefined &&
      paid !== loan.userPaidFen
    ) {
      this.violate(
        lane.index,
        'paid_mismatch',
        `loan ${loan.id}: installments show ${paid} fen paid, repayments allocated ${loan.userPaidFen}`,
        [user.handle],
      );
    }
    if (OPEN_STATUSES.has(status) || status === 'paid_off' || status === 'canceled')
      loan.status = status as LoanModel['status'];
  }

  private async checkLine(lane: LaneModel, user: UserModel): Promise<void> {
    const res = await this.call(lane, { method: 'GET', path: '/v1/credit/line', actor: this.actor(user) }, [
      user.handle,
    ]);
    if (res.status !== 200) return;
    const n = (k: string) => Number(field(res.body, k) ?? 0);
    const base = n('base_limit_amount');
    const temp = n('temporary_limit_amount');
    const used = n('used_amount');
    const held = n('held_amount');
    const available = n('available_amount');
    if (used + held > base + temp)
      this.violate(lane.index, 'limit_overdrawn', `used ${used} + held ${held} > limit ${base + temp}`, [
        user.handle,
      ]);
    if (available > base + temp - used - held)
      this.violate(
        lane.index,
        'available_too_high',
        `available ${available} > ${base}+${temp}−${used}−${held}`,
        [user.handle],
      );
    if (field(res.body, 'frozen') === true && available !== 0)
      this.violate(lane.index, 'frozen_available', `frozen line shows ${available} available`, [user.handle]);
    const openPrincipal = user.loans.filter((l) => OPEN_STATUSES.has(l.status) && !l.fromCheckout).length;
    if (openPrincipal > 0 && used === 0 && user.loans.every((l) => l.userPaidFen === 0 && !l.paidUnsure)) {
      this.violate(lane.index, 'used_lost', `${openPrincipal} unpaid open loans but used_amount is 0`, [
        user.handle,
      ]);
    }
  }

  // ── merchant ─────────────────────────────────────────────────────────────────────────

  private async opCreateCheckout(lane: LaneModel, prng: Prng): Promise<void> {
    const handle = `c${lane.index}_${lane.nextCheckout++}`;
    const amount = prng.weighted<number>([
      [60, prng.int(10_000, 500_000)],
      [30, prng.int(500_001, 3_000_000)],
      [10, prng.int(3_000_001, 20_000_000)],
    ]);
    const capture = prng.chance(0.5) ? 'automatic' : 'manual';
    const outTradeNo = `sim${this.opts.seed}-${handle}`;
    const body = {
      out_trade_no: outTradeNo,
      amount,
      currency: 'CNY',
      // Mostly the merchant's own scene; sometimes another (must be refused, never charged).
      scene: this.merchantScene && prng.chance(0.95) ? this.merchantScene : prng.pick(this.scenes),
      description: `simulated order ${handle}`,
      notify_url: this.receiver.url,
      capture_method: capture,
      expires_in: prng.pick([900, 3600, 86_400]),
    };
    this.recordOp(lane.index, `checkout_create ${handle} ${amount} ${capture}`);
    const req: SimRequest = {
      method: 'POST',
      path: '/v1/merchant/checkouts',
      actor: this.merchant!,
      body,
      idempotencyKey: this.key(prng, 'chk'),
    };
    const res = await this.call(lane, req, ['merchant']);
    this.outcome(lane.index, 'checkout_create', res);
    if (res.status >= 300) return;
    const id = field<string>(res.body, 'id');
    const token = field<string>(res.body, 'token');
    const expires = field<string>(res.body, 'expires_at');
    if (!id || !token) return this.violate(lane.index, 'contract', 'checkout without id/token', ['merchant']);
    if (field(res.body, 'status') !== 'open')
      this.violate(lane.index, 'checkout_status', `new checkout is ${String(field(res.body, 'status'))}`, [
        'merchant',
      ]);
    lane.checkouts.push({
      handle,
      id,
      token,
      amountFen: amount,
      captureMethod: capture,
      status: 'open',
      expiresAtMs: expires ? Date.parse(expires) : this.serviceNowMs + 900_000,
      outTradeNo,
      capturedFen: 0,
      refundedFen: 0,
      refunds: new Map(),
      expectedEvents: new Set(),
      expectedRefundEvents: 0,
    });
    this.stats.checkoutsCreated += 1;
    // Same out_trade_no again (new key): the same checkout comes back.
    if (prng.chance(0.1)) {
      const again = await this.call(
        lane,
        { ...req, idempotencyKey: this.key(prng, 'chk2') },
        ['merchant'],
        'same out_trade_no',
      );
      if (again.status < 300 && field(again.body, 'id') !== id) {
        this.violate(
          lane.index,
          'out_trade_no_doubled',
          `second create with out_trade_no ${outTradeNo} made ${String(field(again.body, 'id'))}`,
          ['merchant'],
        );
      }
    }
  }

  private async opConfirm(
    lane: LaneModel,
    prng: Prng,
    user: UserModel,
    checkout: CheckoutModel,
  ): Promise<void> {
    const installments = prng.pick([3, 6, 9, 12]);
    this.recordOp(lane.index, `checkout_confirm ${user.handle} ${checkout.handle} ${installments}`);
    const view = await this.call(
      lane,
      { method: 'GET', path: `/v1/checkouts/${checkout.token}`, actor: this.actor(user) },
      [user.handle],
    );
    if (view.status === 200 && Number(field(view.body, 'amount')) !== checkout.amountFen) {
      this.violate(
        lane.index,
        'checkout_amount',
        `shopper sees ${String(field(view.body, 'amount'))}, merchant asked ${checkout.amountFen}`,
        [user.handle],
      );
    }
    const req: SimRequest = {
      method: 'POST',
      path: `/v1/checkouts/${checkout.token}/confirm`,
      actor: this.actor(user),
      body: { installments },
      idempotencyKey: this.key(prng, 'confirm'),
    };
    const res = prng.chance(0.1)
      ? (
          await Promise.all([
            this.call(lane, req, [user.handle], 'concurrent duplicate'),
            this.call(lane, req, [user.handle], 'concurrent duplicate'),
          ])
        ).sort((a, b) => a.status - b.status)[0]!
      : await this.call(lane, req, [user.handle, 'merchant']);
    this.outcome(lane.index, 'confirm', res);
    if (res.status >= 300) return;
    checkout.shopper = user.handle;
    checkout.expectedEvents.add('checkout.authorized');
    if (checkout.captureMethod === 'automatic') {
      checkout.status = 'captured';
      checkout.capturedFen = checkout.amountFen;
      checkout.expectedEvents.add('checkout.captured');
      await this.linkCheckoutLoan(lane, user, checkout, res.body, checkout.amountFen);
    } else {
      checkout.status = 'authorized';
      // An authorisation holds the shopper's line for 7 days, then expires (merchant design).
      checkout.expiresAtMs = this.serviceNowMs + 7 * DAY_MS;
    }
    await this.checkCheckout(lane, checkout);
  }

  /**
   * The loan a capture made, by the id the checkout names (`loan_id`): exactly one per
   * checkout, for the captured amount. Without an id the next reconcile must find it.
   */
  private async linkCheckoutLoan(
    lane: LaneModel,
    user: UserModel,
    checkout: CheckoutModel,
    body: unknown,
    principalFen: number,
  ): Promise<void> {
    const loanId = field<string>(body, 'loan_id') ?? field<string>(field(body, 'loan'), 'id');
    if (!loanId) {
      user.expectedUnlinkedLoans.push({ checkoutHandle: checkout.handle, principalFen });
      return;
    }
    if (user.loans.some((l) => l.id === loanId)) return;
    const detail = await this.call(
      lane,
      { method: 'GET', path: `/v1/loans/${loanId}`, actor: this.actor(user) },
      [user.handle],
    );
    if (detail.status !== 200) {
      this.violate(
        lane.index,
        'loan_lost',
        `checkout ${checkout.id} names loan ${loanId}, its shopper gets ${detail.status}`,
        [user.handle, 'merchant'],
      );
      return;
    }
    const loan = this.acceptNewLoanFromList(lane, user, detail.body, principalFen, checkout.handle);
    this.checkLoanDetail(lane, user, loan, detail.body);
    if (Number(field(detail.body, 'principal_amount')) !== principalFen) {
      this.violate(
        lane.index,
        'checkout_loan_amount',
        `checkout ${checkout.id} captured ${principalFen}, loan ${loanId} has principal ${String(field(detail.body, 'principal_amount'))}`,
        [user.handle, 'merchant'],
      );
    }
  }

  private async opCapture(lane: LaneModel, prng: Prng, checkout: CheckoutModel): Promise<void> {
    const partial = prng.chance(0.3);
    const amount = partial ? prng.int(1, checkout.amountFen) : checkout.amountFen;
    this.recordOp(lane.index, `checkout_capture ${checkout.handle} ${amount}`);
    const res = await this.call(
      lane,
      {
        method: 'POST',
        path: `/v1/merchant/checkouts/${checkout.id}/capture`,
        actor: this.merchant!,
        body: partial ? { amount } : {},
        idempotencyKey: this.key(prng, 'capture'),
      },
      ['merchant', checkout.shopper ?? '-'],
    );
    this.outcome(lane.index, 'capture', res);
    if (res.status >= 300) return;
    checkout.status = 'captured';
    checkout.capturedFen = amount;
    checkout.expectedEvents.add('checkout.captured');
    const shopper = this.findUser(checkout.shopper);
    if (shopper) await this.linkCheckoutLoan(lane, shopper, checkout, res.body, amount);
    await this.checkCheckout(lane, checkout);
  }

  private async opMerchantCancel(lane: LaneModel, prng: Prng, checkout: CheckoutModel): Promise<void> {
    this.recordOp(lane.index, `checkout_cancel ${checkout.handle}`);
    const res = await this.call(
      lane,
      {
        method: 'POST',
        path: `/v1/merchant/checkouts/${checkout.id}/cancel`,
        actor: this.merchant!,
        body: {},
        idempotencyKey: this.key(prng, 'ccancel'),
      },
      ['merchant'],
    );
    this.outcome(lane.index, 'checkout_cancel', res);
    if (res.status >= 300) return;
    checkout.status = 'canceled';
    checkout.expectedEvents.add('checkout.canceled');
    await this.checkCheckout(lane, checkout);
    const shopper = this.findUser(checkout.shopper);
    if (shopper) await this.checkLine(lane, shopper);
  }

  private async opRefund(lane: LaneModel, prng: Prng, checkout: CheckoutModel): Promise<void> {
    const remaining = checkout.capturedFen - checkout.refundedFen;
    const kind = prng.weighted<string>([
      [50, 'partial'],
      [25, 'full'],
      [10, 'over'],
      [15, 'same_refund_no'],
    ]);
    this.recordOp(lane.index, `refund ${checkout.handle} ${kind}`);
    let outRefundNo = `${checkout.outTradeNo}-r${checkout.refunds.size}`;
    let amount =
      kind === 'full'
        ? remaining
        : kind === 'over'
          ? remaining + prng.int(1, 10_000)
          : prng.int(1, remaining);
    if (kind === 'same_refund_no' && checkout.refunds.size > 0) {
      const [no, amt] = [...checkout.refunds.entries()][0]!;
      outRefundNo = no;
      amount = amt;
    }
    const res = await this.call(
      lane,
      {
        method: 'POST',
        path: `/v1/merchant/checkouts/${checkout.id}/refunds`,
        actor: this.merchant!,
        body: { amount, out_refund_no: outRefundNo },
        idempotencyKey: this.key(prng, 'refund'),
      },
      ['merchant', checkout.shopper ?? '-'],
    );
    this.outcome(lane.index, 'refund', res);
    if (kind === 'over' && res.status < 300) {
      this.violate(lane.index, 'over_refund', `refund of ${amount} accepted with ${remaining} refundable`, [
        'merchant',
      ]);
    }
    if (res.status >= 300) return;
    if (checkout.refunds.has(outRefundNo)) {
      await this.checkCheckout(lane, checkout);
      return;
    }
    checkout.refunds.set(outRefundNo, amount);
    checkout.refundedFen += amount;
    checkout.expectedRefundEvents += 1;
    checkout.status = checkout.refundedFen >= checkout.capturedFen ? 'refunded' : 'partially_refunded';
    const shopper = this.findUser(checkout.shopper);
    for (const loan of shopper?.loans ?? [])
      if (loan.fromCheckout === checkout.handle) loan.paidUnsure = true;
    await this.checkCheckout(lane, checkout);
  }

  private async checkCheckout(lane: LaneModel, checkout: CheckoutModel): Promise<void> {
    const res = await this.call(
      lane,
      { method: 'GET', path: `/v1/merchant/checkouts/${checkout.id}`, actor: this.merchant! },
      ['merchant'],
    );
    if (res.status !== 200) {
      if (errorCode(res) !== 'route_not_found')
        this.violate(lane.index, 'checkout_lost', `GET checkout ${checkout.id} → ${res.status}`, [
          'merchant',
        ]);
      return;
    }
    const status = String(field(res.body, 'status'));
    if (status !== checkout.status) {
      if (
        (checkout.status === 'open' || checkout.status === 'authorized') &&
        status === 'expired' &&
        this.serviceNowMs >= checkout.expiresAtMs
      ) {
        checkout.status = 'expired';
      } else {
        this.violate(
          lane.index,
          'checkout_status',
          `checkout ${checkout.id} is ${status}, model says ${checkout.status}`,
          ['merchant', checkout.shopper ?? '-'],
        );
      }
    }
    if (checkout.status === 'expired') checkout.expectedEvents.add('checkout.expired');
  }

  private findUser(handle: string | undefined): UserModel | undefined {
    if (!handle) return undefined;
    for (const lane of this.lanes) for (const u of lane.users) if (u.handle === handle) return u;
    return undefined;
  }

  // ── views ────────────────────────────────────────────────────────────────────────────

  private async opReconcile(lane: LaneModel, _prng: Prng, user: UserModel): Promise<void> {
    this.recordOp(lane.index, `reconcile ${user.handle}`);
    await this.reconcileUser(lane, user);
  }

  /** The user's loan list must be exactly the model's loans (nothing lost, nothing doubled). */
  private async reconcileUser(lane: LaneModel, user: UserModel): Promise<void> {
    if (!user.token) return;
    const seen: unknown[] = [];
    let after: string | undefined;
    for (let page = 0; page < 50; page++) {
      const res = await this.call(
        lane,
        {
          method: 'GET',
          path: `/v1/loans?limit=100${after ? `&starting_after=${after}` : ''}`,
          actor: this.actor(user),
        },
        [user.handle],
      );
      if (res.status !== 200) return;
      const data = field<unknown[]>(res.body, 'data') ?? [];
      seen.push(...data);
      if (field(res.body, 'has_more') !== true || data.length === 0) break;
      after = field<string>(data[data.length - 1], 'id');
    }
    const ids = seen.map((l) => String(field(l, 'id')));
    if (new Set(ids).size !== ids.length)
      this.violate(lane.index, 'loan_listed_twice', `GET /v1/loans lists a loan twice`, [user.handle]);
    const known = new Map(user.loans.map((l) => [l.id, l]));
    for (const listed of seen) {
      const id = String(field(listed, 'id'));
      if (known.has(id)) continue;
      const principal = Number(field(listed, 'principal_amount'));
      const expected = user.expectedUnlinkedLoans.findIndex((e) => e.principalFen === principal);
      if (expected >= 0) {
        const e = user.expectedUnlinkedLoans.splice(expected, 1)[0]!;
        const loan = this.acceptNewLoanFromList(lane, user, listed, e.principalFen, e.checkoutHandle);
        if (loan) known.set(loan.id, loan);
      } else {
        this.violate(
          lane.index,
          'unexplained_loan',
          `loan ${id} of ${principal} fen exists that no request of this user created (doubled?)`,
          [user.handle, 'merchant'],
        );
      }
    }
    for (const loan of user.loans) {
      if (!ids.includes(loan.id))
        this.violate(lane.index, 'loan_lost', `loan ${loan.id} (${loan.handle}) missing from GET /v1/loans`, [
          user.handle,
        ]);
    }
    for (const listed of seen) {
      const loan = known.get(String(field(listed, 'id')));
      const status = String(field(listed, 'status'));
      if (
        loan &&
        (loan.status === 'paid_off' || loan.status === 'canceled') &&
        status !== loan.status &&
        !loan.fromCheckout
      ) {
        this.violate(lane.index, 'loan_status', `loan ${loan.id} went from ${loan.status} to ${status}`, [
          user.handle,
        ]);
      }
      if (loan && (OPEN_STATUSES.has(status) || status === 'paid_off' || status === 'canceled'))
        loan.status = status as LoanModel['status'];
    }
    await this.checkLine(lane, user);
    const open = user.loans.filter((l) => l.status !== 'canceled');
    if (open.length > 0) {
      const loan = open[this.step % open.length]!;
      await this.refreshLoan(lane, user, loan);
    }
  }

  private acceptNewLoanFromList(
    lane: LaneModel,
    user: UserModel,
    listed: unknown,
    principalFen: number,
    checkoutHandle: string,
  ): LoanModel {
    const loan: LoanModel = {
      handle: `${user.handle}_l${user.loans.length}`,
      id: String(field(listed, 'id')),
      principalFen,
      status: String(field(listed, 'status')) as LoanModel['status'],
      userPaidFen: 0,
      paidUnsure: true,
      createdAtMs: this.serviceNowMs,
      fromCheckout: checkoutHandle,
      graceUsesMs: [],
    };
    user.loans.push(loan);
    this.stats.loansCreated += 1;
    void lane;
    return loan;
  }

  // ── adversarial ──────────────────────────────────────────────────────────────────────

  private async opAdversarial(lane: LaneModel, prng: Prng, user: UserModel): Promise<void> {
    // Victims from the same lane only: another lane's progress depends on timing.
    const others = lane.users.filter((u) => u !== user && u.loans.length > 0);
    const kind = prng.weighted<string>([
      [others.length > 0 ? 30 : 0, 'other_users_loan'],
      [others.length > 0 ? 20 : 0, 'repay_other_users_loan'],
      [15, 'no_token'],
      [15, 'bad_token'],
      [10, 'missing_key'],
      [10, 'unknown_field'],
    ]);
    this.recordOp(lane.index, `adversarial ${user.handle} ${kind}`);
    let res: SimResponse;
    let expect: number[];
    if (kind === 'other_users_loan' || kind === 'repay_other_users_loan') {
      const victim = prng.pick(others);
      const loan = prng.pick(victim.loans);
      if (kind === 'other_users_loan') {
        res = await this.call(
          lane,
          { method: 'GET', path: `/v1/loans/${loan.id}`, actor: this.actor(user) },
          [user.handle, victim.handle],
        );
      } else {
        res = await this.call(
          lane,
          {
            method: 'POST',
            path: `/v1/loans/${loan.id}/repayments`,
            actor: this.actor(user),
            body: { amount: 100 },
            idempotencyKey: this.key(prng, 'steal'),
          },
          [user.handle, victim.handle],
        );
      }
      expect = [403, 404];
    } else if (kind === 'no_token') {
      res = await this.call(lane, { method: 'GET', path: '/v1/credit/line' }, [user.handle]);
      expect = [401];
    } else if (kind === 'bad_token') {
      res = await this.call(
        lane,
        { method: 'GET', path: '/v1/loans', actor: { name: user.handle, token: `${user.token}x` } },
        [user.handle],
      );
      expect = [401];
    } else if (kind === 'missing_key') {
      res = await this.call(
        lane,
        { method: 'POST', path: '/v1/loans', actor: this.actor(user), body: this.loanParams(prng, user) },
        [user.handle],
      );
      expect = [400, 428];
    } else {
      res = await this.call(
        lane,
        {
          method: 'POST',
          path: '/v1/quotes',
          actor: this.actor(user),
          body: { ...this.loanParams(prng, user), surprise: 1 },
        },
        [user.handle],
      );
      expect = [400, 422];
    }
    this.outcome(lane.index, 'adversarial', res);
    if (errorCode(res) === 'route_not_found') return;
    if (!expect.includes(res.status)) {
      this.violate(
        lane.index,
        `adversarial_${kind}`,
        `expected ${expect.join('/')}, got ${res.status} ${res.text.slice(0, 200)}`,
        [user.handle],
      );
    }
  }

  // ── full checks ──────────────────────────────────────────────────────────────────────

  private async fullCheck(): Promise<void> {
    await this.runInvariants();
    for (const lane of this.lanes) {
      for (const user of lane.users) await this.reconcileUser(lane, user);
      if (this.merchant) for (const c of lane.checkouts.slice(-10)) await this.checkCheckout(lane, c);
    }
    if (this.violations.length > 0 && this.opts.failFast) throw new Stop();
  }

  private async runInvariants(): Promise<void> {
    if (!this.checker) return;
    this.stats.invariantRuns += 1;
    const startedMs = performance.now();
    const found = await this.checker.check();
    this.stats.invariantMs += performance.now() - startedMs;
    for (const v of found.slice(0, 10)) this.violate(-1, 'invariant', v, ['*']);
  }

  private async finalChecks(): Promise<void> {
    this.log('sim: final checks');
    await this.fullCheck();
    for (const lane of this.lanes) {
      for (const user of lane.users) {
        if (user.expectedUnlinkedLoans.length > 0) {
          this.violate(
            lane.index,
            'loan_lost',
            `${user.expectedUnlinkedLoans.length} captured checkout loans never appeared for ${user.handle}`,
            [user.handle, 'merchant'],
          );
        }
      }
      if (this.merchant) for (const c of lane.checkouts) await this.checkCheckout(lane, c);
    }
    if (this.merchant) await this.checkWebhooks();
  }

  /** Every event the merchant can list reached the receiver; every owed event exists. */
  private async checkWebhooks(): Promise<void> {
    const lane = this.lanes[0]!;
    // The outbox retries with backoff on the service clock: move it on so every retry is due.
    this.receiver.failureRate = 0;
    // Move the clock once past every back-off, then let the outbox drain; move it again (a day)
    // only when nothing arrived for 10 s. Each move can expire checkouts, i.e. create events.
    const deadline = performance.now() + 240_000;
    let listed: unknown[] = [];
    let missing: string[] = [];
    let lastCount = -1;
    let stalledRounds = 0;
    const moveClock = async (ms: number) => {
      this.clockOffsetMs += ms;
      const target = new Date(Math.max(Date.now() + this.clockOffsetMs, this.serviceNowMs + ms));
      const res = await this.call(
        lane,
        { method: 'POST', path: '/v1/test/clock', body: { now: target.toISOString() }, timeoutMs: 300_000 },
        ['clock'],
      );
      if (res.status === 200) this.serviceNowMs = Date.parse(String(field(res.body, 'now')));
    };
    await moveClock(2 * DAY_MS);
    for (let round = 0; performance.now() < deadline; round++) {
      listed = await this.listMerchantEvents(lane);
      missing = listed.map((e) => String(field(e, 'id'))).filter((id) => !this.receiver.events.has(id));
      if (missing.length === 0 && this.owedEventsMissing().length === 0) break;
      stalledRounds = this.receiver.events.size === lastCount ? stalledRounds + 1 : 0;
      lastCount = this.receiver.events.size;
      if (round % 10 === 0)
        this.log(
          `sim: webhooks: ${this.receiver.events.size} received, ${missing.length} listed events pending`,
        );
      if (stalledRounds >= 10) {
        stalledRounds = 0;
        await moveClock(DAY_MS);
      }
      await sleep(1_000);
    }
    this.stats.webhookEvents = this.receiver.events.size;
    this.stats.webhookDeliveries = this.receiver.deliveries;
    if (missing.length > 0)
      this.violate(
        -1,
        'webhook_not_delivered',
        `${missing.length} listed events never reached the merchant, e.g. ${missing.slice(0, 3).join(', ')}`,
        ['merchant'],
      );
    const owed = this.owedEventsMissing();
    if (owed.length > 0)
      this.violate(
        -1,
        'webhook_event_missing',
        `${owed.length} owed events missing, e.g. ${owed.slice(0, 5).join('; ')}`,
        ['merchant'],
      );
    if (this.receiver.badSignatures.length > 0)
      this.violate(
        -1,
        'webhook_signature',
        `${this.receiver.badSignatures.length} deliveries with a bad signature`,
        ['merchant'],
      );
    if (this.receiver.bodyMismatches.length > 0)
      this.violate(
        -1,
        'webhook_body_changed',
        `redelivery of ${this.receiver.bodyMismatches[0]} carried a different body`,
        ['merchant'],
      );
  }

  private owedEventsMissing(): string[] {
    const byObject = new Map<string, Set<string>>();
    let refundEvents = 0;
    for (const e of this.receiver.events.values()) {
      if (e.type === 'refund.succeeded') refundEvents += 1;
      if (!e.objectId) continue;
      const set = byObject.get(e.objectId) ?? new Set<string>();
      set.add(e.type);
      byObject.set(e.objectId, set);
    }
    const missing: string[] = [];
    let refundsOwed = 0;
    for (const lane of this.lanes) {
      for (const c of lane.checkouts) {
        refundsOwed += c.expectedRefundEvents;
        const got = byObject.get(c.id) ?? new Set<string>();
        for (const t of c.expectedEvents) if (!got.has(t)) missing.push(`${c.id} ${t}`);
      }
    }
    if (refundEvents < refundsOwed)
      missing.push(`refund.succeeded: ${refundEvents} received, ${refundsOwed} owed`);
    return missing;
  }

  private async listMerchantEvents(lane: LaneModel): Promise<unknown[]> {
    const all: unknown[] = [];
    let after: string | undefined;
    for (let page = 0; page < 500; page++) {
      const res = await this.call(
        lane,
        {
          method: 'GET',
          path: `/v1/merchant/events?limit=100${after ? `&starting_after=${after}` : ''}`,
          actor: this.merchant!,
        },
        ['merchant'],
      );
      if (res.status !== 200) break;
      const data = field<unknown[]>(res.body, 'data') ?? [];
      all.push(...data);
      if (field(res.body, 'has_more') !== true || data.length === 0) break;
      after = field<string>(data[data.length - 1], 'id');
    }
    return all;
  }

  // ── reproduction ─────────────────────────────────────────────────────────────────────

  /**
   * The request sequence behind the first violation: every request of the actors involved,
   * plus clock moves, up to the violating step (tokens shown as actor names).
   */
  reproduction(): string {
    const first = this.violations[0];
    if (!first) return '';
    const actors = new Set([...first.actors, 'clock']);
    const all = first.actors.includes('*');
    // Objects named in the message (loan_…, chk_…): their requests, plus the shoppers' own
    // requests; the merchant's unrelated traffic is left out. Without objects: the actors'.
    const objects = [...new Set(first.message.match(/\b(loan|chk|ct)_[A-Za-z0-9]+/g) ?? [])];
    const people = first.actors.filter((a) => a !== 'merchant' && a !== '*' && a !== '-');
    const entries = this.sink.log.filter((e) => {
      if (e.step > first.step) return false;
      if (objects.length > 0)
        return objects.some((o) => e.path.includes(o)) || people.includes(e.actor) || e.actor === 'clock';
      return all || actors.has(e.actor);
    });
    const tail = entries.slice(-120);
    const lines = tail.map(
      (e) =>
        `  [step ${e.step} lane ${e.lane}] ${e.actor.padEnd(8)} ${e.method} ${e.path}${e.idempotencyKey ? ` (Idempotency-Key ${e.idempotencyKey})` : ''}${e.body !== undefined ? ` ${JSON.stringify(e.body)}` : ''} → ${e.status}${e.replayed ? ' (replayed)' : ''}${e.note ? `  # ${e.note}` : ''}`,
    );
    const dir = join(REPO_ROOT, '.tmp', 'sim');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `repro-seed${this.opts.seed}-step${first.step}.json`);
    writeFileSync(
      file,
      JSON.stringify({ options: this.opts, violations: this.violations, requests: entries }, null, 2),
    );
    return [
      `seed ${this.opts.seed}, first violation at step ${first.step} (lane ${first.lane}): ${first.kind}`,
      `  ${first.message}`,
      `replay: npm run simulate -- --seed ${this.opts.seed} --ops ${this.stats.ops} --lanes ${this.opts.lanes}${this.opts.faults ? ' --faults' : ''}`,
      `requests of ${[...actors].join(', ')} up to that step (${entries.length}, last ${tail.length} shown; all in ${file}):`,
      ...lines,
    ].join('\n');
  }
}

function laneHash(
  map: Map<number, ReturnType<typeof createHash>>,
  lane: number,
): ReturnType<typeof createHash> {
  let h = map.get(lane);
  if (!h) {
    h = createHash('sha256');
    map.set(lane, h);
  }
  return h;
}

/** One digest from the per-lane digests, in lane order. */
function combine(map: Map<number, ReturnType<typeof createHash>>): string {
  const all = createHash('sha256');
  for (const lane of [...map.keys()].sort((a, b) => a - b))
    all.update(`${lane}:${map.get(lane)!.digest('hex')}\n`);
  return all.digest('hex').slice(0, 16);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function simulate(
  options: Partial<SimOptions>,
  onStart?: (sim: Simulator) => void,
): Promise<SimResult> {
  const sim = new Simulator(options);
  onStart?.(sim);
  return sim.run();
}
