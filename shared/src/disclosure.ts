import { type CashFlow, computeApr } from './apr';
import type { BusinessDate } from './dates';
import { type Decimal, decDivInt } from './decimal';
import { CURRENCY, type Fen, fenToJson } from './money';
import { DAYS_PER_YEAR, MONTHS_PER_YEAR, rateToWire, WIRE_RATE_PLACES } from './rates';
import type { RepaymentMethod, Schedule } from './schedule';

/**
 * 三率并行: the all-in APR (IRR of the borrower's cash flows, annualised) and the monthly and
 * daily rates derived from it (apr / 12, apr / 365, half-up to 6 places), beside the nominal
 * interest rate and the totals. Monthly and daily are therefore all-in too: a fee-only plan
 * never shows 0 % per month.
 */
export interface Disclosure {
  readonly apr: Decimal;
  readonly monthlyRate: Decimal;
  readonly dailyRate: Decimal;
  /** Nominal annual interest rate the schedule was built with (excludes fees). */
  readonly nominalAnnualRate: Decimal;
  readonly principalFen: Fen;
  readonly totalInterestFen: Fen;
  readonly totalFeeFen: Fen;
  /** principal + interest + fees. */
  readonly totalRepaymentFen: Fen;
}

/** The borrower's payments as APR cash flows (installment k at period k, or one day-counted period). */
export function scheduleCashFlows(schedule: Schedule): CashFlow[] {
  return schedule.installments.map((i) => ({ period: i.number, amountFen: i.amountFen }));
}

/** Periods per year of the schedule's APR period: 12, or 365 / term days. */
export function schedulePeriodsPerYear(schedule: Schedule): { num: bigint; den: bigint } {
  return schedule.aprPeriod.unit === 'month'
    ? { num: MONTHS_PER_YEAR, den: 1n }
    : { num: DAYS_PER_YEAR, den: BigInt(schedule.aprPeriod.days) };
}

/** APR and the three rates for a schedule. */
export function discloseSchedule(schedule: Schedule): Disclosure {
  const apr = computeApr({
    principalFen: schedule.principalFen,
    payments: scheduleCashFlows(schedule),
    periodsPerYear: schedulePeriodsPerYear(schedule),
  });
  return {
    apr,
    monthlyRate: decDivInt(apr, MONTHS_PER_YEAR, WIRE_RATE_PLACES),
    dailyRate: decDivInt(apr, DAYS_PER_YEAR, WIRE_RATE_PLACES),
    nominalAnnualRate: schedule.annualRate,
    principalFen: schedule.principalFen,
    totalInterestFen: schedule.totalInterestFen,
    totalFeeFen: schedule.totalFeeFen,
    totalRepaymentFen: schedule.totalFen,
  };
}

export interface WireInstallment {
  number: number;
  due_date: BusinessDate;
  principal_amount: number;
  interest_amount: number;
  fee_amount: number;
  amount: number;
}

/** The API's quote/loan body (amounts integer fen, rates decimal strings per unit). */
export interface WireQuote {
  principal_amount: number;
  currency: typeof CURRENCY;
  method: RepaymentMethod;
  apr: string;
  monthly_rate: string;
  daily_rate: string;
  nominal_annual_rate: string;
  total_interest_amount: number;
  total_fee_amount: number;
  total_amount: number;
  installments: WireInstallment[];
}

/** Serialises a schedule and its disclosure into exactly the wire shape of POST /v1/quotes. */
export function toWireQuote(
  schedule: Schedule,
  disclosure: Disclosure = discloseSchedule(schedule),
): WireQuote {
  return {
    principal_amount: fenToJson(schedule.principalFen),
    currency: CURRENCY,
    method: schedule.method,
    apr: rateToWire(disclosure.apr),
    monthly_rate: rateToWire(disclosure.monthlyRate),
    daily_rate: rateToWire(disclosure.dailyRate),
    nominal_annual_rate: rateToWire(disclosure.nominalAnnualRate),
    total_interest_amount: fenToJson(disclosure.totalInterestFen),
    total_fee_amount: fenToJson(disclosure.totalFeeFen),
    total_amount: fenToJson(disclosure.totalRepaymentFen),
    installments: schedule.installments.map((i) => ({
      number: i.number,
      due_date: i.dueDate,
      principal_amount: fenToJson(i.principalFen),
      interest_amount: fenToJson(i.interestFen),
      fee_amount: fenToJson(i.feeFen),
      amount: fenToJson(i.amountFen),
    })),
  };
}

/** A checkout plan as the shopper sees it (GET /v1/checkouts/{token} `plans[]`). */
export interface WirePlan {
  installments: number;
  apr: string;
  monthly_rate: string;
  daily_rate: string;
  /** The regular installment (the first one; the last may differ by rounding). */
  installment_amount: number;
  total_interest_amount: number;
  total_fee_amount: number;
  total_amount: number;
}

export function toWirePlan(
  schedule: Schedule,
  disclosure: Disclosure = discloseSchedule(schedule),
): WirePlan {
  const first = schedule.installments[0];
  return {
    installments: schedule.installments.length,
    apr: rateToWire(disclosure.apr),
    monthly_rate: rateToWire(disclosure.monthlyRate),
    daily_rate: rateToWire(disclosure.dailyRate),
    installment_amount: fenToJson(first ? first.amountFen : 0n),
    total_interest_amount: fenToJson(disclosure.totalInterestFen),
    total_fee_amount: fenToJson(disclosure.totalFeeFen),
    total_amount: fenToJson(disclosure.totalRepaymentFen),
  };
}
