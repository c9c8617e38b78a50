-- Ledger guards (hand-written; drizzle-kit generate --custom).
-- 1. Every ledger transaction sums to zero per currency, checked at COMMIT by a deferred
--    constraint trigger, so no code path can commit an unbalanced transaction.
-- 2. Money-movement records are append-only: UPDATE / DELETE / TRUNCATE are refused.
CREATE OR REPLACE FUNCTION fenqi_ledger_check_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  unbalanced record;
BEGIN
  SELECT p.currency, sum(p.amount_fen) AS total
    INTO unbalanced
    FROM ledger_postings p
   WHERE p.transaction_id = NEW.transaction_id
   GROUP BY p.currency
  HAVING sum(p.amount_fen) <> 0
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger transaction % is unbalanced: % % off', NEW.transaction_id, unbalanced.total, unbalanced.currency
      USING ERRCODE = '23514', CONSTRAINT = 'ledger_postings_balanced';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = NEW.account_id AND a.currency = NEW.currency) THEN
    RAISE EXCEPTION 'ledger posting currency % does not match account %', NEW.currency, NEW.account_id
      USING ERRCODE = '23514', CONSTRAINT = 'ledger_postings_currency';
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER ledger_postings_balanced
  AFTER INSERT ON ledger_postings
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION fenqi_ledger_check_balanced();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fenqi_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = '42501';
END
$$;
--> statement-breakpoint
CREATE TRIGGER ledger_postings_append_only BEFORE UPDATE OR DELETE ON ledger_postings
  FOR EACH ROW EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_postings_no_truncate BEFORE TRUNCATE ON ledger_postings
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
  FOR EACH ROW EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
CREATE TRIGGER ledger_transactions_no_truncate BEFORE TRUNCATE ON ledger_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
CREATE TRIGGER repayments_append_only BEFORE UPDATE OR DELETE ON repayments
  FOR EACH ROW EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
CREATE TRIGGER repayment_allocations_append_only BEFORE UPDATE OR DELETE ON repayment_allocations
  FOR EACH ROW EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
CREATE TRIGGER refunds_append_only BEFORE UPDATE OR DELETE ON refunds
  FOR EACH ROW EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
CREATE TRIGGER contracts_append_only BEFORE UPDATE OR DELETE ON contracts
  FOR EACH ROW EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
-- The audit log is kept 180 days: only older rows may be deleted.
CREATE OR REPLACE FUNCTION fenqi_audit_log_retention() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.created_at > now() - interval '180 days' THEN
    RAISE EXCEPTION 'audit_log rows are kept 180 days (seq %)', OLD.seq USING ERRCODE = '42501';
  END IF;
  RETURN OLD;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_retention BEFORE DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION fenqi_audit_log_retention();
