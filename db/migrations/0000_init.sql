CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"mode" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"actor_type" text NOT NULL,
	"actor_id" text NOT NULL,
	"action" text NOT NULL,
	"subject_type" text,
	"subject_id" text,
	"request_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "authorizations" (
	"user_id" text NOT NULL,
	"key" text NOT NULL,
	"granted" boolean NOT NULL,
	"essential" boolean DEFAULT false NOT NULL,
	"granted_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "authorizations_user_id_key_pk" PRIMARY KEY("user_id","key")
);
--> statement-breakpoint
CREATE TABLE "batch_runs" (
	"business_date" date PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	"summary" jsonb
);
--> statement-breakpoint
CREATE TABLE "checkouts" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"mode" text NOT NULL,
	"out_trade_no" text NOT NULL,
	"token" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"currency" text DEFAULT 'CNY' NOT NULL,
	"scene" text NOT NULL,
	"description" text NOT NULL,
	"notify_url" text NOT NULL,
	"return_path" text,
	"capture_method" text DEFAULT 'automatic' NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"request_hash" text NOT NULL,
	"user_id" text,
	"installments" integer,
	"loan_id" text,
	"amount_authorized_fen" bigint DEFAULT 0 NOT NULL,
	"amount_captured_fen" bigint DEFAULT 0 NOT NULL,
	"amount_refunded_fen" bigint DEFAULT 0 NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"authorized_at" timestamp with time zone,
	"captured_at" timestamp with time zone,
	"canceled_at" timestamp with time zone,
	"expired_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "checkouts_merchant_out_trade_no_uq" UNIQUE("merchant_id","out_trade_no"),
	CONSTRAINT "checkouts_amount_ck" CHECK ("checkouts"."amount_fen" > 0),
	CONSTRAINT "checkouts_captured_ck" CHECK ("checkouts"."amount_captured_fen" between 0 and "checkouts"."amount_fen"),
	CONSTRAINT "checkouts_refunded_ck" CHECK ("checkouts"."amount_refunded_fen" between 0 and "checkouts"."amount_captured_fen")
);
--> statement-breakpoint
CREATE TABLE "collection_contacts" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"loan_id" text,
	"installment_id" text,
	"channel" text NOT NULL,
	"kind" text NOT NULL,
	"contact_date" date NOT NULL,
	"scheduled_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone,
	"outcome" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "consents" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"key" text NOT NULL,
	"granted" boolean NOT NULL,
	"context" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contracts" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"loan_id" text NOT NULL,
	"user_id" text NOT NULL,
	"document_hash" text NOT NULL,
	"document" jsonb NOT NULL,
	"signature" text,
	"prev_hash" text NOT NULL,
	"chain_hash" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credit_holds" (
	"id" text PRIMARY KEY NOT NULL,
	"credit_line_id" text NOT NULL,
	"checkout_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"status" text DEFAULT 'held' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "credit_holds_amount_ck" CHECK ("credit_holds"."amount_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "credit_lines" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"currency" text DEFAULT 'CNY' NOT NULL,
	"base_limit_fen" bigint DEFAULT 0 NOT NULL,
	"temporary_limit_fen" bigint DEFAULT 0 NOT NULL,
	"temporary_expires_at" timestamp with time zone,
	"temporary_renewals" integer DEFAULT 0 NOT NULL,
	"used_fen" bigint DEFAULT 0 NOT NULL,
	"held_fen" bigint DEFAULT 0 NOT NULL,
	"restoring_fen" bigint DEFAULT 0 NOT NULL,
	"frozen" boolean DEFAULT false NOT NULL,
	"frozen_reason" text,
	"credit_score" integer,
	"evaluation" jsonb,
	"evaluated_at" timestamp with time zone,
	"next_review_on" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_lines_base_ck" CHECK ("credit_lines"."base_limit_fen" >= 0),
	CONSTRAINT "credit_lines_temporary_ck" CHECK ("credit_lines"."temporary_limit_fen" >= 0),
	CONSTRAINT "credit_lines_used_ck" CHECK ("credit_lines"."used_fen" >= 0),
	CONSTRAINT "credit_lines_held_ck" CHECK ("credit_lines"."held_fen" >= 0),
	CONSTRAINT "credit_lines_restoring_ck" CHECK ("credit_lines"."restoring_fen" >= 0)
);
--> statement-breakpoint
CREATE TABLE "education_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"answers" jsonb NOT NULL,
	"score" integer NOT NULL,
	"passed" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "grace_usages" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"loan_id" text NOT NULL,
	"installment_id" text NOT NULL,
	"year" integer NOT NULL,
	"days" integer NOT NULL,
	"grace_until" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "grace_usages_days_ck" CHECK ("grace_usages"."days" between 1 and 3)
);
--> statement-breakpoint
CREATE TABLE "idempotency_records" (
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"state" text DEFAULT 'in_progress' NOT NULL,
	"response_status" integer,
	"response_body" jsonb,
	"effect_type" text,
	"effect_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_records_pk" PRIMARY KEY("scope","key")
);
--> statement-breakpoint
CREATE TABLE "identity_vault" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"key_id" text NOT NULL,
	"pii_ciphertext" text NOT NULL,
	"virtual_id_number" text NOT NULL,
	"virtual_bank_card_number" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rotated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "installments" (
	"id" text PRIMARY KEY NOT NULL,
	"loan_id" text NOT NULL,
	"number" integer NOT NULL,
	"due_date" date NOT NULL,
	"principal_fen" bigint NOT NULL,
	"interest_fen" bigint NOT NULL,
	"fee_fen" bigint DEFAULT 0 NOT NULL,
	"penalty_fen" bigint DEFAULT 0 NOT NULL,
	"paid_principal_fen" bigint DEFAULT 0 NOT NULL,
	"paid_interest_fen" bigint DEFAULT 0 NOT NULL,
	"paid_fee_fen" bigint DEFAULT 0 NOT NULL,
	"paid_penalty_fen" bigint DEFAULT 0 NOT NULL,
	"waived_interest_fen" bigint DEFAULT 0 NOT NULL,
	"waived_fee_fen" bigint DEFAULT 0 NOT NULL,
	"grace_until" date,
	"status" text DEFAULT 'pending' NOT NULL,
	"reminders_sent" integer DEFAULT 0 NOT NULL,
	"paid_at" timestamp with time zone,
	"penalty_accrued_through" date,
	CONSTRAINT "installments_loan_number_uq" UNIQUE("loan_id","number"),
	CONSTRAINT "installments_principal_ck" CHECK ("installments"."principal_fen" >= 0),
	CONSTRAINT "installments_interest_ck" CHECK ("installments"."interest_fen" >= 0),
	CONSTRAINT "installments_paid_principal_ck" CHECK ("installments"."paid_principal_fen" between 0 and "installments"."principal_fen"),
	CONSTRAINT "installments_paid_interest_ck" CHECK ("installments"."paid_interest_fen" >= 0 and "installments"."paid_interest_fen" + "installments"."waived_interest_fen" <= "installments"."interest_fen"),
	CONSTRAINT "installments_paid_fee_ck" CHECK ("installments"."paid_fee_fen" >= 0 and "installments"."paid_fee_fen" + "installments"."waived_fee_fen" <= "installments"."fee_fen"),
	CONSTRAINT "installments_paid_penalty_ck" CHECK ("installments"."paid_penalty_fen" between 0 and "installments"."penalty_fen")
);
--> statement-breakpoint
CREATE TABLE "ledger_accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"owner_id" text NOT NULL,
	"currency" text DEFAULT 'CNY' NOT NULL,
	"normal_balance" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_accounts_code_owner_uq" UNIQUE("code","owner_id","currency")
);
--> statement-breakpoint
CREATE TABLE "ledger_postings" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ledger_postings_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"transaction_id" text NOT NULL,
	"account_id" text NOT NULL,
	"currency" text DEFAULT 'CNY' NOT NULL,
	"amount_fen" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ledger_postings_nonzero_ck" CHECK ("ledger_postings"."amount_fen" <> 0)
);
--> statement-breakpoint
CREATE TABLE "ledger_transactions" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"external_id" text NOT NULL,
	"ref_type" text,
	"ref_id" text,
	"description" text,
	"effective_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "loans" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"credit_line_id" text NOT NULL,
	"product" text NOT NULL,
	"method" text NOT NULL,
	"currency" text DEFAULT 'CNY' NOT NULL,
	"principal_fen" bigint NOT NULL,
	"term_months" integer,
	"term_days" integer,
	"installments_count" integer NOT NULL,
	"annual_rate" numeric(20, 10) NOT NULL,
	"daily_rate" numeric(20, 10) NOT NULL,
	"monthly_rate" numeric(20, 10) NOT NULL,
	"apr" numeric(20, 10) NOT NULL,
	"fee_rate" numeric(20, 10) DEFAULT '0' NOT NULL,
	"penalty_daily_rate" numeric(20, 10) DEFAULT '0.0005' NOT NULL,
	"total_interest_fen" bigint DEFAULT 0 NOT NULL,
	"total_fee_fen" bigint DEFAULT 0 NOT NULL,
	"status" text NOT NULL,
	"cooling_off_until" timestamp with time zone,
	"disbursed_at" timestamp with time zone,
	"canceled_at" timestamp with time zone,
	"paid_off_at" timestamp with time zone,
	"credit_balance_fen" bigint DEFAULT 0 NOT NULL,
	"disbursement_target" jsonb,
	"checkout_id" text,
	"merchant_id" text,
	"quote_id" text,
	"start_date" date NOT NULL,
	"accrued_through" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "loans_principal_ck" CHECK ("loans"."principal_fen" > 0),
	CONSTRAINT "loans_credit_balance_ck" CHECK ("loans"."credit_balance_fen" >= 0),
	CONSTRAINT "loans_status_ck" CHECK ("loans"."status" in ('cooling_off', 'active', 'overdue', 'paid_off', 'canceled'))
);
--> statement-breakpoint
CREATE TABLE "login_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"subject" text NOT NULL,
	"kind" text NOT NULL,
	"success" boolean NOT NULL,
	"device_id" text,
	"ip_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "merchants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"scene" text NOT NULL,
	"subsidy_rate" numeric(20, 10),
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"merchant_id" text,
	"user_id" text,
	"mode" text,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pending_limit_restorations" (
	"id" text PRIMARY KEY NOT NULL,
	"credit_line_id" text NOT NULL,
	"loan_id" text NOT NULL,
	"repayment_id" text,
	"amount_fen" bigint NOT NULL,
	"available_on" date NOT NULL,
	"restored_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pending_limit_restorations_amount_ck" CHECK ("pending_limit_restorations"."amount_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "quotes" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"product" text NOT NULL,
	"method" text NOT NULL,
	"principal_fen" bigint NOT NULL,
	"term_months" integer,
	"term_days" integer,
	"annual_rate" numeric(20, 10) NOT NULL,
	"daily_rate" numeric(20, 10) NOT NULL,
	"monthly_rate" numeric(20, 10) NOT NULL,
	"apr" numeric(20, 10) NOT NULL,
	"fee_rate" numeric(20, 10) DEFAULT '0' NOT NULL,
	"body" jsonb NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "refunds" (
	"id" text PRIMARY KEY NOT NULL,
	"checkout_id" text NOT NULL,
	"merchant_id" text NOT NULL,
	"loan_id" text,
	"out_refund_no" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"currency" text DEFAULT 'CNY' NOT NULL,
	"status" text NOT NULL,
	"request_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refunds_checkout_out_refund_no_uq" UNIQUE("checkout_id","out_refund_no"),
	CONSTRAINT "refunds_amount_ck" CHECK ("refunds"."amount_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "repayment_allocations" (
	"id" text PRIMARY KEY NOT NULL,
	"repayment_id" text NOT NULL,
	"loan_id" text NOT NULL,
	"installment_id" text NOT NULL,
	"principal_fen" bigint DEFAULT 0 NOT NULL,
	"interest_fen" bigint DEFAULT 0 NOT NULL,
	"fee_fen" bigint DEFAULT 0 NOT NULL,
	"penalty_fen" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "repayment_allocations_uq" UNIQUE("repayment_id","installment_id"),
	CONSTRAINT "repayment_allocations_nonneg_ck" CHECK ("repayment_allocations"."principal_fen" >= 0 and "repayment_allocations"."interest_fen" >= 0 and "repayment_allocations"."fee_fen" >= 0 and "repayment_allocations"."penalty_fen" >= 0)
);
--> statement-breakpoint
CREATE TABLE "repayments" (
	"id" text PRIMARY KEY NOT NULL,
	"loan_id" text NOT NULL,
	"user_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"to_credit_balance_fen" bigint DEFAULT 0 NOT NULL,
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"refund_id" text,
	"ledger_transaction_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "repayments_amount_ck" CHECK ("repayments"."amount_fen" > 0)
);
--> statement-breakpoint
CREATE TABLE "risk_events" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text,
	"kind" text NOT NULL,
	"severity" text NOT NULL,
	"action" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"decision_ms" integer,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_clock" (
	"id" integer PRIMARY KEY NOT NULL,
	"offset_ms" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_clock_single_row_ck" CHECK ("service_clock"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "step_up_challenges" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"reason" text NOT NULL,
	"factors_required" integer DEFAULT 2 NOT NULL,
	"factors_passed" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "temporary_increases" (
	"id" text PRIMARY KEY NOT NULL,
	"credit_line_id" text NOT NULL,
	"user_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"event" text,
	"proof_type" text NOT NULL,
	"proof_reference" text NOT NULL,
	"status" text NOT NULL,
	"decision_code" text,
	"starts_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"renewal_of" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "temporary_increases_amount_ck" CHECK ("temporary_increases"."amount_fen" >= 0)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"openid_hash" text NOT NULL,
	"nickname" text,
	"tier" text DEFAULT 'new' NOT NULL,
	"credit_score" integer,
	"declared_monthly_income_fen" bigint,
	"monthly_debt_payments_fen" bigint DEFAULT 0 NOT NULL,
	"other_lenders_count" integer DEFAULT 0 NOT NULL,
	"overdue_history_count" integer DEFAULT 0 NOT NULL,
	"on_time_repayments_count" integer DEFAULT 0 NOT NULL,
	"health_score" integer,
	"education_passed_at" timestamp with time zone,
	"payment_password_hash" text,
	"failed_password_count" integer DEFAULT 0 NOT NULL,
	"mfa_required" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "vault_access_approvals" (
	"id" text PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"level" integer NOT NULL,
	"approver" text NOT NULL,
	"decision" text NOT NULL,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vault_access_approvals_level_uq" UNIQUE("request_id","level"),
	CONSTRAINT "vault_access_approvals_approver_uq" UNIQUE("request_id","approver"),
	CONSTRAINT "vault_access_approvals_level_ck" CHECK ("vault_access_approvals"."level" between 1 and 4)
);
--> statement-breakpoint
CREATE TABLE "vault_access_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"requested_by" text NOT NULL,
	"purpose" text NOT NULL,
	"fields" jsonb NOT NULL,
	"levels_required" integer DEFAULT 4 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_delivery_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"endpoint_id" text,
	"attempt_no" integer NOT NULL,
	"status_code" integer,
	"error" text,
	"duration_ms" integer,
	"attempted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" text PRIMARY KEY NOT NULL,
	"merchant_id" text NOT NULL,
	"mode" text NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "authorizations" ADD CONSTRAINT "authorizations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "checkouts" ADD CONSTRAINT "checkouts_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "checkouts" ADD CONSTRAINT "checkouts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collection_contacts" ADD CONSTRAINT "collection_contacts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collection_contacts" ADD CONSTRAINT "collection_contacts_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "collection_contacts" ADD CONSTRAINT "collection_contacts_installment_id_installments_id_fk" FOREIGN KEY ("installment_id") REFERENCES "public"."installments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_holds" ADD CONSTRAINT "credit_holds_credit_line_id_credit_lines_id_fk" FOREIGN KEY ("credit_line_id") REFERENCES "public"."credit_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_lines" ADD CONSTRAINT "credit_lines_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "education_attempts" ADD CONSTRAINT "education_attempts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grace_usages" ADD CONSTRAINT "grace_usages_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grace_usages" ADD CONSTRAINT "grace_usages_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grace_usages" ADD CONSTRAINT "grace_usages_installment_id_installments_id_fk" FOREIGN KEY ("installment_id") REFERENCES "public"."installments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_vault" ADD CONSTRAINT "identity_vault_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "installments" ADD CONSTRAINT "installments_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_transaction_id_ledger_transactions_id_fk" FOREIGN KEY ("transaction_id") REFERENCES "public"."ledger_transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_account_id_ledger_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."ledger_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "loans" ADD CONSTRAINT "loans_credit_line_id_credit_lines_id_fk" FOREIGN KEY ("credit_line_id") REFERENCES "public"."credit_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox_events" ADD CONSTRAINT "outbox_events_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pending_limit_restorations" ADD CONSTRAINT "pending_limit_restorations_credit_line_id_credit_lines_id_fk" FOREIGN KEY ("credit_line_id") REFERENCES "public"."credit_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quotes" ADD CONSTRAINT "quotes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_checkout_id_checkouts_id_fk" FOREIGN KEY ("checkout_id") REFERENCES "public"."checkouts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repayment_allocations" ADD CONSTRAINT "repayment_allocations_repayment_id_repayments_id_fk" FOREIGN KEY ("repayment_id") REFERENCES "public"."repayments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repayment_allocations" ADD CONSTRAINT "repayment_allocations_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repayment_allocations" ADD CONSTRAINT "repayment_allocations_installment_id_installments_id_fk" FOREIGN KEY ("installment_id") REFERENCES "public"."installments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repayments" ADD CONSTRAINT "repayments_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repayments" ADD CONSTRAINT "repayments_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_events" ADD CONSTRAINT "risk_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_up_challenges" ADD CONSTRAINT "step_up_challenges_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "temporary_increases" ADD CONSTRAINT "temporary_increases_credit_line_id_credit_lines_id_fk" FOREIGN KEY ("credit_line_id") REFERENCES "public"."credit_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "temporary_increases" ADD CONSTRAINT "temporary_increases_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vault_access_approvals" ADD CONSTRAINT "vault_access_approvals_request_id_vault_access_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."vault_access_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "vault_access_requests" ADD CONSTRAINT "vault_access_requests_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_delivery_attempts" ADD CONSTRAINT "webhook_delivery_attempts_event_id_outbox_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."outbox_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_delivery_attempts" ADD CONSTRAINT "webhook_delivery_attempts_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_merchant_id_merchants_id_fk" FOREIGN KEY ("merchant_id") REFERENCES "public"."merchants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_hash_uq" ON "api_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "api_keys_merchant_idx" ON "api_keys" USING btree ("merchant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_prev_hash_uq" ON "audit_log" USING btree ("prev_hash");--> statement-breakpoint
CREATE INDEX "audit_log_subject_idx" ON "audit_log" USING btree ("subject_type","subject_id");--> statement-breakpoint
CREATE INDEX "audit_log_created_idx" ON "audit_log" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "checkouts_token_uq" ON "checkouts" USING btree ("token");--> statement-breakpoint
CREATE INDEX "checkouts_status_expiry_idx" ON "checkouts" USING btree ("status","expires_at");--> statement-breakpoint
CREATE INDEX "collection_contacts_user_day_idx" ON "collection_contacts" USING btree ("user_id","contact_date","channel");--> statement-breakpoint
CREATE INDEX "collection_contacts_installment_idx" ON "collection_contacts" USING btree ("installment_id");--> statement-breakpoint
CREATE INDEX "consents_user_idx" ON "consents" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "contracts_seq_uq" ON "contracts" USING btree ("seq");--> statement-breakpoint
CREATE UNIQUE INDEX "contracts_loan_uq" ON "contracts" USING btree ("loan_id");--> statement-breakpoint
CREATE UNIQUE INDEX "contracts_prev_hash_uq" ON "contracts" USING btree ("prev_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_holds_checkout_uq" ON "credit_holds" USING btree ("checkout_id");--> statement-breakpoint
CREATE INDEX "credit_holds_line_idx" ON "credit_holds" USING btree ("credit_line_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "credit_lines_user_uq" ON "credit_lines" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "education_attempts_user_idx" ON "education_attempts" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "grace_usages_installment_uq" ON "grace_usages" USING btree ("installment_id");--> statement-breakpoint
CREATE INDEX "grace_usages_user_year_idx" ON "grace_usages" USING btree ("user_id","year");--> statement-breakpoint
CREATE INDEX "idempotency_records_expiry_idx" ON "idempotency_records" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "identity_vault_user_uq" ON "identity_vault" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "identity_vault_virtual_id_uq" ON "identity_vault" USING btree ("virtual_id_number");--> statement-breakpoint
CREATE UNIQUE INDEX "identity_vault_virtual_card_uq" ON "identity_vault" USING btree ("virtual_bank_card_number");--> statement-breakpoint
CREATE INDEX "installments_due_idx" ON "installments" USING btree ("due_date","status");--> statement-breakpoint
CREATE INDEX "ledger_postings_transaction_idx" ON "ledger_postings" USING btree ("transaction_id");--> statement-breakpoint
CREATE INDEX "ledger_postings_account_idx" ON "ledger_postings" USING btree ("account_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_transactions_external_uq" ON "ledger_transactions" USING btree ("external_id");--> statement-breakpoint
CREATE INDEX "ledger_transactions_ref_idx" ON "ledger_transactions" USING btree ("ref_type","ref_id");--> statement-breakpoint
CREATE INDEX "loans_user_idx" ON "loans" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "loans_line_idx" ON "loans" USING btree ("credit_line_id");--> statement-breakpoint
CREATE UNIQUE INDEX "loans_checkout_uq" ON "loans" USING btree ("checkout_id");--> statement-breakpoint
CREATE INDEX "loans_status_idx" ON "loans" USING btree ("status");--> statement-breakpoint
CREATE INDEX "login_attempts_subject_idx" ON "login_attempts" USING btree ("subject","created_at");--> statement-breakpoint
CREATE INDEX "outbox_events_due_idx" ON "outbox_events" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "outbox_events_merchant_idx" ON "outbox_events" USING btree ("merchant_id","created_at");--> statement-breakpoint
CREATE INDEX "pending_limit_restorations_due_idx" ON "pending_limit_restorations" USING btree ("available_on","restored_at");--> statement-breakpoint
CREATE INDEX "pending_limit_restorations_line_idx" ON "pending_limit_restorations" USING btree ("credit_line_id");--> statement-breakpoint
CREATE INDEX "quotes_user_idx" ON "quotes" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "refunds_merchant_idx" ON "refunds" USING btree ("merchant_id","created_at");--> statement-breakpoint
CREATE INDEX "repayment_allocations_loan_idx" ON "repayment_allocations" USING btree ("loan_id");--> statement-breakpoint
CREATE INDEX "repayments_loan_idx" ON "repayments" USING btree ("loan_id","created_at");--> statement-breakpoint
CREATE INDEX "risk_events_user_idx" ON "risk_events" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "step_up_challenges_user_idx" ON "step_up_challenges" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "temporary_increases_line_idx" ON "temporary_increases" USING btree ("credit_line_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_openid_hash_uq" ON "users" USING btree ("openid_hash");--> statement-breakpoint
CREATE INDEX "vault_access_requests_user_idx" ON "vault_access_requests" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "webhook_delivery_attempts_event_idx" ON "webhook_delivery_attempts" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "webhook_endpoints_merchant_idx" ON "webhook_endpoints" USING btree ("merchant_id");