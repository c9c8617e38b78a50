/**
 * Loan contract rendering (借款合同) for e-signing and evidence. Pure: every term comes in
 * as an argument and the output is (a) the human-readable contract text with all terms and
 * the disclosure block, and (b) a JSON-safe document (money as integer-fen strings) whose
 * canonical form is what the evidence chain hashes. No real PII ever enters a contract: the
 * borrower is named by user id and the virtual (digital-mask) ID number.
 */
import { formatFen } from './money';

export const CONTRACT_TEMPLATE_VERSION = 'loan-contract-2026.1';

export interface ContractInstallment {
  number: number;
  dueDate: string;
  principalFen: bigint;
  interestFen: bigint;
  feeFen: bigint;
  amountFen: bigint;
}

export interface LenderDisclosure {
  /** Licensed institution that lends (持牌机构). */
  name: string;
  licenceNumber: string;
  complaintChannel: string;
}

export interface ContractTerms {
  contractId: string;
  loanId: string;
  userId: string;
  /** Digital-mask virtual ID-card number, if issued (never the real one). */
  virtualIdNumber: string | null;
  product: string;
  method: string;
  /** `12 months` / `30 days`. */
  termText: string;
  principalFen: bigint;
  /** Decimal strings per unit, as on the wire. */
  apr: string;
  monthlyRate: string;
  dailyRate: string;
  nominalAnnualRate: string;
  totalInterestFen: bigint;
  totalFeeFen: bigint;
  totalFen: bigint;
  /** Overdue penalty interest per day on unpaid overdue principal (brief: 0.0005). */
  penaltyDailyRate: string;
  startDate: string;
  installments: readonly ContractInstallment[];
  /** Cooling-off end (RFC 3339) when the loan is in a cooling-off window, else null. */
  coolingOffEndsAt: string | null;
  lender: LenderDisclosure;
  /** How the borrower confirmed (e.g. `payment_password`, `in_app_confirmation`). */
  confirmationMethod: string;
  /** RFC 3339 instant of the confirmation. */
  signedAt: string;
}

export const CONTRACT_INSTALLMENTS_MAX = 1_000;

/** Percent text for a per-unit decimal string: "0.1825" → "18.25%". Exact (string shift). */
export function percentText(rate: string): string {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(rate);
  if (!m) throw new Error('contract: bad rate');
  const whole = m[1] as string;
  const frac = (m[2] ?? '').padEnd(2, '0');
  const intPart = String(Number(whole + frac.slice(0, 2)));
  const rest = frac.slice(2).replace(/0+$/, '');
  return `${intPart}${rest ? `.${rest}` : ''}%`;
}

/** The contract's full text. Every term, the schedule, the borrower's rights and the disclosure. */
export function renderContractText(t: ContractTerms): string {
  if (t.installments.length === 0 || t.installments.length > CONTRACT_INSTALLMENTS_MAX) {
    throw new Error('contract: installment count out of range');
  }
  const lines: string[] = [];
  lines.push(`借款合同 Loan contract ${t.contractId}`);
  lines.push(`Template ${CONTRACT_TEMPLATE_VERSION}`);
  lines.push('');
  lines.push(`Lender (出借人): ${t.lender.name}, licence ${t.lender.licenceNumber}`);
  lines.push(
    `Borrower (借款人): user ${t.userId}${t.virtualIdNumber ? `, ID ${t.virtualIdNumber} (virtual)` : ''}`,
  );
  lines.push(
    `Loan ${t.loanId}: product ${t.product}, method ${t.method}, term ${t.termText}, from ${t.startDate}`,
  );
  lines.push('');
  lines.push(`1. Principal (借款本金): ${formatFen(t.principalFen)}`);
  lines.push(
    `2. Cost (三率并行): annualised rate (APR, all interest and fees) ${percentText(t.apr)}; monthly ${percentText(t.monthlyRate)}; daily ${percentText(t.dailyRate)}; nominal annual interest rate ${percentText(t.nominalAnnualRate)}`,
  );
  lines.push(
    `3. Totals: interest ${formatFen(t.totalInterestFen)}, fees ${formatFen(t.totalFeeFen)}, total repayment ${formatFen(t.totalFen)}. No other charge of any kind.`,
  );
  lines.push('4. Repayment schedule (还款计划):');
  for (const i of t.installments) {
    lines.push(
      `   #${i.number} due ${i.dueDate}: ${formatFen(i.amountFen)} = principal ${formatFen(i.principalFen)} + interest ${formatFen(i.interestFen)} + fee ${formatFen(i.feeFen)}`,
    );
  }
  lines.push(
    '5. Early repayment: allowed at any time with no penalty; interest runs only to the day of payoff.',
  );
  lines.push(
    `6. Overdue: penalty interest of ${percentText(t.penaltyDailyRate)} per day on unpaid overdue principal only. Grace: twice a year, up to 3 days each, with no overdue record (interest keeps running).`,
  );
  lines.push(
    t.coolingOffEndsAt
      ? `7. Cooling-off (冷静期): the money is paid out after ${t.coolingOffEndsAt}; until then you may cancel at no cost.`
      : '7. Cooling-off (冷静期): not applicable to this loan.',
  );
  lines.push(
    '8. Collections: never between 20:00 and 08:00, at most 3 contacts per channel per day, never your contacts or other third parties. In temporary hardship you may accept an extension (展期) without penalty.',
  );
  lines.push(
    '9. Your data: used only for the purposes you authorised; you may switch off non-essential authorisations at any time.',
  );
  lines.push('');
  lines.push(
    `Disclosure (信息披露): ${t.lender.name}; licence ${t.lender.licenceNumber}; complaints: ${t.lender.complaintChannel}`,
  );
  lines.push(`Signed by the borrower's confirmation (${t.confirmationMethod}) at ${t.signedAt}.`);
  return lines.join('\n');
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** The stored contract document: text plus the terms in JSON-safe form (fen as strings). */
export function contractDocument(t: ContractTerms): { [k: string]: JsonValue } {
  return {
    template_version: CONTRACT_TEMPLATE_VERSION,
    contract_id: t.contractId,
    loan_id: t.loanId,
    user_id: t.userId,
    virtual_id_number: t.virtualIdNumber,
    product: t.product,
    method: t.method,
    term: t.termText,
    start_date: t.startDate,
    principal_fen: t.principalFen.toString(),
    apr: t.apr,
    monthly_rate: t.monthlyRate,
    daily_rate: t.dailyRate,
    nominal_annual_rate: t.nominalAnnualRate,
    total_interest_fen: t.totalInterestFen.toString(),
    total_fee_fen: t.totalFeeFen.toString(),
    total_fen: t.totalFen.toString(),
    penalty_daily_rate: t.penaltyDailyRate,
    cooling_off_ends_at: t.coolingOffEndsAt,
    installments: t.installments.map((i) => ({
      number: i.number,
      due_date: i.dueDate,
      principal_fen: i.principalFen.toString(),
      interest_fen: i.interestFen.toString(),
      fee_fen: i.feeFen.toString(),
      amount_fen: i.amountFen.toString(),
    })),
    lender: {
      name: t.lender.name,
      licence_number: t.lender.licenceNumber,
      complaint_channel: t.lender.complaintChannel,
    },
    confirmation_method: t.confirmationMethod,
    signed_at: t.signedAt,
    text: renderContractText(t),
  };
}

/**
 * Canonical JSON: object keys sorted at every depth, no whitespace. Two documents that mean
 * the same are the same string — needed because PostgreSQL `jsonb` reorders keys, so the
 * hash is always taken over this form, never over the stored bytes.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint' || typeof value === 'function' || value === undefined) {
      throw new Error('contract: value is not JSON');
    }
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('contract: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const entries = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  return `{${entries.join(',')}}`;
}

/**
 * What a chain link hashes: `seq`, the previous link's hash and the record's content hash,
 * separated by newlines. chain_hash = SHA-256(chainLinkPayload(...)) (hex), computed by the
 * caller (node:crypto stays out of this package).
 */
export function chainLinkPayload(seq: number, prevHash: string, contentHash: string): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error('contract: bad seq');
  return `fenqi-chain-v1\n${seq}\n${prevHash}\n${contentHash}`;
}

/** The first link's `prev_hash`. */
export const CHAIN_GENESIS_HASH = '0'.repeat(64);
