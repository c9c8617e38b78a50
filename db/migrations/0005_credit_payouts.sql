CREATE TABLE "credit_payouts" (
	"id" text PRIMARY KEY NOT NULL,
	"loan_id" text NOT NULL,
	"user_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"ledger_transaction_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_payouts_amount_ck" CHECK ("credit_payouts"."amount_fen" > 0)
);
--> statement-breakpoint
ALTER TABLE "credit_payouts" ADD CONSTRAINT "credit_payouts_loan_id_loans_id_fk" FOREIGN KEY ("loan_id") REFERENCES "public"."loans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_payouts" ADD CONSTRAINT "credit_payouts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "credit_payouts_loan_idx" ON "credit_payouts" USING btree ("loan_id","created_at");--> statement-breakpoint
-- Append-only, like repayments (see 0003).
CREATE TRIGGER credit_payouts_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON credit_payouts
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
