-- Schedules announce their slots as events too: `schedule.fired` when a slot makes its runs,
-- `schedule.missed` when a slot is recorded missed (misfires are never silent, to a webhook
-- receiver either). An event is about exactly one thing: a run or a schedule slot.
ALTER TABLE "public"."events"
  ALTER COLUMN "run_id" DROP NOT NULL,
  ADD COLUMN "slot_id" UUID,
  ADD CONSTRAINT "events_one_subject_check" CHECK (("run_id" IS NULL) <> ("slot_id" IS NULL));

CREATE INDEX "events_slot_id_idx" ON "public"."events"("slot_id");

ALTER TABLE "public"."events" ADD CONSTRAINT "events_slot_id_fkey" FOREIGN KEY ("slot_id") REFERENCES "public"."schedule_slots"("id") ON DELETE CASCADE ON UPDATE CASCADE;
