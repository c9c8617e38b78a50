-- Append-only guards as statement triggers: they fire even when no row matches, and on
-- TRUNCATE, so any attempt to change money-movement history fails loudly.
DROP TRIGGER IF EXISTS ledger_postings_append_only ON ledger_postings;
--> statement-breakpoint
DROP TRIGGER IF EXISTS ledger_postings_no_truncate ON ledger_postings;
--> statement-breakpoint
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_postings
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS ledger_transactions_append_only ON ledger_transactions;
--> statement-breakpoint
DROP TRIGGER IF EXISTS ledger_transactions_no_truncate ON ledger_transactions;
--> statement-breakpoint
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS repayments_append_only ON repayments;
--> statement-breakpoint
DROP TRIGGER IF EXISTS repayments_no_truncate ON repayments;
--> statement-breakpoint
CREATE TRIGGER repayments_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON repayments
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS repayment_allocations_append_only ON repayment_allocations;
--> statement-breakpoint
DROP TRIGGER IF EXISTS repayment_allocations_no_truncate ON repayment_allocations;
--> statement-breakpoint
CREATE TRIGGER repayment_allocations_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON repayment_allocations
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS refunds_append_only ON refunds;
--> statement-breakpoint
DROP TRIGGER IF EXISTS refunds_no_truncate ON refunds;
--> statement-breakpoint
CREATE TRIGGER refunds_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON refunds
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS contracts_append_only ON contracts;
--> statement-breakpoint
DROP TRIGGER IF EXISTS contracts_no_truncate ON contracts;
--> statement-breakpoint
CREATE TRIGGER contracts_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON contracts
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
