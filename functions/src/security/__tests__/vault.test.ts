import { createTestDatabase, type TestDatabase } from '@fenqi/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema, withTransaction } from '../../db';
import { isVirtualBankCardNumber, isVirtualIdCardNumber } from '../../risk/shared';
import { decideVaultAccess, readVaultWithApproval, requestVaultAccess } from '../approvals';
import { verifyAuditChain } from '../audit';
import { decryptPii, encryptPii, keyringFrom, type RealIdentity, rotateVault, storeIdentity } from '../vault';

let database: TestDatabase;
const NOW = new Date('2026-11-28T04:00:00.000Z');
const keyA = Buffer.alloc(32, 1);
const keyB = Buffer.alloc(32, 2);
const ringA = keyringFrom({ vaultKeys: [{ id: 'a', key: keyA }] }, {});
const real: RealIdentity = {
  name: '张三',
  idCardNumber: '11010519491231002X',
  bankCardNumber: '4111111111111111',
  phone: '13800000000',
};

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  await database.db.insert(schema.users).values([
    { id: 'usr_v', openidHash: 'h_v' },
    { id: 'usr_w', openidHash: 'h_w' },
  ]);
  await withTransaction(database, (tx) => storeIdentity(tx, ringA, 'usr_v', real));
});
afterAll(async () => {
  await database?.drop();
});

const tx = <T>(fn: Parameters<typeof withTransaction<T>>[1]) => withTransaction(database, fn);

describe('digital mask and encryption at rest', () => {
  it('issues virtual numbers in the reserved ranges, never the real ones, and stores only ciphertext', async () => {
    const [row] = await database.db
      .select()
      .from(schema.identityVault)
      .where(eq(schema.identityVault.userId, 'usr_v'));
    expect(row).toBeDefined();
    expect(isVirtualIdCardNumber(row?.virtualIdNumber ?? '')).toBe(true);
    expect(isVirtualBankCardNumber(row?.virtualBankCardNumber ?? '')).toBe(true);
    expect(row?.virtualIdNumber).not.toBe(real.idCardNumber);
    const stored = JSON.stringify(row);
    for (const v of Object.values(real)) expect(stored).not.toContain(v);
    // storing again returns the same numbers
    const again = await tx((t) => storeIdentity(t, ringA, 'usr_v', real));
    expect(again.virtualIdNumber).toBe(row?.virtualIdNumber);
  });
  it('refuses a "real" number from the virtual range', async () => {
    const [row] = await database.db
      .select()
      .from(schema.identityVault)
      .where(eq(schema.identityVault.userId, 'usr_v'));
    await expect(
      tx((t) => storeIdentity(t, ringA, 'usr_w', { ...real, idCardNumber: row?.virtualIdNumber ?? '' })),
    ).rejects.toThrow('invalid_id_card_number');
  });
  it('a ciphertext is bound to its user (AAD): moved to another user it does not decrypt', () => {
    const { keyId, ciphertext } = encryptPii(ringA, 'usr_v', 'secret');
    expect(decryptPii(ringA, 'usr_v', keyId, ciphertext)).toBe('secret');
    expect(() => decryptPii(ringA, 'usr_w', keyId, ciphertext)).toThrow('failed authentication');
  });
  it('rotation re-encrypts every row under the active key; the old key is then not needed', async () => {
    const ringBA = keyringFrom(
      {
        vaultKeys: [
          { id: 'a', key: keyA },
          { id: 'b', key: keyB },
        ],
      },
      { VAULT_ACTIVE_KEY_ID: 'b' },
    );
    expect(await rotateVault(database, ringBA, NOW)).toBe(1);
    expect(await rotateVault(database, ringBA, NOW)).toBe(0);
    const [row] = await database.db
      .select()
      .from(schema.identityVault)
      .where(eq(schema.identityVault.userId, 'usr_v'));
    expect(row?.keyId).toBe('b');
    const ringB = keyringFrom({ vaultKeys: [{ id: 'b', key: keyB }] }, {});
    expect(JSON.parse(decryptPii(ringB, 'usr_v', 'b', row?.piiCiphertext ?? ''))).toEqual(real);
  });
  it('an unknown active key id is a configuration error', () => {
    expect(() =>
      keyringFrom({ vaultKeys: [{ id: 'a', key: keyA }] }, { VAULT_ACTIVE_KEY_ID: 'zz' }),
    ).toThrow();
  });
});

describe('four-level approval', () => {
  const ring = keyringFrom(
    {
      vaultKeys: [
        { id: 'a', key: keyA },
        { id: 'b', key: keyB },
      ],
    },
    {},
  );
  const newRequest = () =>
    tx((t) =>
      requestVaultAccess(t, {
        userId: 'usr_v',
        requestedBy: 'ops_1',
        purpose: 'court order 2026-001',
        fields: ['name', 'idCardNumber'],
        now: NOW,
      }),
    );
  const approve = (id: string, approver: string) =>
    tx((t) => decideVaultAccess(t, { requestId: id, approver, decision: 'approved', now: NOW }));
  const read = (id: string, staffId = 'ops_1', now = NOW) =>
    tx((t) => readVaultWithApproval(t, ring, { requestId: id, staffId, now }));

  it('never returns a real value with 0, 1, 2 or 3 approvals; returns it once after 4 distinct approvers', async () => {
    const { id } = await newRequest();
    const approvers = ['ops_2', 'ops_3', 'ops_4', 'ops_5'];
    for (let n = 0; n < 4; n++) {
      const r = await read(id);
      expect(r).toMatchObject({ ok: false, code: 'vault_not_approved' });
      expect(JSON.stringify(r)).not.toContain(real.idCardNumber);
      const a = await approve(id, approvers[n] as string);
      expect(a).toMatchObject({ ok: true, value: { level: n + 1 } });
    }
    const ok = await read(id);
    expect(ok).toEqual({
      ok: true,
      value: { userId: 'usr_v', fields: { name: real.name, idCardNumber: real.idCardNumber } },
    });
    expect(await read(id)).toMatchObject({ ok: false, code: 'vault_request_used' });
  });

  it('the requester cannot approve, and nobody approves twice', async () => {
    const { id } = await newRequest();
    expect(await approve(id, 'ops_1')).toMatchObject({ ok: false, code: 'vault_self_approval' });
    expect(await approve(id, 'ops_2')).toMatchObject({ ok: true });
    expect(await approve(id, 'ops_2')).toMatchObject({ ok: false, code: 'vault_duplicate_approver' });
  });

  it('the database itself refuses a second approval by the same person (even bypassing the code)', async () => {
    const { id } = await newRequest();
    await approve(id, 'ops_2');
    await expect(
      database.db
        .insert(schema.vaultAccessApprovals)
        .values({ id: 'vap_x', requestId: id, level: 2, approver: 'ops_2', decision: 'approved' }),
    ).rejects.toThrow();
  });

  it('forcing the status to approved without four approval rows still reads nothing', async () => {
    const { id } = await newRequest();
    await approve(id, 'ops_2');
    await database.db
      .update(schema.vaultAccessRequests)
      .set({ status: 'approved' })
      .where(eq(schema.vaultAccessRequests.id, id));
    expect(await read(id)).toMatchObject({ ok: false, code: 'vault_not_approved' });
  });

  it('a rejection ends the request; only the requester reads; requests expire after 24 h', async () => {
    const r1 = await newRequest();
    await tx((t) =>
      decideVaultAccess(t, { requestId: r1.id, approver: 'ops_2', decision: 'rejected', now: NOW }),
    );
    expect(await approve(r1.id, 'ops_3')).toMatchObject({ ok: false, code: 'vault_request_not_pending' });

    const r2 = await newRequest();
    for (const a of ['ops_2', 'ops_3', 'ops_4', 'ops_5']) await approve(r2.id, a);
    expect(await read(r2.id, 'ops_2')).toMatchObject({ ok: false, code: 'vault_not_requester' });
    expect(await read(r2.id, 'ops_1', new Date(NOW.getTime() + 24 * 3600 * 1000))).toMatchObject({
      ok: false,
      code: 'vault_request_expired',
    });
  });

  it('every request, approval, read and refused read is in the audit chain, without PII', async () => {
    const rows = await database.db.select().from(schema.auditLog);
    const actions = new Set(rows.map((r) => r.action));
    for (const a of [
      'vault.access_requested',
      'vault.access_approved',
      'vault.access_rejected',
      'vault.read',
      'vault.read_refused',
    ])
      expect(actions).toContain(a);
    const dump = JSON.stringify(rows);
    for (const v of Object.values(real)) expect(dump).not.toContain(v);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
    expect(rows.filter((r) => r.action === 'vault.read')).toHaveLength(1);
  });
});
