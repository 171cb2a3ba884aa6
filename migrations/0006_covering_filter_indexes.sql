DROP INDEX "metric_summaries_key_last_idx";--> statement-breakpoint
DROP INDEX "metric_summaries_key_max_idx";--> statement-breakpoint
DROP INDEX "metric_summaries_key_min_idx";--> statement-breakpoint
DROP INDEX "run_params_key_num_idx";--> statement-breakpoint
DROP INDEX "run_params_key_text_idx";--> statement-breakpoint
DROP INDEX "tags_key_value_idx";--> statement-breakpoint
CREATE INDEX "metric_summaries_key_last_run_idx" ON "metric_summaries" USING btree ("key","last_value","run_id");--> statement-breakpoint
CREATE INDEX "metric_summaries_key_max_run_idx" ON "metric_summaries" USING btree ("key","max_value","run_id");--> statement-breakpoint
CREATE INDEX "metric_summaries_key_min_run_idx" ON "metric_summaries" USING btree ("key","min_value","run_id");--> statement-breakpoint
CREATE INDEX "run_params_key_num_run_idx" ON "run_params" USING btree ("key","num_value","run_id");--> statement-breakpoint
CREATE INDEX "run_params_key_text_run_idx" ON "run_params" USING btree ("key","text_value","run_id");--> statement-breakpoint
CREATE INDEX "tags_key_value_run_idx" ON "tags" USING btree ("key","value","run_id");