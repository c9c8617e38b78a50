ALTER TABLE "contracts" ALTER COLUMN "seq" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "contracts" ALTER COLUMN "prev_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "contracts" ALTER COLUMN "chain_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "contracts" ADD COLUMN "sealed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "contracts_pending_idx" ON "contracts" USING btree ("created_at","id") WHERE "contracts"."seq" is null;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_sealed_whole_ck" CHECK (("contracts"."seq" is null) = ("contracts"."prev_hash" is null) and ("contracts"."seq" is null) = ("contracts"."chain_hash" is null));--> statement-breakpoint
-- Contracts are signed in the borrower's transaction and chained after commit by the sealer
-- (seq, prev_hash, chain_hash, sealed_at set once, from NULL). The table stays append-only
-- otherwise: DELETE / TRUNCATE are refused as before, and the only UPDATE allowed is that one
-- sealing step on a pending row — no signed column may change, a sealed row never changes.
CREATE OR REPLACE FUNCTION fenqi_contracts_seal_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.sealed_at IS NULL
     OR (NEW.id, NEW.loan_id, NEW.user_id, NEW.document_hash, NEW.document, NEW.signature, NEW.signed_at, NEW.created_at)
        IS DISTINCT FROM
        (OLD.id, OLD.loan_id, OLD.user_id, OLD.document_hash, OLD.document, OLD.signature, OLD.signed_at, OLD.created_at)
  THEN
    RAISE EXCEPTION 'contracts is append-only: only sealing a pending contract is allowed (%)', OLD.id
      USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS contracts_append_only ON contracts;
--> statement-breakpoint
CREATE TRIGGER contracts_append_only BEFORE DELETE OR TRUNCATE ON contracts
  FOR EACH STATEMENT EXECUTE FUNCTION fenqi_refuse_change();
--> statement-breakpoint
CREATE TRIGGER contracts_seal_only BEFORE UPDATE ON contracts
  FOR EACH ROW EXECUTE FUNCTION fenqi_contracts_seal_only();
