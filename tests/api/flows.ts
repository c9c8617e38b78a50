/** Borrower flows shared by the API tests and the benchmark. */

import { randomUUID } from 'node:crypto';
import { QUIZ_QUESTIONS } from '@fenqi/shared';
import type { client } from './harness';

export type Api = ReturnType<typeof client>;

export const ALL_CONSENTS = ['privacy_policy', 'credit_assessment', 'identity_verification', 'payment_flow'];

export function correctAnswers() {
  return QUIZ_QUESTIONS.map((q) => ({ question_id: q.id, option_id: q.correctOptionId }));
}

export async function login(api: Api, name: string): Promise<string> {
  const r = await api.post('/v1/auth/session', { code: `dev:${name}` });
  if (r.status !== 201) throw new Error(`login ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token as string;
}

/** Logs in, applies for a line with `incomeFen`, passes the quiz. */
export async function onboard(
  api: Api,
  name: string,
  incomeFen = 2_000_000,
): Promise<{ token: string; userId: string }> {
  const token = await login(api, name);
  const app = await api.post(
    '/v1/credit/applications',
    { monthly_income: incomeFen, consents: ALL_CONSENTS },
    { token },
  );
  if (app.status !== 200 || app.body.status !== 'approved')
    throw new Error(`apply ${name}: ${app.status} ${JSON.stringify(app.body)}`);
  const quiz = await api.post('/v1/education/quiz', { answers: correctAnswers() }, { token });
  if (quiz.status !== 200 || !quiz.body.passed)
    throw new Error(`quiz ${name}: ${quiz.status} ${JSON.stringify(quiz.body)}`);
  const me = await api.get('/v1/me', { token });
  return { token, userId: me.body.id as string };
}

export const key = () => randomUUID();

export async function borrow(api: Api, token: string, body: Record<string, unknown>) {
  const r = await api.post('/v1/loans', body, { token, idempotencyKey: key() });
  if (r.status !== 201) throw new Error(`borrow: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function setClock(api: Api, now: Date) {
  const r = await api.post('/v1/test/clock', { now: now.toISOString() });
  if (r.status !== 200) throw new Error(`clock: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** 12:00 Asia/Shanghai on a business date. */
export function noonOn(date: string): Date {
  return new Date(`${date}T04:00:00Z`);
}
