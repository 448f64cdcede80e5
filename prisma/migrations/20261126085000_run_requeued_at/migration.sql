-- When the reconciler last re-enqueued the run: a second scheduler that read the run after the
-- count moved but before the job reached Redis must not count (and enqueue) it again.
ALTER TABLE "public"."report_runs" ADD COLUMN "requeued_at" TIMESTAMPTZ(3);
