-- Audit retention by the service clock, not the database's own clock. The daily batch purges
-- records older than 180 days as of its business day; the guard below refuses younger
-- deletions. Both must read the same clock: the service clock is the wall clock plus the
-- offset in `service_clock` (moved only by the test/dev clock; always 0 in production), so
-- with a moved test clock the guard no longer refuses what the batch rightly purges.
CREATE OR REPLACE FUNCTION fenqi_service_now() RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT now() + coalesce((SELECT offset_ms FROM service_clock WHERE id = 1), 0) * interval '1 millisecond'
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION fenqi_audit_log_retention() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.created_at > fenqi_service_now() - interval '180 days' THEN
    RAISE EXCEPTION 'audit_log rows are kept 180 days (seq %)', OLD.seq USING ERRCODE = '42501';
  END IF;
  RETURN OLD;
END
$$;
