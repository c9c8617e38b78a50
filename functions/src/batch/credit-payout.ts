/**
 * Daily sweep (simulator bug 2): a closed loan (paid off or canceled) still holding a credit
 * balance pays it back to the borrower's card. Repayments and refunds already pay out at
 * once; this catches balances left by older code or a late path. Idempotent: a paid-out loan
 * has no balance left, so a rerun of the date finds nothing.
 */
import { loansWithCreditToPayOut, payOutCreditBalance } from '@fenqi/db';
import { registerDailyStep } from './daily';

/** Loans paid out per run (the rest the next day). */
export const CREDIT_PAYOUT_BATCH_MAX = 500;

registerDailyStep({
  name: 'credit_balance_payout',
  async run({ tx, asOf }) {
    const loanIds = await loansWithCreditToPayOut(tx, CREDIT_PAYOUT_BATCH_MAX);
    let paidOut = 0;
    let paidOutFen = 0n;
    for (const loanId of loanIds) {
      const result = await payOutCreditBalance(tx, { loanId, now: asOf });
      if (result.ok && result.value.payout) {
        paidOut += 1;
        paidOutFen += result.value.payout.amountFen;
      }
    }
    return { credit_payouts: paidOut, credit_paid_out_fen: Number(paidOutFen) };
  },
});
