-- A worker holding an attempt of a run keeps a lease on it: who holds it, which attempt, and
-- until when. Every write of the attempt is fenced by (attempts, lease_owner), so an attempt that
-- lost its lease can never finish, fail or requeue the run; the reconciler leaves runs with a
-- live lease alone.
ALTER TABLE "public"."report_runs"
  ADD COLUMN "lease_owner" TEXT,
  ADD COLUMN "lease_attempt" INTEGER,
  ADD COLUMN "lease_expires_at" TIMESTAMPTZ(3),
  -- Attempts that ended without releasing their lease (the worker died or lost the run); past
  -- RUN_MAX_CRASHES the run fails as worker_crashed instead of taking down worker after worker.
  ADD COLUMN "crash_count" INTEGER NOT NULL DEFAULT 0;
