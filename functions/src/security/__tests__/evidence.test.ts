import { createTestDatabase, serverTestUrl, type TestDatabase } from '@fenqi/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schema, withTransaction } from '../../db';
import type { RouteContext } from '../../http/route';
import type { ContractTerms } from '../../risk/shared';
import { settleTriggers } from '../../webhooks/trigger';
import { AUDIT_RETENTION_DAYS, appendAudit, purgeAuditLog, verifyAuditChain } from '../audit';
import {
  CONTRACT_SEAL_DEADLINE_MS,
  evidenceKey,
  sealContracts,
  signContract,
  verifyContractChain,
} from '../contracts';
import { sealAfterCommit } from '../seal-trigger';

let database: TestDatabase;
const T0 = new Date('2025-01-01T02:00:00.000Z');
const config = { sessionSecret: 'test-secret-for-evidence-0123456789' };

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  await database.db.insert(schema.users).values([
    { id: 'usr_a', openidHash: 'h_a' },
    { id: 'usr_b', openidHash: 'h_b' },
  ]);
});
afterAll(async () => {
  await database?.drop();
});

/** An attacker with database access: the append-only triggers are switched off around the change. */
async function tamper(stmt: ReturnType<typeof sql>) {
  await database.db.execute(sql`alter table audit_log disable trigger user`);
  await database.db.execute(sql`alter table contracts disable trigger user`);
  try {
    await database.db.execute(stmt);
  } finally {
    await database.db.execute(sql`alter table audit_log enable trigger user`);
    await database.db.execute(sql`alter table contracts enable trigger user`);
  }
}

async function reset() {
  await tamper(sql`delete from audit_log`);
  await tamper(sql`delete from contracts`);
}

async function appendN(n: number, start = T0) {
  for (let i = 0; i < n; i++) {
    await withTransaction(database, (tx) =>
      appendAudit(tx, {
        actorType: 'user',
        actorId: 'usr_a',
        action: `loan.created`,
        subjectType: 'loan',
        subjectId: `loan_${i}`,
        requestId: `req_${i}`,
        details: { amount_fen: 100_000 + i, note: '借款 ok', nested: { k: [1, 2, i] } },
        at: new Date(start.getTime() + i * 60_000),
      }),
    );
  }
}

describe('audit log hash chain', () => {
  beforeEach(reset);

  it('a clean chain verifies', async () => {
    await appendN(5);
    const r = await verifyAuditChain(database.db);
    expect(r).toMatchObject({ ok: true, records: 5, firstSeq: 1, lastSeq: 5, problems: [] });
  });

  // One byte changed in each stored column of record 3 → verification fails at record 3.
  it.each([
    ['action', sql`update audit_log set action = overlay(action placing 'X' from 1 for 1) where seq = 3`],
    ['actor_id', sql`update audit_log set actor_id = 'usr_b' where seq = 3`],
    ['subject_id', sql`update audit_log set subject_id = 'loan_9' where seq = 3`],
    ['request_id', sql`update audit_log set request_id = 'req_X' where seq = 3`],
    [
      'details',
      sql`update audit_log set details = jsonb_set(details, '{amount_fen}', '100003') where seq = 3`,
    ],
    [
      'details text',
      sql`update audit_log set details = jsonb_set(details, '{note}', '"借款 ok!"') where seq = 3`,
    ],
    [
      'created_at',
      sql`update audit_log set created_at = created_at + interval '1 millisecond' where seq = 3`,
    ],
    [
      'hash',
      sql`update audit_log set hash = overlay(hash placing 'f' from 64 for 1) where seq = 3 and right(hash, 1) <> 'f'`,
    ],
  ])('altering %s of record 3 is found at record 3', async (_col, alter) => {
    await appendN(5);
    await tamper(alter);
    const r = await verifyAuditChain(database.db);
    expect(r.ok).toBe(false);
    expect(r.problems[0]?.seq).toBe(3);
  });

  it('deleting a record from the middle is found where the chain breaks', async () => {
    await appendN(5);
    await tamper(sql`delete from audit_log where seq = 2`);
    const r = await verifyAuditChain(database.db);
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => [p.seq, p.problem])).toEqual([
      [3, 'sequence_gap'],
      [3, 'link_broken'],
    ]);
  });

  it('purges records older than 180 days and the rest still verifies; cutting the head is found', async () => {
    await appendN(3, T0);
    const later = new Date(T0.getTime() + 100 * 86_400_000);
    await appendN(2, later);
    const now = new Date(T0.getTime() + (AUDIT_RETENTION_DAYS + 1) * 86_400_000);
    const deleted = await withTransaction(database, (tx) => purgeAuditLog(tx, now));
    expect(deleted).toBe(3);
    const r = await verifyAuditChain(database.db);
    expect(r).toMatchObject({ ok: true, records: 3, firstSeq: 4, lastSeq: 6 });
    await tamper(sql`delete from audit_log where seq = 4`);
    const cut = await verifyAuditChain(database.db);
    expect(cut.ok).toBe(false);
    expect(cut.problems[0]?.seq).toBe(5);
  });

  it('cuts only a prefix: an old record after a young one (timestamps out of seq order) stays', async () => {
    await appendN(1, T0); // seq 1: old
    await appendN(1, new Date(T0.getTime() + 100 * 86_400_000)); // seq 2: young at the purge
    await appendN(1, T0); // seq 3: old, but after a young record
    const now = new Date(T0.getTime() + (AUDIT_RETENTION_DAYS + 1) * 86_400_000);
    expect(await withTransaction(database, (tx) => purgeAuditLog(tx, now))).toBe(1);
    const r = await verifyAuditChain(database.db);
    expect(r).toMatchObject({ ok: true, records: 3, firstSeq: 2, lastSeq: 4 });
  });

  it('refuses non-integer numbers in details (they would not read back identically)', async () => {
    await expect(
      withTransaction(database, (tx) =>
        appendAudit(tx, { actorType: 'system', actorId: 's', action: 'x', details: { r: 0.5 }, at: T0 }),
      ),
    ).rejects.toThrow(/safe integers/);
  });
});

function terms(i: number): ContractTerms {
  return {
    contractId: `ctr_${i}`,
    loanId: `loan_${i}`,
    userId: i % 2 ? 'usr_a' : 'usr_b',
    virtualIdNumber: null,
    product: 'cash_loan',
    method: 'equal_installment',
    termText: '1 months',
    principalFen: 100_000n + BigInt(i),
    apr: '0.18',
    monthlyRate: '0.015',
    dailyRate: '0.000493',
    nominalAnnualRate: '0.18',
    totalInterestFen: 1_500n,
    totalFeeFen: 0n,
    totalFen: 101_500n + BigInt(i),
    penaltyDailyRate: '0.0005',
    startDate: '2026-06-01',
    installments: [
      {
        number: 1,
        dueDate: '2026-07-01',
        principalFen: 100_000n + BigInt(i),
        interestFen: 1_500n,
        feeFen: 0n,
        amountFen: 101_500n + BigInt(i),
      },
    ],
    coolingOffEndsAt: null,
    lender: { name: '示例持牌小贷有限公司', licenceNumber: 'DEMO-0001', complaintChannel: '400-000-0000' },
    confirmationMethod: 'in_app_confirmation',
    signedAt: new Date(T0.getTime() + i * 1000).toISOString(),
  };
}

const contractKinds = serverTestUrl() ? (['pglite', 'server'] as const) : (['pglite'] as const);

describe.each(contractKinds)('contract evidence chain (%s)', (kind) => {
  let db: TestDatabase;
  const key = evidenceKey(config);
  beforeAll(async () => {
    if (kind === 'pglite') db = database;
    else {
      db = await createTestDatabase('server');
      await db.db.insert(schema.users).values([
        { id: 'usr_a', openidHash: 'h_a' },
        { id: 'usr_b', openidHash: 'h_b' },
      ]);
    }
  });
  afterAll(async () => {
    if (kind === 'server') await db?.drop();
  });

  async function tamperContracts(stmt: ReturnType<typeof sql>) {
    await db.db.execute(sql`alter table contracts disable trigger user`);
    try {
      await db.db.execute(stmt);
    } finally {
      await db.db.execute(sql`alter table contracts enable trigger user`);
    }
  }
  beforeEach(() => tamperContracts(sql`delete from contracts`));

  const sign = (i: number) => withTransaction(db, (tx) => signContract(tx, config, terms(i)));
  async function signN(n: number) {
    for (let i = 1; i <= n; i++) await sign(i);
  }
  async function chainRows() {
    return db.db
      .select({ id: schema.contracts.id, seq: schema.contracts.seq, prevHash: schema.contracts.prevHash })
      .from(schema.contracts)
      .orderBy(schema.contracts.seq);
  }
  const refused = (stmt: ReturnType<typeof sql>) =>
    db.db.execute(stmt).then(
      () => 'changed',
      (e: unknown) => String((e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message),
    );

  it('signs pending (no seq), seals in signing order, verifies; signing the same loan again returns the stored contract', async () => {
    await signN(4);
    const pending = await verifyContractChain(db.db, key);
    expect(pending).toMatchObject({ ok: true, records: 0, pending: 4, problems: [] });
    expect((await chainRows()).every((r) => r.seq === null && r.prevHash === null)).toBe(true);

    expect(await sealContracts(db, { now: T0 })).toBe(4);
    expect(await sealContracts(db, { now: T0 })).toBe(0); // idempotent
    const again = await withTransaction(db, (tx) => signContract(tx, config, terms(2)));
    expect(again.seq).toBe(2);
    expect(again.text).toContain('¥1,000.02');
    expect((await chainRows()).map((r) => r.id)).toEqual(['ctr_1', 'ctr_2', 'ctr_3', 'ctr_4']);
    expect(await verifyContractChain(db.db, key)).toMatchObject({
      ok: true,
      records: 4,
      firstSeq: 1,
      lastSeq: 4,
      pending: 0,
      problems: [],
    });
    const [sealed] = await db.db.select().from(schema.contracts).where(eq(schema.contracts.id, 'ctr_1'));
    expect(sealed?.sealedAt?.toISOString()).toBe(T0.toISOString());
  });

  it('a fresh loan is signed with one INSERT (no look-up, no lock, no head read), deferred to the transaction’s last statement', async () => {
    const calls: string[] = [];
    let visibleBeforeEnd = -1;
    await withTransaction(db, async (tx) => {
      const counting = new Proxy(tx, {
        get(target, prop, receiver) {
          if (prop === 'select' || prop === 'insert' || prop === 'execute' || prop === 'update')
            calls.push(prop);
          return Reflect.get(target, prop, receiver);
        },
      });
      await signContract(counting, config, terms(1), { freshLoan: true });
      visibleBeforeEnd = (await tx.select().from(schema.contracts).where(eq(schema.contracts.id, 'ctr_1')))
        .length;
    });
    expect(calls).toEqual(['insert']); // built, not sent: no statement of its own
    expect(visibleBeforeEnd).toBe(0);
    expect(await db.db.select().from(schema.contracts).where(eq(schema.contracts.id, 'ctr_1'))).toHaveLength(
      1,
    );
    // the unique index on loan_id still refuses a second contract for the loan
    await expect(
      withTransaction(db, (tx) =>
        signContract(tx, config, { ...terms(1), contractId: 'ctr_x' }, { freshLoan: true }),
      ),
    ).rejects.toThrow();
  });

  it('20 concurrent signings, with sealers running among them, end as one chain seq 1..20 without gaps', async () => {
    const work: Promise<unknown>[] = [];
    for (let i = 1; i <= 20; i++) {
      work.push(sign(i));
      if (i % 7 === 0) work.push(sealContracts(db, { now: T0, batchRows: 3 }));
    }
    await Promise.all(work);
    await sealContracts(db, { now: T0 });
    const rows = await chainRows();
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await verifyContractChain(db.db, key)).toMatchObject({ ok: true, records: 20, pending: 0 });
  });

  it('two sealers racing seal every row once: one chain, no fork, no double seal', async () => {
    await Promise.all(Array.from({ length: 30 }, (_, i) => sign(i + 1)));
    const counts = await Promise.all([
      sealContracts(db, { now: T0, batchRows: 4 }),
      sealContracts(db, { now: T0, batchRows: 4 }),
      sealContracts(db, { now: T0, batchRows: 7 }),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
    expect((await chainRows()).map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await verifyContractChain(db.db, key)).toMatchObject({ ok: true, records: 30, pending: 0 });
  });

  it('a rolled-back signing leaves nothing pending', async () => {
    await expect(
      withTransaction(db, async (tx) => {
        await signContract(tx, config, terms(1));
        throw new Error('borrow failed after signing');
      }),
    ).rejects.toThrow('borrow failed');
    expect(await verifyContractChain(db.db, key)).toMatchObject({ ok: true, records: 0, pending: 0 });
    expect(await sealContracts(db, { now: T0 })).toBe(0);
  });

  it('the database allows only sealing: signed columns and sealed rows cannot change, rows cannot go', async () => {
    await signN(2);
    expect(await refused(sql`update contracts set document_hash = 'x' where id = 'ctr_1'`)).toMatch(
      /append-only/,
    );
    expect(
      await refused(
        sql`update contracts set seq = 1, prev_hash = 'p', chain_hash = 'c', sealed_at = now(), signature = 's' where id = 'ctr_1'`,
      ),
    ).toMatch(/append-only/);
    expect(await refused(sql`update contracts set seq = 1 where id = 'ctr_1'`)).toMatch(
      /append-only|contracts_sealed_whole_ck/,
    );
    await sealContracts(db, { now: T0 });
    expect(await refused(sql`update contracts set seq = 9, sealed_at = now() where id = 'ctr_1'`)).toMatch(
      /append-only/,
    );
    expect(await refused(sql`delete from contracts where id = 'ctr_2'`)).toMatch(/append-only/);
  });

  it.each([
    [
      'document',
      sql`update contracts set document = jsonb_set(document, '{principal_fen}', '"999"') where id = 'ctr_2'`,
      'document_altered',
    ],
    [
      'signature',
      sql`update contracts set signature = overlay(signature placing '0' from 1 for 1) where id = 'ctr_2' and left(signature, 1) <> '0'`,
      'content_altered',
    ],
    ['borrower', sql`update contracts set user_id = 'usr_a' where id = 'ctr_2'`, 'content_altered'],
  ])('altering the %s of a pending contract is found before it is sealed', async (_what, alter, problem) => {
    await signN(3);
    await tamperContracts(alter);
    const r = await verifyContractChain(db.db, key);
    expect(r).toMatchObject({ ok: false, records: 0, pending: 3 });
    expect(r.problems).toEqual([expect.objectContaining({ seq: null, id: 'ctr_2', problem })]);
  });

  it('a contract pending past the sealing deadline is reported unsealed', async () => {
    await signN(2); // signed at T0 + 1 s and T0 + 2 s
    const early = new Date(T0.getTime() + CONTRACT_SEAL_DEADLINE_MS);
    expect(await verifyContractChain(db.db, key, { now: early })).toMatchObject({ ok: true, pending: 2 });
    const late = new Date(T0.getTime() + 1_500 + CONTRACT_SEAL_DEADLINE_MS);
    const r = await verifyContractChain(db.db, key, { now: late });
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([expect.objectContaining({ seq: null, id: 'ctr_1', problem: 'unsealed' })]);
    await sealContracts(db, { now: late });
    expect(await verifyContractChain(db.db, key, { now: late })).toMatchObject({ ok: true, records: 2 });
  });

  it('the after-commit trigger seals a committed contract; a rolled-back one leaves nothing', async () => {
    await withTransaction(db, async (tx) => {
      const signed = await signContract(tx, config, terms(1), { freshLoan: true });
      sealAfterCommit(db, signed.id, T0);
    });
    await expect(
      withTransaction(db, async (tx) => {
        const signed = await signContract(tx, config, terms(2), { freshLoan: true });
        sealAfterCommit(db, signed.id, T0);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await settleTriggers();
    expect(await chainRows()).toEqual([expect.objectContaining({ id: 'ctr_1', seq: 1 })]);
    expect(await verifyContractChain(db.db, key)).toMatchObject({ ok: true, records: 1, pending: 0 });
  });

  it.each([
    [
      'one byte of the text',
      sql`update contracts set document = jsonb_set(document, '{text}', to_jsonb(overlay(document->>'text' placing 'X' from 5 for 1))) where seq = 3`,
      'document_altered',
    ],
    [
      'an amount',
      sql`update contracts set document = jsonb_set(document, '{principal_fen}', '"999"') where seq = 3`,
      'document_altered',
    ],
    [
      'the document hash',
      sql`update contracts set document_hash = overlay(document_hash placing '0' from 1 for 1) where seq = 3 and left(document_hash, 1) <> '0'`,
      'document_altered',
    ],
    [
      'the signature',
      sql`update contracts set signature = overlay(signature placing '0' from 1 for 1) where seq = 3 and left(signature, 1) <> '0'`,
      'content_altered',
    ],
    ['the borrower', sql`update contracts set user_id = 'usr_b' where seq = 3`, 'content_altered'],
    [
      'the signing time',
      sql`update contracts set signed_at = signed_at + interval '1 second' where seq = 3`,
      'content_altered',
    ],
  ])('altering %s of sealed contract 3 is found at contract 3', async (_what, alter, problem) => {
    await signN(4);
    await sealContracts(db, { now: T0 });
    await tamperContracts(alter);
    const r = await verifyContractChain(db.db, key);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ seq: 3, id: 'ctr_3', problem });
    expect(r.problems.every((p) => p.seq === 3)).toBe(true);
  });

  it('re-hashing an altered record to hide it breaks the next link instead', async () => {
    await signN(4);
    await sealContracts(db, { now: T0 });
    await tamperContracts(
      sql`update contracts set chain_hash = overlay(chain_hash placing '0' from 1 for 1) where seq = 2 and left(chain_hash, 1) <> '0'`,
    );
    const r = await verifyContractChain(db.db, key);
    expect(r.problems.map((p) => [p.seq, p.problem])).toEqual([
      [2, 'hash_altered'],
      [3, 'link_broken'],
    ]);
  });
});
