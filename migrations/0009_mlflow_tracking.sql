-- Tracking through the MLflow API (issue #9).
--
-- 1. Non-finite metric values. MLflow accepts NaN and ±Infinity; the history keeps them verbatim. Summaries must
--    not be poisoned by them: PostgreSQL orders NaN above every number, so max() and sum() would turn NaN for good.
--    From here `count`, `sum` and the stored `avg_value` cover the non-NaN points (±Infinity included), min/max skip
--    NaN (NULL when a key has only NaN), `last_value` is the last point as logged (NaN included). Filters compare
--    only non-NaN aggregates (libs/registry/src/filter/compile.ts), so NaN never satisfies `metrics.k > x`.
ALTER TABLE "metric_summaries" ALTER COLUMN "min_value" DROP NOT NULL, ALTER COLUMN "max_value" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "metric_summaries" DROP COLUMN "avg_value";--> statement-breakpoint
ALTER TABLE "metric_summaries" ADD COLUMN "avg_value" double precision GENERATED ALWAYS AS (CASE WHEN count > 0 THEN sum / count END) STORED;--> statement-breakpoint
CREATE INDEX "metric_summaries_key_avg_run_idx" ON "metric_summaries" USING btree ("key","avg_value","run_id");--> statement-breakpoint
CREATE OR REPLACE FUNCTION lp_metric_summaries_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE missing integer;
BEGIN
  SELECT n.run_id INTO missing
  FROM (SELECT DISTINCT run_id FROM new_rows) n
  WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = n.run_id)
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'leakproof: run % does not exist', missing USING ERRCODE = 'foreign_key_violation';
  END IF;
  INSERT INTO metric_summaries AS s (run_id, key, count, sum, min_value, max_value, last_step, last_value, updated_at)
  SELECT run_id, key,
         count(*) FILTER (WHERE value <> 'NaN'),
         coalesce(sum(value) FILTER (WHERE value <> 'NaN'), 0),
         min(value) FILTER (WHERE value <> 'NaN'),
         max(value) FILTER (WHERE value <> 'NaN'),
         (array_agg(step ORDER BY step DESC, id DESC))[1],
         (array_agg(value ORDER BY step DESC, id DESC))[1],
         now()
  FROM new_rows
  GROUP BY run_id, key
  ORDER BY run_id, key
  ON CONFLICT (run_id, key) DO UPDATE SET
    count = s.count + excluded.count,
    sum = s.sum + excluded.sum,
    -- least/greatest ignore NULL: a NaN-only batch leaves min/max as they were
    min_value = least(s.min_value, excluded.min_value),
    max_value = greatest(s.max_value, excluded.max_value),
    last_value = CASE WHEN excluded.last_step >= s.last_step THEN excluded.last_value ELSE s.last_value END,
    last_step = greatest(s.last_step, excluded.last_step),
    updated_at = excluded.updated_at;
  RETURN NULL;
END $$;
--> statement-breakpoint

-- 2. Params are write-once per key, as in MLflow: a run may gain params after it started (mlflow.log_param),
--    but a key once written never changes value (LP010, as before).
CREATE OR REPLACE FUNCTION lp_run_params_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE changed text;
BEGIN
  SELECT o.key INTO changed FROM jsonb_each(OLD.params) o WHERE NEW.params -> o.key IS DISTINCT FROM o.value LIMIT 1;
  IF FOUND OR jsonb_typeof(NEW.params) <> 'object' THEN
    RAISE EXCEPTION 'leakproof: param "%" of run % was already logged with another value; params never change (start a new run instead)', changed, OLD.id USING ERRCODE = 'LP010';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE FUNCTION lp_run_params_append() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO run_params (run_id, key, num_value, text_value)
  SELECT NEW.id, p.key,
         CASE WHEN jsonb_typeof(p.value) = 'number' THEN (p.value)::float8 END,
         CASE jsonb_typeof(p.value) WHEN 'string' THEN p.value #>> '{}' WHEN 'null' THEN NULL ELSE p.value::text END
  FROM lp_flatten_params(NEW.params - ARRAY(SELECT jsonb_object_keys(OLD.params))) p
  ORDER BY p.key;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER runs_params_append AFTER UPDATE OF params ON runs FOR EACH ROW EXECUTE FUNCTION lp_run_params_append();
--> statement-breakpoint

-- 3. Tags are mutable metadata (set-tag already overwrites a value in place), so MLflow's delete-tag may remove
--    one, except the lineage tags `leakproof.*` that bind a run to its audit.
CREATE FUNCTION lp_tags_delete_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.key LIKE 'leakproof.%' THEN
    RAISE EXCEPTION 'leakproof: tag "%" of run % records lineage and is never deleted', OLD.key, OLD.run_id USING ERRCODE = 'LP005';
  END IF;
  RETURN OLD;
END $$;
--> statement-breakpoint
DROP TRIGGER "tags_no_delete" ON "tags";--> statement-breakpoint
CREATE TRIGGER tags_delete_guard BEFORE DELETE ON tags FOR EACH ROW EXECUTE FUNCTION lp_tags_delete_guard();
