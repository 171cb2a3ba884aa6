-- run_params: runs.params flattened (nested objects become dotted keys), maintained by the database.
CREATE FUNCTION lp_flatten_params(p jsonb) RETURNS TABLE (key text, value jsonb) LANGUAGE sql IMMUTABLE AS $$
  WITH RECURSIVE f(key, value) AS (
    SELECT e.key, e.value FROM jsonb_each(CASE WHEN jsonb_typeof(p) = 'object' THEN p ELSE '{}'::jsonb END) e
    UNION ALL
    SELECT f.key || '.' || e.key, e.value FROM f, jsonb_each(f.value) e WHERE jsonb_typeof(f.value) = 'object'
  )
  SELECT f.key, f.value FROM f WHERE jsonb_typeof(f.value) <> 'object'
$$;
--> statement-breakpoint
-- runs recorded before this migration
INSERT INTO run_params (run_id, key, num_value, text_value)
SELECT r.id, p.key,
       CASE WHEN jsonb_typeof(p.value) = 'number' THEN (p.value)::float8 END,
       CASE jsonb_typeof(p.value) WHEN 'string' THEN p.value #>> '{}' WHEN 'null' THEN NULL ELSE p.value::text END
FROM runs r, lp_flatten_params(r.params) p;
--> statement-breakpoint
CREATE FUNCTION lp_run_params_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO run_params (run_id, key, num_value, text_value)
  SELECT n.id, p.key,
         CASE WHEN jsonb_typeof(p.value) = 'number' THEN (p.value)::float8 END,
         CASE jsonb_typeof(p.value) WHEN 'string' THEN p.value #>> '{}' WHEN 'null' THEN NULL ELSE p.value::text END
  FROM new_runs n, lp_flatten_params(n.params) p
  ORDER BY n.id, p.key;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER runs_params_flatten AFTER INSERT ON runs REFERENCING NEW TABLE AS new_runs
  FOR EACH STATEMENT EXECUTE FUNCTION lp_run_params_refresh();
--> statement-breakpoint
CREATE FUNCTION lp_run_params_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.params IS DISTINCT FROM OLD.params THEN
    RAISE EXCEPTION 'leakproof: the params of run % are immutable (start a new run instead)', OLD.id USING ERRCODE = 'LP010';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER runs_params_immutable BEFORE UPDATE OF params ON runs FOR EACH ROW EXECUTE FUNCTION lp_run_params_immutable();
--> statement-breakpoint
CREATE FUNCTION lp_run_params_derived() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() <= 1 THEN
    RAISE EXCEPTION 'leakproof: run_params is derived from runs.params' USING ERRCODE = 'LP009';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER run_params_derived BEFORE INSERT OR UPDATE ON run_params FOR EACH ROW EXECUTE FUNCTION lp_run_params_derived();
--> statement-breakpoint
CREATE TRIGGER run_params_no_delete BEFORE DELETE ON run_params FOR EACH ROW EXECUTE FUNCTION lp_forbid_delete();
--> statement-breakpoint
CREATE TRIGGER run_params_no_truncate BEFORE TRUNCATE ON run_params FOR EACH STATEMENT EXECUTE FUNCTION lp_forbid_delete();
