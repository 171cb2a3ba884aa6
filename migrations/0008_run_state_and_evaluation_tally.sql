-- Raw-SQL holes closed like the other invariants (0001): LP011..LP013.

-- A run's creation time orders history: it never changes.
-- A finished or failed run is frozen except for `archived` (archive/unarchive stays the one allowed action).
-- Status only moves forward: running -> running|finished|failed|interrupted; interrupted -> interrupted|running
-- (resume)|failed. An interrupted run cannot jump to finished without running again.
CREATE FUNCTION lp_run_state_rules() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'leakproof: the creation time of run % never changes (it orders history)', OLD.id USING ERRCODE = 'LP011';
  END IF;
  IF OLD.status IN ('finished', 'failed') THEN
    IF (to_jsonb(NEW) - 'archived') IS DISTINCT FROM (to_jsonb(OLD) - 'archived') THEN
      RAISE EXCEPTION 'leakproof: run % is % and frozen; only archiving or unarchiving it is allowed', OLD.id, OLD.status USING ERRCODE = 'LP012';
    END IF;
  ELSIF OLD.status = 'interrupted' AND NEW.status NOT IN ('interrupted', 'running', 'failed') THEN
    RAISE EXCEPTION 'leakproof: run % is interrupted; it can be resumed (running) or failed, not %', OLD.id, NEW.status USING ERRCODE = 'LP012';
  END IF;
  RETURN NEW;
END $$;
--> statement-breakpoint
-- named after runs_params_immutable and runs_audit_passes so their more specific codes fire first
CREATE TRIGGER runs_state_rules BEFORE UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION lp_run_state_rules();
--> statement-breakpoint

-- A finished evaluation must add up: its run finished, its counts cover exactly the images its run's audit
-- has in that split, and the threshold metrics it states are the ones those counts give. Drafts
-- (finished = false) may be partial; the check runs when they are completed. A creation time never changes.
CREATE FUNCTION lp_evaluation_tally() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  run_status text;
  split_images integer;
  k text;
  stated jsonb;
  expected double precision;
  num double precision;
  den double precision;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.created_at IS DISTINCT FROM OLD.created_at THEN
    RAISE EXCEPTION 'leakproof: the creation time of evaluation % never changes', OLD.id USING ERRCODE = 'LP011';
  END IF;
  IF NOT NEW.finished THEN
    RETURN NEW;
  END IF;
  SELECT r.status, s.images INTO run_status, split_images
  FROM runs r LEFT JOIN audit_splits s ON s.audit_id = r.audit_id AND s.name = NEW.split
  WHERE r.id = NEW.run_id;
  IF run_status IS DISTINCT FROM 'finished' THEN
    RAISE EXCEPTION 'leakproof: run % is %, only a finished run is evaluated', NEW.run_id, coalesce(run_status, 'missing') USING ERRCODE = 'LP013';
  END IF;
  IF NEW.tp + NEW.fp + NEW.tn + NEW.fn IS DISTINCT FROM split_images THEN
    RAISE EXCEPTION 'leakproof: evaluation counts (% images) do not match the % images of split "%" in the audit of run %',
      NEW.tp + NEW.fp + NEW.tn + NEW.fn, split_images, NEW.split, NEW.run_id USING ERRCODE = 'LP013';
  END IF;
  FOREACH k IN ARRAY ARRAY['accuracy', 'precision', 'recall', 'specificity', 'npv', 'f1'] LOOP
    stated := NEW.metrics -> k;
    CONTINUE WHEN stated IS NULL OR jsonb_typeof(stated -> 'value') IS DISTINCT FROM 'number';
    num := CASE k WHEN 'accuracy' THEN NEW.tp + NEW.tn WHEN 'precision' THEN NEW.tp WHEN 'recall' THEN NEW.tp
                  WHEN 'specificity' THEN NEW.tn WHEN 'npv' THEN NEW.tn ELSE 2 * NEW.tp END;
    den := CASE k WHEN 'accuracy' THEN NEW.tp + NEW.fp + NEW.tn + NEW.fn WHEN 'precision' THEN NEW.tp + NEW.fp
                  WHEN 'recall' THEN NEW.tp + NEW.fn WHEN 'specificity' THEN NEW.tn + NEW.fp WHEN 'npv' THEN NEW.tn + NEW.fn
                  ELSE 2 * NEW.tp + NEW.fp + NEW.fn END;
    expected := CASE WHEN den > 0 THEN num / den END;
    IF expected IS NULL OR abs((stated ->> 'value')::double precision - expected) > 1e-9 THEN
      RAISE EXCEPTION 'leakproof: evaluation states % = %, its counts give %', k, stated ->> 'value', coalesce(expected::text, 'no value')
        USING ERRCODE = 'LP013';
    END IF;
    IF (jsonb_typeof(stated -> 'lo') = 'number' AND (stated ->> 'lo')::double precision > expected + 1e-9)
       OR (jsonb_typeof(stated -> 'hi') = 'number' AND (stated ->> 'hi')::double precision < expected - 1e-9) THEN
      RAISE EXCEPTION 'leakproof: the interval of % does not contain its value %', k, expected USING ERRCODE = 'LP013';
    END IF;
  END LOOP;
  RETURN NEW;
END $$;
--> statement-breakpoint
-- named after evaluations_rules so a finished evaluation's LP003 and a foreign split's LP004 fire first
CREATE TRIGGER evaluations_tally BEFORE INSERT OR UPDATE ON evaluations FOR EACH ROW EXECUTE FUNCTION lp_evaluation_tally();
