ALTER TABLE "metric_summaries" DROP CONSTRAINT "metric_summaries_run_id_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "metrics" DROP CONSTRAINT "metrics_run_id_runs_id_fk";
