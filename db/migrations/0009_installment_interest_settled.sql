ALTER TABLE "installments" ADD COLUMN "interest_settled_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "installments" ADD COLUMN "interest_settled_on" date;--> statement-breakpoint
ALTER TABLE "installments" ADD CONSTRAINT "installments_interest_settled_ck" CHECK ("installments"."interest_settled_fen" between 0 and "installments"."interest_fen");