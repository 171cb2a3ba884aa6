-- The audit fails closed (issue 11): a candidate pair that could not be verified is a finding of its own
-- kind, 'unverified', which the policy decides (default fail). The registry must be able to store it.
ALTER TABLE "audit_findings" DROP CONSTRAINT "audit_findings_kind_ck";--> statement-breakpoint
ALTER TABLE "audit_findings" ADD CONSTRAINT "audit_findings_kind_ck" CHECK ("audit_findings"."kind" in ('exact', 'pixel', 'near', 'patient', 'label-conflict', 'unverified'));
