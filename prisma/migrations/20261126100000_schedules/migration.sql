-- Cron schedules of saved reports (heyhumm's "commands"), their subscribers, and the slots they
-- fire. A slot is one (schedule, scheduled instant), unique here: however many scheduler
-- processes race, a slot is inserted once, and its runs are unique per (slot, subscriber).
CREATE TYPE "public"."schedule_run_mode" AS ENUM ('per_subscriber', 'once_and_distribute');
CREATE TYPE "public"."schedule_slot_state" AS ENUM ('fired', 'missed');

CREATE TABLE "public"."schedules" (
  "id" UUID NOT NULL,
  "organization_id" TEXT NOT NULL,
  "livemode" BOOLEAN NOT NULL,
  "command_id" TEXT NOT NULL,
  "cron_expression" TEXT NOT NULL,
  "timezone" TEXT NOT NULL DEFAULT 'UTC',
  -- The next instant that fires; the engine fires exactly what this says. Null only while
  -- the schedule cannot fire (disabled).
  "next_run_time" TIMESTAMPTZ(3),
  "last_run_time" TIMESTAMPTZ(3),
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "enabled" BOOLEAN NOT NULL DEFAULT true,
  "name" TEXT NOT NULL,
  "run_mode" "public"."schedule_run_mode" NOT NULL DEFAULT 'per_subscriber',
  "created_by_user_id" UUID,
  -- A slot missed by more than this (scheduler down) is recorded as missed, not run late.
  "misfire_grace_seconds" INTEGER NOT NULL DEFAULT 300,
  -- Deleted schedules are kept (their runs still show them) but never fire or list again.
  "deleted_at" TIMESTAMPTZ(3),
  CONSTRAINT "schedules_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "schedules_organization_id_fkey" FOREIGN KEY ("organization_id") REFERENCES "public"."teams"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "schedules_misfire_grace_seconds_check" CHECK ("misfire_grace_seconds" >= 0)
);
CREATE INDEX "schedules_due_idx" ON "public"."schedules" ("next_run_time") WHERE "enabled" AND "deleted_at" IS NULL;
CREATE INDEX "schedules_organization_id_command_id_idx" ON "public"."schedules" ("organization_id", "command_id");

CREATE TABLE "public"."schedule_subscribers" (
  "schedule_id" UUID NOT NULL,
  "user_id" UUID NOT NULL,
  CONSTRAINT "schedule_subscribers_pkey" PRIMARY KEY ("schedule_id", "user_id"),
  CONSTRAINT "schedule_subscribers_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "public"."schedule_slots" (
  "id" UUID NOT NULL,
  "schedule_id" UUID NOT NULL,
  "scheduled_at" TIMESTAMPTZ(3) NOT NULL,
  "state" "public"."schedule_slot_state" NOT NULL,
  -- cron | catch_up | manual
  "kind" TEXT NOT NULL,
  -- Shared by every run of the firing (heyhumm's thread_id); null for a missed slot.
  "thread_id" UUID,
  "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "schedule_slots_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "schedule_slots_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "public"."schedules"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "schedule_slots_schedule_id_scheduled_at_key" ON "public"."schedule_slots" ("schedule_id", "scheduled_at");

ALTER TABLE "public"."report_runs"
  ADD COLUMN "slot_id" UUID,
  ADD COLUMN "thread_id" UUID,
  -- True once a re-run names this run as its source.
  ADD COLUMN "is_source_run" BOOLEAN NOT NULL DEFAULT false,
  ADD CONSTRAINT "report_runs_slot_id_fkey" FOREIGN KEY ("slot_id") REFERENCES "public"."schedule_slots"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "report_runs_schedule_id_created_at_idx" ON "public"."report_runs" ("schedule_id", "created_at" DESC);

-- A read receipt per subscriber of a run: a per-subscriber run has its member's, a run made
-- once and distributed has one for each subscriber. The first read sets read_at; later reads
-- leave it.
CREATE TABLE "public"."run_read_receipts" (
  "run_id" TEXT NOT NULL,
  "user_id" UUID NOT NULL,
  "read_at" TIMESTAMPTZ(3),
  CONSTRAINT "run_read_receipts_pkey" PRIMARY KEY ("run_id", "user_id"),
  CONSTRAINT "run_read_receipts_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "public"."report_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "run_read_receipts_user_id_idx" ON "public"."run_read_receipts" ("user_id");

-- Subscribers and receipts are members; deleting a member unsubscribes them.
ALTER TABLE "public"."schedule_subscribers" ADD CONSTRAINT "schedule_subscribers_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."members"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "public"."run_read_receipts" ADD CONSTRAINT "run_read_receipts_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."members"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One run per (slot, subscriber); a run made once and distributed has no user and is alone in
-- its slot. An expression index, so it lives here and not in schema.prisma.
CREATE UNIQUE INDEX "report_runs_slot_id_user_key" ON "public"."report_runs" ("slot_id", COALESCE("user_id", '00000000-0000-0000-0000-000000000000'::uuid)) WHERE "slot_id" IS NOT NULL;
