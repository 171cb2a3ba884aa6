CREATE TABLE "run_params" (
	"run_id" integer NOT NULL,
	"key" text NOT NULL,
	"num_value" double precision,
	"text_value" text,
	CONSTRAINT "run_params_run_id_key_pk" PRIMARY KEY("run_id","key")
);
--> statement-breakpoint
CREATE INDEX "run_params_key_num_idx" ON "run_params" USING btree ("key","num_value");--> statement-breakpoint
CREATE INDEX "run_params_key_text_idx" ON "run_params" USING btree ("key","text_value");