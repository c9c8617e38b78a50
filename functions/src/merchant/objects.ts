/**
 * API objects of the merchant area (snake_case, amounts as integer fen numbers). The same
 * objects go into webhook events, so they must be plain JSON (no bigint).
 */
import type { schema } from '../db';

type CheckoutRow = typeof schema.checkouts.$inferSelect;
type RefundRow = typeof schema.refunds.$inferSelect;
type OutboxRow = typeof schema.outboxEvents.$inferSelect;

/** Every amount the API shows fits a safe integer (AMOUNT_MAX_FEN); this asserts it. */
export function fenNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error('fenNumber: amount outside the safe integer range');
  }
  return Number(value);
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export interface CheckoutObject {
  id: string;
  object: 'checkout';
  token: string;
  out_trade_no: string;
  amount: number;
  currency: string;
  scene: string;
  description: string;
  notify_url: string;
  return_path: string | null;
  capture_method: 'automatic' | 'manual';
  status: CheckoutRow['status'];
  installments: number | null;
  authorized_amount: number;
  captured_amount: number;
  refunded_amount: number;
  livemode: boolean;
  expires_at: string;
  authorized_at: string | null;
  captured_at: string | null;
  canceled_at: string | null;
  expired_at: string | null;
  created_at: string;
}

export function checkoutObject(row: CheckoutRow): CheckoutObject {
  return {
    id: row.id,
    object: 'checkout',
    token: row.token,
    out_trade_no: row.outTradeNo,
    amount: fenNumber(row.amountFen),
    currency: row.currency,
    scene: row.scene,
    description: row.description,
    notify_url: row.notifyUrl,
    return_path: row.returnPath,
    capture_method: row.captureMethod,
    status: row.status,
    installments: row.installments,
    authorized_amount: fenNumber(row.amountAuthorizedFen),
    captured_amount: fenNumber(row.amountCapturedFen),
    refunded_amount: fenNumber(row.amountRefundedFen),
    livemode: row.mode === 'live',
    expires_at: row.expiresAt.toISOString(),
    authorized_at: iso(row.authorizedAt),
    captured_at: iso(row.capturedAt),
    canceled_at: iso(row.canceledAt),
    expired_at: iso(row.expiredAt),
    created_at: row.createdAt.toISOString(),
  };
}

export interface RefundObject {
  id: string;
  object: 'refund';
  checkout_id: string;
  out_refund_no: string;
  amount: number;
  currency: string;
  status: RefundRow['status'];
  created_at: string;
}

export function refundObject(row: RefundRow): RefundObject {
  return {
    id: row.id,
    object: 'refund',
    checkout_id: row.checkoutId,
    out_refund_no: row.outRefundNo,
    amount: fenNumber(row.amountFen),
    currency: row.currency,
    status: row.status,
    created_at: row.createdAt.toISOString(),
  };
}

export interface EventObject {
  id: string;
  object: 'event';
  type: string;
  created: number;
  livemode: boolean;
  data: { object: Record<string, unknown> };
  delivery: {
    status: OutboxRow['status'];
    attempts: number;
    delivered_at: string | null;
    next_attempt_at: string | null;
  };
}

export function eventObject(row: OutboxRow): EventObject {
  return {
    id: row.id,
    object: 'event',
    type: row.type,
    created: Math.floor(row.createdAt.getTime() / 1000),
    livemode: row.mode === 'live',
    data: { object: row.payload },
    delivery: {
      status: row.status,
      attempts: row.attempts,
      delivered_at: iso(row.deliveredAt),
      next_attempt_at: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    },
  };
}
