ALTER TABLE "metric_summaries" ADD COLUMN "avg_value" double precision GENERATED ALWAYS AS (sum / count) STORED;--> statement-breakpoint
CREATE INDEX "metric_summaries_key_avg_run_idx" ON "metric_summaries" USING btree ("key","avg_value","run_id");--> statement-breakpoint
-- Keys and values are correlated (lr only takes a few values, model a few names): without multi-column
-- statistics the planner multiplies their selectivities, underestimates a params filter's run set by 4x and
-- picks hash joins over every run where an index walk would stop after the first page.
CREATE STATISTICS "run_params_key_values_stats" (mcv, dependencies) ON "key", "num_value", "text_value" FROM "run_params";--> statement-breakpoint
CREATE STATISTICS "tags_key_value_stats" (mcv, dependencies) ON "key", "value" FROM "tags";
