/**
 * Scene-installment plans for a shopper: 3 / 6 / 9 / 12 equal installments at the scene rate
 * (the shopper's cash-loan rate minus the scene discount), each with its disclosure. All the
 * arithmetic is `@fenqi/shared`'s `quote`; this file only maps the person and the order in.
 */

import type { ScheduleRowInput } from '@fenqi/db';
import {
  businessDateOf,
  decToString,
  PRODUCTS,
  quote,
  rateToWire,
  SCORE_MIN,
  type Tier,
  toWireQuote,
} from '@fenqi/shared';
import type { schema } from '../db';
import { PLAN_INSTALLMENTS } from './schemas';

type UserRow = typeof schema.users.$inferSelect;

export interface PlanPricing {
  annualRate: string;
  dailyRate: string;
  monthlyRate: string;
  apr: string;
  feeRate: string;
  startDate: string;
  schedule: ScheduleRowInput[];
  wire: ReturnType<typeof toWireQuote>;
}

export type PlanResult = { ok: true; value: PlanPricing } | { ok: false; code: string; message: string };

export function planFor(args: {
  user: Pick<UserRow, 'tier' | 'creditScore'>;
  amountFen: bigint;
  installments: number;
  scene: string;
  now: Date;
  existingConsumerPrincipalFen: bigint;
}): PlanResult {
  const startDate = businessDateOf(args.now);
  const priced = quote({
    product: 'scene_installment',
    principalFen: args.amountFen,
    termMonths: args.installments,
    method: 'equal_installment',
    startDate,
    tier: args.user.tier as Tier,
    creditScore: args.user.creditScore ?? SCORE_MIN,
    sceneCategory: args.scene,
    existingConsumerPrincipalFen: args.existingConsumerPrincipalFen,
  });
  if (!priced.ok) return { ok: false, code: priced.code, message: priced.message };
  const { schedule, disclosure } = priced.value;
  return {
    ok: true,
    value: {
      annualRate: decToString(schedule.annualRate),
      dailyRate: rateToWire(disclosure.dailyRate),
      monthlyRate: rateToWire(disclosure.monthlyRate),
      apr: rateToWire(disclosure.apr),
      feeRate: '0',
      startDate,
      schedule: schedule.installments.map((i) => ({
        number: i.number,
        dueDate: i.dueDate,
        principalFen: i.principalFen,
        interestFen: i.interestFen,
        feeFen: i.feeFen,
      })),
      wire: toWireQuote(schedule, disclosure),
    },
  };
}

/** The shopper-facing plan list (one per offered installment count). */
export interface PlanView {
  installments: number;
  apr: string;
  monthly_rate: string;
  daily_rate: string;
  nominal_annual_rate: string;
  installment_amount: number;
  total_interest_amount: number;
  total_fee_amount: number;
  total_amount: number;
  currency: 'CNY';
  schedule: ReturnType<typeof toWireQuote>['installments'];
}

export function planViews(args: Omit<Parameters<typeof planFor>[0], 'installments'>): {
  plans: PlanView[];
  unavailable?: { code: string; message: string };
} {
  const plans: PlanView[] = [];
  let unavailable: { code: string; message: string } | undefined;
  for (const installments of PLAN_INSTALLMENTS) {
    if (!PRODUCTS.scene_installment.termMonths.includes(installments)) continue;
    const plan = planFor({ ...args, installments });
    if (!plan.ok) {
      unavailable ??= { code: plan.code, message: plan.message };
      continue;
    }
    const w = plan.value.wire;
    plans.push({
      installments,
      apr: w.apr,
      monthly_rate: w.monthly_rate,
      daily_rate: w.daily_rate,
      nominal_annual_rate: w.nominal_annual_rate,
      // equal installments: the first is the level amount (the last may differ by the rounding rest)
      installment_amount: w.installments[0]?.amount ?? 0,
      total_interest_amount: w.total_interest_amount,
      total_fee_amount: w.total_fee_amount,
      total_amount: w.total_amount,
      currency: 'CNY',
      schedule: w.installments,
    });
  }
  return unavailable && plans.length === 0 ? { plans, unavailable } : { plans };
}
