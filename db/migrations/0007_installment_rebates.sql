ALTER TABLE "installments" ADD COLUMN "rebated_interest_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "rebated_fee_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "installments" ADD CONSTRAINT "installments_rebated_interest_ck" CHECK ("installments"."rebated_interest_fen" between 0 and "installments"."paid_interest_fen");--> statement-breakpoint
ALTER TABLE "installments" ADD CONSTRAINT "installments_rebated_fee_ck" CHECK ("installments"."rebated_fee_fen" between 0 and "installments"."paid_fee_fen");