-- The reconciler re-enqueues a running run whose queue job went missing. It counts each time,
-- so a run that keeps losing its job is failed (`run_lost`) instead of cycling forever.
ALTER TABLE "public"."report_runs" ADD COLUMN "requeue_count" INTEGER NOT NULL DEFAULT 0;

-- The retention sweep looks up results that are due (file_expires_at <= now) and those finished
-- without an expiry stamp (file_expires_at IS NULL); a btree serves both.
CREATE INDEX "report_runs_file_expires_at_idx" ON "public"."report_runs"("file_expires_at");
