/**
 * Invariant checker: returns every violation found (empty list = healthy). Used by tests,
 * by `npm run db:verify` and after the daily batch. Read-only; run it on a quiet database
 * or accept that in-flight transactions are invisible (each query sees committed data).
 */
import { sql } from 'drizzle-orm';
import type { Database, DbOrTx } from './client';
import { rowsOf } from './money-movement';

export interface Violation {
  /** Stable name of the invariant. */
  invariant: string;
  /** The row it concerns (`loan_…`, `cl_…`, `ltx_…`). */
  subject: string;
  detail: string;
}

interface Check {
  invariant: string;
  /** Rows with `subject` and `detail` columns, one per violation. */
  query: ReturnType<typeof sql>;
}

const CHECKS: Check[] = [
  {
    invariant: 'ledger_transaction_balanced',
    query: sql`select transaction_id as subject, currency || ' off by ' || sum(amount_fen)::text as detail
      from ledger_postings group by transaction_id, currency having sum(amount_fen) <> 0`,
  },
  {
    invariant: 'ledger_total_zero',
    query: sql`select currency as subject, 'all postings sum to ' || sum(amount_fen)::text as detail
      from ledger_postings group by currency having sum(amount_fen) <> 0`,
  },
  {
    invariant: 'ledger_posting_currency',
    query: sql`select p.id::text as subject,
        case when a.id is null then 'posting to a missing account ' || p.account_id
             else 'posting in ' || p.currency || ' on a ' || a.currency || ' account' end as detail
      from ledger_postings p left join ledger_accounts a on a.id = p.account_id
      where a.id is null or p.currency <> a.currency`,
  },
  {
    invariant: 'loan_schedule_principal',
    query: sql`select l.id as subject, 'installments principal ' || coalesce(sum(i.principal_fen), 0)::text
        || ' <> loan principal ' || l.principal_fen::text as detail
      from loans l left join installments i on i.loan_id = l.id
      group by l.id having coalesce(sum(i.principal_fen), 0) <> l.principal_fen`,
  },
  {
    // Paid parts kept on installments must equal the append-only allocations.
    invariant: 'installment_paid_equals_allocations',
    query: sql`select i.id as subject,
        'paid ' || i.paid_principal_fen || '/' || i.paid_interest_fen || '/' || i.paid_fee_fen || '/' || i.paid_penalty_fen
        || ' vs allocated ' || coalesce(a.p, 0) || '/' || coalesce(a.i, 0) || '/' || coalesce(a.f, 0) || '/' || coalesce(a.pen, 0)
        as detail
      from installments i left join (
        select installment_id, sum(principal_fen) p, sum(interest_fen) i, sum(fee_fen) f, sum(penalty_fen) pen
        from repayment_allocations group by installment_id
      ) a on a.installment_id = i.id
      where i.paid_principal_fen <> coalesce(a.p, 0) or i.paid_interest_fen <> coalesce(a.i, 0)
         or i.paid_fee_fen <> coalesce(a.f, 0) or i.paid_penalty_fen <> coalesce(a.pen, 0)`,
  },
  {
    invariant: 'installment_within_schedule',
    query: sql`select id as subject, 'paid or waived beyond the schedule' as detail from installments
      where paid_principal_fen > principal_fen or paid_interest_fen + waived_interest_fen > interest_fen
         or paid_fee_fen + waived_fee_fen > fee_fen or paid_penalty_fen > penalty_fen
         or least(paid_principal_fen, paid_interest_fen, paid_fee_fen, paid_penalty_fen) < 0`,
  },
  {
    invariant: 'installment_paid_status',
    query: sql`select id as subject, 'status ' || status || ' but owes ' ||
        (principal_fen - paid_principal_fen + interest_fen - paid_interest_fen - waived_interest_fen
         + fee_fen - paid_fee_fen - waived_fee_fen + penalty_fen - paid_penalty_fen)::text as detail
      from installments
      where (status = 'paid') <> (principal_fen = paid_principal_fen and interest_fen = paid_interest_fen + waived_interest_fen
         and fee_fen = paid_fee_fen + waived_fee_fen and penalty_fen = paid_penalty_fen)
        and status <> 'canceled'`,
  },
  {
    invariant: 'repayment_equals_allocations',
    query: sql`select r.id as subject, 'amount ' || r.amount_fen || ' <> allocated ' ||
        (coalesce(sum(a.principal_fen + a.interest_fen + a.fee_fen + a.penalty_fen), 0) + r.to_credit_balance_fen)::text as detail
      from repayments r left join repayment_allocations a on a.repayment_id = r.id
      group by r.id
      having r.amount_fen <> coalesce(sum(a.principal_fen + a.interest_fen + a.fee_fen + a.penalty_fen), 0) + r.to_credit_balance_fen`,
  },
  {
    invariant: 'loan_credit_balance',
    // credit balance = Σ overpayments (user repayments and merchant refunds) − Σ payouts.
    query: sql`with overpaid as (
        select loan_id, sum(to_credit_balance_fen) as fen from repayments group by loan_id
      ), paid_out as (
        select loan_id, sum(amount_fen) as fen from credit_payouts group by loan_id
      )
      select l.id as subject, 'credit balance ' || l.credit_balance_fen || ' <> overpaid ' || coalesce(o.fen, 0)
        || ' - paid out ' || coalesce(p.fen, 0) as detail
      from loans l left join overpaid o on o.loan_id = l.id left join paid_out p on p.loan_id = l.id
      where l.credit_balance_fen <> coalesce(o.fen, 0) - coalesce(p.fen, 0)`,
  },
  {
    invariant: 'loan_paid_off_status',
    query: sql`select l.id as subject, 'status ' || l.status || ' with ' || count(*) filter (where i.status <> 'paid')
        || ' unpaid installments' as detail
      from loans l join installments i on i.loan_id = l.id
      where l.status <> 'canceled'
      group by l.id, l.status
      having (l.status = 'paid_off') <> (count(*) filter (where i.status <> 'paid') = 0)`,
  },
  {
    // Ledger vs schedule: a user's principal receivable = open principal of their loans.
    invariant: 'receivable_equals_open_principal',
    query: sql`with open_principal as (
        select l.user_id, sum(i.principal_fen - i.paid_principal_fen) as fen
        from loans l join installments i on i.loan_id = l.id
        where l.status <> 'canceled' group by l.user_id
      ), receivable as (
        select a.owner_id as user_id, sum(p.amount_fen) as fen
        from ledger_accounts a join ledger_postings p on p.account_id = a.id
        where a.code = 'loan_principal_receivable' group by a.owner_id
      )
      select coalesce(o.user_id, r.user_id) as subject,
        'ledger receivable ' || coalesce(r.fen, 0) || ' <> open principal ' || coalesce(o.fen, 0) as detail
      from open_principal o full join receivable r on r.user_id = o.user_id
      where coalesce(o.fen, 0) <> coalesce(r.fen, 0)`,
  },
  {
    invariant: 'credit_line_used_equals_open_principal',
    query: sql`select c.id as subject, 'used ' || c.used_fen || ' <> open principal ' || coalesce(o.fen, 0) as detail
      from credit_lines c left join (
        select l.credit_line_id, sum(i.principal_fen - i.paid_principal_fen) as fen
        from loans l join installments i on i.loan_id = l.id
        where l.status <> 'canceled' group by l.credit_line_id
      ) o on o.credit_line_id = c.id
      where c.used_fen <> coalesce(o.fen, 0)`,
  },
  {
    invariant: 'credit_line_held_equals_holds',
    query: sql`select c.id as subject, 'held ' || c.held_fen || ' <> open holds ' || coalesce(h.fen, 0) as detail
      from credit_lines c left join (
        select credit_line_id, sum(amount_fen) as fen from credit_holds where status = 'held' group by credit_line_id
      ) h on h.credit_line_id = c.id
      where c.held_fen <> coalesce(h.fen, 0)`,
  },
  {
    invariant: 'credit_line_restoring_equals_pending',
    query: sql`select c.id as subject, 'restoring ' || c.restoring_fen || ' <> pending ' || coalesce(r.fen, 0) as detail
      from credit_lines c left join (
        select credit_line_id, sum(amount_fen) as fen from pending_limit_restorations
        where restored_at is null group by credit_line_id
      ) r on r.credit_line_id = c.id
      where c.restoring_fen <> coalesce(r.fen, 0)`,
  },
  {
    // Draws check availability with the temporary limit only while unexpired; after expiry
    // existing loans stay, so the bound here is base + temporary.
    invariant: 'credit_line_available_nonnegative',
    query: sql`select id as subject, 'used ' || used_fen || ' + held ' || held_fen || ' + restoring ' || restoring_fen
        || ' > limit ' || (base_limit_fen + temporary_limit_fen) as detail
      from credit_lines
      where used_fen < 0 or held_fen < 0 or restoring_fen < 0
         or used_fen + held_fen + restoring_fen > base_limit_fen + temporary_limit_fen`,
  },
  {
    invariant: 'captured_checkout_has_one_loan',
    query: sql`select c.id as subject, count(l.id) || ' loans for a ' || c.status || ' checkout' as detail
      from checkouts c left join loans l on l.checkout_id = c.id
      where c.status in ('captured', 'partially_refunded', 'refunded')
      group by c.id, c.status having count(l.id) <> 1`,
  },
  {
    invariant: 'captured_checkout_loan_amount',
    query: sql`select c.id as subject, 'captured ' || c.amount_captured_fen || ' <> loan principal ' || l.principal_fen
        || case when c.loan_id is distinct from l.id then ' (checkout.loan_id mismatch)' else '' end as detail
      from checkouts c join loans l on l.checkout_id = c.id
      where c.amount_captured_fen <> l.principal_fen or c.loan_id is distinct from l.id`,
  },
  {
    invariant: 'uncaptured_checkout_has_no_loan',
    query: sql`select c.id as subject, 'loan ' || l.id || ' for a ' || c.status || ' checkout' as detail
      from checkouts c join loans l on l.checkout_id = c.id
      where c.status not in ('captured', 'partially_refunded', 'refunded')`,
  },
  {
    invariant: 'checkout_refunded_equals_refunds',
    query: sql`select c.id as subject, 'refunded ' || c.amount_refunded_fen || ' <> refunds ' || coalesce(sum(r.amount_fen), 0)
        as detail
      from checkouts c left join refunds r on r.checkout_id = c.id
      group by c.id having c.amount_refunded_fen <> coalesce(sum(r.amount_fen), 0)`,
  },
  {
    invariant: 'idempotency_key_one_effect',
    query: sql`select idempotency_ref as subject, count(*) || ' ledger transactions of kind ' || kind as detail
      from ledger_transactions where idempotency_ref is not null
      group by idempotency_ref, kind having count(*) > 1`,
  },
  {
    invariant: 'idempotency_effect_one_key',
    query: sql`select effect_type || ':' || effect_id as subject, count(*) || ' idempotency keys claim it' as detail
      from idempotency_records where effect_id is not null
      group by effect_type, effect_id having count(*) > 1`,
  },
  {
    invariant: 'idempotency_completed',
    query: sql`select scope || '|' || key as subject, 'left in progress' as detail
      from idempotency_records where state <> 'completed'`,
  },
];

export const INVARIANTS = CHECKS.map((c) => c.invariant);

export async function verifyInvariants(database: Database | { db: DbOrTx }): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const check of CHECKS) {
    const result = await database.db.execute(check.query);
    for (const row of rowsOf<{ subject: unknown; detail: unknown }>(result)) {
      violations.push({
        invariant: check.invariant,
        subject: String(row.subject),
        detail: String(row.detail),
      });
    }
  }
  return violations;
}
