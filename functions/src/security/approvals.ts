/**
 * Four-level approval for reading real identity values from the vault (四级审批).
 *
 * A staff member files a request (user, purpose, fields). Four *other* staff members approve
 * it at levels 1, 2, 3, 4 in order (the database refuses a second approval by the same
 * person or at the same level); any rejection ends it. Only the requester may then read,
 * once, within 24 hours of the request. The read re-checks the four approvals from the
 * approvals table itself (not just the request's status). Every step and every refused
 * read is written to the audit log.
 */
import { and, asc, eq } from 'drizzle-orm';
import { newId, schema, type Tx } from '../db';
import { appendAudit } from './audit';
import {
  decryptIdentityUnchecked,
  type Keyring,
  type RealIdentity,
  VAULT_FIELDS,
  type VaultField,
} from './vault';

export const VAULT_LEVELS_REQUIRED = 4;
export const VAULT_REQUEST_TTL_MS = 24 * 3600 * 1000;

export type VaultRefusal =
  | 'vault_request_not_found'
  | 'vault_request_not_pending'
  | 'vault_request_expired'
  | 'vault_self_approval'
  | 'vault_duplicate_approver'
  | 'vault_not_approved'
  | 'vault_not_requester'
  | 'vault_request_used';

export type VaultOutcome<T> = { ok: true; value: T } | { ok: false; code: VaultRefusal; message: string };

const refuse = (code: VaultRefusal, message: string): { ok: false; code: VaultRefusal; message: string } => ({
  ok: false,
  code,
  message,
});

export async function requestVaultAccess(
  tx: Tx,
  args: {
    userId: string;
    requestedBy: string;
    purpose: string;
    fields: VaultField[];
    now: Date;
    requestId?: string;
  },
): Promise<{ id: string; expiresAt: Date }> {
  for (const f of args.fields) if (!VAULT_FIELDS.includes(f)) throw new Error('vault: unknown field');
  const id = newId('var');
  const expiresAt = new Date(args.now.getTime() + VAULT_REQUEST_TTL_MS);
  await tx.insert(schema.vaultAccessRequests).values({
    id,
    userId: args.userId,
    requestedBy: args.requestedBy,
    purpose: args.purpose,
    fields: args.fields,
    levelsRequired: VAULT_LEVELS_REQUIRED,
    createdAt: args.now,
    expiresAt,
  });
  await appendAudit(tx, {
    actorType: 'staff',
    actorId: args.requestedBy,
    action: 'vault.access_requested',
    subjectType: 'user',
    subjectId: args.userId,
    requestId: args.requestId ?? null,
    details: { vault_request_id: id, purpose: args.purpose, fields: args.fields },
    at: args.now,
  });
  return { id, expiresAt };
}

export async function decideVaultAccess(
  tx: Tx,
  args: {
    requestId: string;
    approver: string;
    decision: 'approved' | 'rejected';
    note?: string;
    now: Date;
    httpRequestId?: string;
  },
): Promise<VaultOutcome<{ level: number; status: string }>> {
  const [req] = await tx
    .select()
    .from(schema.vaultAccessRequests)
    .where(eq(schema.vaultAccessRequests.id, args.requestId))
    .for('update');
  if (!req) return refuse('vault_request_not_found', 'No such vault access request.');
  if (req.status !== 'pending') return refuse('vault_request_not_pending', `The request is ${req.status}.`);
  if (req.expiresAt && req.expiresAt.getTime() <= args.now.getTime()) {
    await tx
      .update(schema.vaultAccessRequests)
      .set({ status: 'expired', decidedAt: args.now })
      .where(eq(schema.vaultAccessRequests.id, req.id));
    return refuse('vault_request_expired', 'The request expired.');
  }
  if (req.requestedBy === args.approver)
    return refuse('vault_self_approval', 'The requester cannot approve their own request.');
  const approvals = await tx
    .select()
    .from(schema.vaultAccessApprovals)
    .where(eq(schema.vaultAccessApprovals.requestId, req.id));
  if (approvals.some((a) => a.approver === args.approver))
    return refuse('vault_duplicate_approver', 'Each level needs a different approver.');
  const level = approvals.length + 1;
  await tx.insert(schema.vaultAccessApprovals).values({
    id: newId('vap'),
    requestId: req.id,
    level,
    approver: args.approver,
    decision: args.decision,
    note: args.note ?? null,
    createdAt: args.now,
  });
  let status: 'pending' | 'approved' | 'rejected' = 'pending';
  if (args.decision === 'rejected') status = 'rejected';
  else if (level >= req.levelsRequired) status = 'approved';
  if (status !== 'pending') {
    await tx
      .update(schema.vaultAccessRequests)
      .set({ status, decidedAt: args.now })
      .where(eq(schema.vaultAccessRequests.id, req.id));
  }
  await appendAudit(tx, {
    actorType: 'staff',
    actorId: args.approver,
    action: `vault.access_${args.decision === 'approved' ? 'approved' : 'rejected'}`,
    subjectType: 'user',
    subjectId: req.userId,
    requestId: args.httpRequestId ?? null,
    details: { vault_request_id: req.id, level, status },
    at: args.now,
  });
  return { ok: true, value: { level, status } };
}

/**
 * Reads the approved fields. Refusals are audited too (the caller commits the transaction
 * and then reports the refusal), so a failed attempt is never silent.
 */
export async function readVaultWithApproval(
  tx: Tx,
  keyring: Keyring,
  args: { requestId: string; staffId: string; now: Date; httpRequestId?: string },
): Promise<VaultOutcome<{ userId: string; fields: Partial<RealIdentity> }>> {
  const [req] = await tx
    .select()
    .from(schema.vaultAccessRequests)
    .where(eq(schema.vaultAccessRequests.id, args.requestId))
    .for('update');
  const audit = (action: string, details: Record<string, string | number>) =>
    appendAudit(tx, {
      actorType: 'staff',
      actorId: args.staffId,
      action,
      subjectType: 'user',
      subjectId: req?.userId ?? null,
      requestId: args.httpRequestId ?? null,
      details: { vault_request_id: args.requestId, ...details },
      at: args.now,
    });
  const refused = async (code: VaultRefusal, message: string) => {
    await audit('vault.read_refused', { code });
    return refuse(code, message);
  };
  if (!req) return refused('vault_request_not_found', 'No such vault access request.');
  if (req.requestedBy !== args.staffId) return refused('vault_not_requester', 'Only the requester may read.');
  if (req.status === 'used') return refused('vault_request_used', 'This approval was already used.');
  if (req.expiresAt && req.expiresAt.getTime() <= args.now.getTime())
    return refused('vault_request_expired', 'The request expired.');
  const approvals = await tx
    .select()
    .from(schema.vaultAccessApprovals)
    .where(
      and(
        eq(schema.vaultAccessApprovals.requestId, req.id),
        eq(schema.vaultAccessApprovals.decision, 'approved'),
      ),
    )
    .orderBy(asc(schema.vaultAccessApprovals.level));
  const approvers = new Set(approvals.map((a) => a.approver));
  approvers.delete(req.requestedBy);
  const levels = new Set(approvals.map((a) => a.level));
  const fourLevels = [1, 2, 3, 4].every((l) => levels.has(l));
  if (req.status !== 'approved' || approvers.size < VAULT_LEVELS_REQUIRED || !fourLevels) {
    return refused(
      'vault_not_approved',
      `Reading needs ${VAULT_LEVELS_REQUIRED} approvals by four different people (has ${approvers.size}).`,
    );
  }
  const identity = await decryptIdentityUnchecked(tx, keyring, req.userId);
  const fields: Partial<RealIdentity> = {};
  for (const f of req.fields as string[])
    if ((VAULT_FIELDS as readonly string[]).includes(f)) fields[f as VaultField] = identity[f as VaultField];
  await tx
    .update(schema.vaultAccessRequests)
    .set({ status: 'used' })
    .where(eq(schema.vaultAccessRequests.id, req.id));
  await audit('vault.read', { fields: (req.fields as string[]).join(',') });
  return { ok: true, value: { userId: req.userId, fields } };
}
