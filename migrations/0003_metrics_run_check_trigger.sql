-- metrics.run_id lost its row-level foreign key (0002): check every run once per statement instead,
-- in the same trigger that maintains the summaries. Runs are never deleted, so existence at insert suffices.
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

-- Summaries are derived: only the metrics trigger (nested, trigger depth > 1) may write them.
CREATE FUNCTION lp_metric_summaries_derived() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() <= 1 THEN
    RAISE EXCEPTION 'leakproof: metric_summaries is derived from metrics; log metrics instead' USING ERRCODE = 'LP009';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER metric_summaries_derived BEFORE INSERT OR UPDATE ON metric_summaries FOR EACH ROW EXECUTE FUNCTION lp_metric_summaries_derived();
