/**
 * What the protection area does inside the borrower flows (registered borrower hooks):
 * - `credit_approved` → issue the digital-mask numbers and store the real identity in the
 *   vault. The real identity comes from an `IdentitySource`: production = WeChat real-name
 *   verification (实名认证) adapter (not connected here); dev/test = a deterministic demo
 *   identity generated from the user id (format-valid, outside the virtual ranges).
 * - `loan_created` → render the contract and sign it with the borrower's in-app confirmation
 *   (one INSERT, no chain lock); it is sealed into the evidence chain after the request
 *   commits (security/seal-trigger.ts, the per-minute cron as the fallback).
 */
import { createHash } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { registerBorrowerHook } from '../borrower/hooks';
import { LICENSED_INSTITUTION } from '../borrower/institution';
import type { AppConfig } from '../config';
import { newId, schema, type Tx } from '../db';
import { appendAudit } from '../security/audit';
import { signContract } from '../security/contracts';
import { sealAfterCommit } from '../security/seal-trigger';
import { keyringFrom, type RealIdentity, storeIdentity } from '../security/vault';
import { type ContractTerms, idCardCheckChar, luhnCheckDigit } from './shared';

export type IdentitySource = (args: {
  tx: Tx;
  userId: string;
  config: AppConfig;
}) => Promise<RealIdentity | null>;

/** Dev/test only: a stable demo identity per user id (never used in production). */
export const demoIdentitySource: IdentitySource = async ({ userId, config }) => {
  if (config.mode === 'production') return null;
  const h = createHash('sha256').update(`demo-identity|${userId}`).digest();
  const seq = String(h.readUInt16BE(0) % 1000).padStart(3, '0');
  const first17 = `110105${1970 + ((h[2] ?? 0) % 30)}0${1 + ((h[3] ?? 0) % 9)}1${(h[4] ?? 0) % 9}${seq}`;
  const body = `622202${String(h.readUInt32BE(5)).padStart(10, '0').slice(0, 10)}00`;
  return {
    name: `演示用户${seq}`,
    idCardNumber: first17 + idCardCheckChar(first17),
    bankCardNumber: body + luhnCheckDigit(body),
    phone: `1380000${seq}${(h[9] ?? 0) % 10}`,
  };
};

let identitySource: IdentitySource = demoIdentitySource;
export function registerIdentitySource(source: IdentitySource): void {
  identitySource = source;
}

const termText = (months: number | null, days: number | null) =>
  months ? `${months} months` : `${days ?? 0} days`;

export function registerProtectionHooks(): void {
  registerBorrowerHook('credit_approved', 'protection.digital_mask', async ({ tx, config, now, userId }) => {
    const real = await identitySource({ tx, userId, config });
    if (!real) return; // production without the real-name adapter: numbers issued when it is connected
    const masked = await storeIdentity(tx, keyringFrom(config), userId, real);
    await appendAudit(tx, {
      actorType: 'system',
      actorId: 'digital_mask',
      action: 'vault.identity_stored',
      subjectType: 'user',
      subjectId: userId,
      details: {
        virtual_id_tail: masked.virtualIdNumber.slice(-4),
        virtual_card_tail: masked.virtualBankCardNumber.slice(-4),
      },
      at: now,
    });
  });

  registerBorrowerHook(
    'loan_created',
    'protection.contract',
    async ({ tx, database, config, now, userId, loanId, rows: written }) => {
      const { loan, installments: rows, virtualId } = written ?? (await readWritten(tx, userId, loanId));
      const terms: ContractTerms = {
        contractId: newId('ctr'),
        loanId,
        userId,
        virtualIdNumber: virtualId,
        product: loan.product,
        method: loan.method,
        termText: termText(loan.termMonths, loan.termDays),
        principalFen: loan.principalFen,
        apr: loan.apr,
        monthlyRate: loan.monthlyRate,
        dailyRate: loan.dailyRate,
        nominalAnnualRate: loan.annualRate,
        totalInterestFen: loan.totalInterestFen,
        totalFeeFen: loan.totalFeeFen,
        totalFen: loan.principalFen + loan.totalInterestFen + loan.totalFeeFen,
        penaltyDailyRate: loan.penaltyDailyRate,
        startDate: loan.startDate,
        installments: rows.map((r) => ({
          number: r.number,
          dueDate: r.dueDate,
          principalFen: r.principalFen,
          interestFen: r.interestFen,
          feeFen: r.feeFen,
          amountFen: r.principalFen + r.interestFen + r.feeFen,
        })),
        coolingOffEndsAt: loan.coolingOffUntil?.toISOString() ?? null,
        lender: {
          name: LICENSED_INSTITUTION.name,
          licenceNumber: LICENSED_INSTITUTION.licence_number,
          complaintChannel: `${LICENSED_INSTITUTION.complaint_channel.phone}; ${LICENSED_INSTITUTION.regulator} ${LICENSED_INSTITUTION.complaint_channel.regulator_hotline}`,
        },
        confirmationMethod: 'in_app_confirmation',
        signedAt: new Date(Math.floor(now.getTime())).toISOString(),
      };
      // `loan_created` runs in the transaction that created the loan (borrow, checkout confirm
      // or capture): no contract can exist for it yet, and the unique loan_id index guards it
      const signed = await signContract(tx, config, terms, { freshLoan: true });
      if (signed.seq === null) sealAfterCommit(database, signed.id, now);
    },
  );
}

/** The loan, its schedule and the virtual id number (one round trip), for a caller that did not pass them. */
async function readWritten(tx: Tx, userId: string, loanId: string) {
  const rows = await tx
    .select({
      loan: schema.loans,
      installment: schema.installments,
      virtualId: schema.identityVault.virtualIdNumber,
    })
    .from(schema.loans)
    .innerJoin(schema.installments, eq(schema.installments.loanId, schema.loans.id))
    .leftJoin(schema.identityVault, eq(schema.identityVault.userId, userId))
    .where(eq(schema.loans.id, loanId))
    .orderBy(asc(schema.installments.number));
  const first = rows[0];
  if (!first) throw new Error('contract hook: loan missing');
  return {
    loan: first.loan,
    installments: rows.map((r) => r.installment),
    virtualId: first.virtualId ?? null,
  };
}
