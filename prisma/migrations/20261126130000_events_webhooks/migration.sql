-- Events: what happened to a team's runs, in Stripe's event shape. A row is written in the same
-- transaction as the run's state change, so an event exists exactly when the change committed.
-- `data.object` is rendered from the run when the event is read or delivered (a fresh download
-- link each time); the run's terminal state cannot change after the event, so nothing drifts
-- but the link and the result's expiry.
CREATE TABLE "public"."events" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "type" TEXT NOT NULL,
    "run_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- Ids sort by creation time, so "newest first, after this id" is an index range.
CREATE INDEX "events_team_id_livemode_id_idx" ON "public"."events"("team_id", "livemode", "id" DESC);
CREATE INDEX "events_created_at_idx" ON "public"."events"("created_at");
CREATE INDEX "events_run_id_idx" ON "public"."events"("run_id");

ALTER TABLE "public"."events" ADD CONSTRAINT "events_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "public"."events" ADD CONSTRAINT "events_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "public"."report_runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Where a team (in one mode) wants its events POSTed. The secret signs every delivery, so it is
-- kept as is (like Stripe's); it is shown only when the endpoint is created.
CREATE TABLE "public"."webhook_endpoints" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT,
    "enabled_events" TEXT[] NOT NULL,
    "secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "webhook_endpoints_team_id_livemode_id_idx" ON "public"."webhook_endpoints"("team_id", "livemode", "id" DESC);

ALTER TABLE "public"."webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TYPE "public"."webhook_delivery_status" AS ENUM ('pending', 'succeeded', 'failed');

-- The outbox: one row per event and endpoint that wants it, written with the event. A sender
-- claims due rows with FOR UPDATE SKIP LOCKED and pushes `next_attempt_at` past the request's
-- timeout (`claimed_by` names it), so a sender that dies mid-request only delays the row.
CREATE TABLE "public"."webhook_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "event_id" TEXT NOT NULL,
    "endpoint_id" TEXT NOT NULL,
    "status" "public"."webhook_delivery_status" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "claimed_by" TEXT,
    -- When delivering began (or a manual resend began it again); retries stop a window after it.
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "webhook_deliveries_event_id_endpoint_id_key" ON "public"."webhook_deliveries"("event_id", "endpoint_id");
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_idx" ON "public"."webhook_deliveries"("endpoint_id", "created_at" DESC);
-- Only pending rows are ever looked for by time.
CREATE INDEX "webhook_deliveries_due_idx" ON "public"."webhook_deliveries"("next_attempt_at") WHERE "status" = 'pending';

ALTER TABLE "public"."webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "public"."events"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "public"."webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Each POST made for a delivery, as the API shows it.
CREATE TABLE "public"."webhook_delivery_attempts" (
    "id" BIGSERIAL NOT NULL,
    "delivery_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "status_code" INTEGER,
    "error" TEXT,
    "attempted_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "next_retry_at" TIMESTAMPTZ(3),

    CONSTRAINT "webhook_delivery_attempts_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "webhook_delivery_attempts_delivery_id_attempt_key" ON "public"."webhook_delivery_attempts"("delivery_id", "attempt");

ALTER TABLE "public"."webhook_delivery_attempts" ADD CONSTRAINT "webhook_delivery_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "public"."webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
