-- Distributed audit and worker fleet (issue #12). The job queue's own tables live in the pgboss schema,
-- created and migrated by pg-boss itself; these are Leakproof's.
-- Hash outcomes keyed by content (SHA-256 of the file's bytes) and the algorithm/settings that produced them:
-- any audit on any machine reuses them, and a retried or duplicated job cannot add a second row.
CREATE TABLE "audit_hashes" (
	"content_sha256" text NOT NULL,
	"settings" text NOT NULL,
	"outcome" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_hashes_pk" PRIMARY KEY("content_sha256","settings")
);--> statement-breakpoint
-- Verified near-duplicate scores keyed by the two pixel hashes, the start scale and the verification settings.
CREATE TABLE "audit_pair_scores" (
	"pair_key" text PRIMARY KEY NOT NULL,
	"score" double precision NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);--> statement-breakpoint
-- One row per `leakproof worker` process, refreshed by its heartbeat; `leakproof workers` lists them.
CREATE TABLE "queue_workers" (
	"id" uuid PRIMARY KEY NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"version" text NOT NULL,
	"queues" text[] NOT NULL,
	"concurrency" integer NOT NULL,
	"current_jobs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"stopped_at" timestamp with time zone
);--> statement-breakpoint
CREATE INDEX "queue_workers_last_seen_idx" ON "queue_workers" USING btree ("last_seen");
