-- Invariants the database enforces by itself, so no client (or raw SQL) can break them.
-- Error codes LP001..LP008 let the repositories turn violations into clear messages.

-- Nothing is hard-deleted: rows are archived instead.
CREATE FUNCTION lp_forbid_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'leakproof: rows in % are never deleted (archive them instead)', TG_TABLE_NAME USING ERRCODE = 'LP005';
END $$;
--> statement-breakpoint
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['datasets','audits','audit_splits','audit_findings','experiments','runs','metrics','metric_summaries','evaluations','artifacts','tags'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE DELETE ON %I FOR EACH ROW EXECUTE FUNCTION lp_forbid_delete()', t || '_no_delete', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION lp_forbid_delete()', t || '_no_truncate', t);
  END LOOP;
END $$;
--> statement-breakpoint

-- Audits, their splits and their findings are immutable once written.
CREATE FUNCTION lp_audit_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'leakproof: % rows are immutable (record a new audit instead)', TG_TABLE_NAME USING ERRCODE = 'LP002';
END $$;
--> statement-breakpoint
CREATE TRIGGER audits_immutable BEFORE UPDATE ON audits FOR EACH ROW EXECUTE FUNCTION lp_audit_immutable();
--> statement-breakpoint
CREATE TRIGGER audit_splits_immutable BEFORE UPDATE ON audit_splits FOR EACH ROW EXECUTE FUNCTION lp_audit_immutable();
--> statement-breakpoint
CREATE TRIGGER audit_findings_immutable BEFORE UPDATE ON audit_findings FOR EACH ROW EXECUTE FUNCTION lp_audit_immutable();
--> statement-breakpoint

-- Splits and findings belong to an audit only if written in the transaction that created it:
-- otherwise a split could be added to an old audit to make an unaudited split look audited.
CREATE FUNCTION lp_audit_child_same_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE created_xid bigint;
BEGIN
  SELECT xmin::text::bigint INTO created_xid FROM audits WHERE id = NEW.audit_id;
  IF created_xid IS DISTINCT FROM (pg_current_xact_id()::text::bigint % 4294967296) THEN
    RAISE EXCEPTION 'leakproof: % may only be added in the transaction that records audit %', TG_TABLE_NAME, NEW.audit_id USING ERRCODE = 'LP008';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_splits_same_tx BEFORE INSERT ON audit_splits FOR EACH ROW EXECUTE FUNCTION lp_audit_child_same_transaction();
--> statement-breakpoint
CREATE TRIGGER audit_findings_same_tx BEFORE INSERT ON audit_findings FOR EACH ROW EXECUTE FUNCTION lp_audit_child_same_transaction();
--> statement-breakpoint

-- A run trains on a passing audit, and its audit never changes.
CREATE FUNCTION lp_run_audit_passes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.audit_id IS DISTINCT FROM OLD.audit_id THEN
    RAISE EXCEPTION 'leakproof: the audit of run % cannot change', OLD.id USING ERRCODE = 'LP007';
  END IF;
  SELECT verdict INTO v FROM audits WHERE id = NEW.audit_id;
  IF v IS NULL THEN
    RAISE EXCEPTION 'leakproof: audit % does not exist', NEW.audit_id USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF v <> 'pass' THEN
    RAISE EXCEPTION 'leakproof: audit % has verdict %, runs may only use an audit whose verdict is pass', NEW.audit_id, v USING ERRCODE = 'LP001';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER runs_audit_passes BEFORE INSERT OR UPDATE OF audit_id ON runs FOR EACH ROW EXECUTE FUNCTION lp_run_audit_passes();
--> statement-breakpoint

-- Evaluations: only on a split of the run's audit; immutable once finished.
CREATE FUNCTION lp_evaluation_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.finished THEN
    RAISE EXCEPTION 'leakproof: evaluation % is finished and immutable', OLD.id USING ERRCODE = 'LP003';
  END IF;
  IF NOT EXISTS (
    SELECT 1 FROM runs r JOIN audit_splits s ON s.audit_id = r.audit_id
    WHERE r.id = NEW.run_id AND s.name = NEW.split
  ) THEN
    RAISE EXCEPTION 'leakproof: split "%" is not in the audit of run %', NEW.split, NEW.run_id USING ERRCODE = 'LP004';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER evaluations_rules BEFORE INSERT OR UPDATE ON evaluations FOR EACH ROW EXECUTE FUNCTION lp_evaluation_rules();
--> statement-breakpoint

-- Metric history is append-only.
CREATE FUNCTION lp_metrics_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'leakproof: metric history is append-only (log a new step instead)' USING ERRCODE = 'LP006';
END $$;
--> statement-breakpoint
CREATE TRIGGER metrics_append_only BEFORE UPDATE ON metrics FOR EACH ROW EXECUTE FUNCTION lp_metrics_append_only();
--> statement-breakpoint

-- Per-(run, key) summary maintained once per statement (bulk inserts aggregate in one pass).
-- Rows are upserted in (run_id, key) order so concurrent writers lock in the same order.
CREATE FUNCTION lp_metric_summaries_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO metric_summaries AS s (run_id, key, count, sum, min_value, max_value, last_step, last_value, updated_at)
  SELECT run_id, key, count(*), sum(value), min(value), max(value),
         (array_agg(step ORDER BY step DESC, id DESC))[1],
         (array_agg(value ORDER BY step DESC, id DESC))[1],
         now()
  FROM new_rows
  GROUP BY run_id, key
  ORDER BY run_id, key
  ON CONFLICT (run_id, key) DO UPDATE SET
    count = s.count + excluded.count,
    sum = s.sum + excluded.sum,
    min_value = least(s.min_value, excluded.min_value),
    max_value = greatest(s.max_value, excluded.max_value),
    last_value = CASE WHEN excluded.last_step >= s.last_step THEN excluded.last_value ELSE s.last_value END,
    last_step = greatest(s.last_step, excluded.last_step),
    updated_at = excluded.updated_at;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER metrics_summarise AFTER INSERT ON metrics REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION lp_metric_summaries_refresh();
