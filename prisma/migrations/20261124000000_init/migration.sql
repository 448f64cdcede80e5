-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "dataset";

-- CreateEnum
CREATE TYPE "public"."report_run_status" AS ENUM ('running', 'succeeded', 'failed', 'canceled');

-- CreateTable
CREATE TABLE "public"."teams" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."api_keys" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "redacted" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."reports" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "name" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "public"."report_runs" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "livemode" BOOLEAN NOT NULL,
    "report_id" TEXT NOT NULL,
    "report_name" TEXT NOT NULL,
    "report_parameters" JSONB NOT NULL,
    "result_options" JSONB NOT NULL,
    "status" "public"."report_run_status" NOT NULL DEFAULT 'running',
    "status_details" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by" TEXT,
    "active_at" TIMESTAMPTZ(3),
    "succeeded_at" TIMESTAMPTZ(3),
    "failed_at" TIMESTAMPTZ(3),
    "canceled_at" TIMESTAMPTZ(3),
    "canceled_by" TEXT,
    "timeout_seconds" INTEGER NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "schedule_id" TEXT,
    "source_run_id" TEXT,
    "is_read" BOOLEAN NOT NULL DEFAULT false,
    "read_at" TIMESTAMPTZ(3),
    "idempotency_key" TEXT,
    "file_content_type" TEXT,
    "file_size" BIGINT,
    "file_rows" BIGINT,
    "file_object_key" TEXT,
    "file_expires_at" TIMESTAMPTZ(3),

    CONSTRAINT "report_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dataset"."balance_transactions" (
    "id" TEXT NOT NULL,
    "created" TIMESTAMPTZ(3) NOT NULL,
    "available_on" TIMESTAMPTZ(3) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "amount" BIGINT NOT NULL,
    "fee" BIGINT NOT NULL,
    "net" BIGINT NOT NULL,
    "type" TEXT NOT NULL,
    "reporting_category" TEXT NOT NULL,
    "customer" TEXT,
    "description" TEXT,
    "status" TEXT NOT NULL,

    CONSTRAINT "balance_transactions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dataset"."dataset_freshness" (
    "dataset" TEXT NOT NULL,
    "materialized_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dataset_freshness_pkey" PRIMARY KEY ("dataset")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "public"."api_keys"("secret_hash");

-- CreateIndex
CREATE INDEX "api_keys_team_id_idx" ON "public"."api_keys"("team_id");

-- CreateIndex
CREATE INDEX "reports_team_id_livemode_created_at_idx" ON "public"."reports"("team_id", "livemode", "created_at");

-- CreateIndex
CREATE INDEX "report_runs_team_id_livemode_created_at_id_idx" ON "public"."report_runs"("team_id", "livemode", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "report_runs_status_idx" ON "public"."report_runs"("status");

-- CreateIndex
CREATE UNIQUE INDEX "report_runs_team_id_livemode_idempotency_key_key" ON "public"."report_runs"("team_id", "livemode", "idempotency_key");

-- CreateIndex
CREATE INDEX "balance_transactions_created_idx" ON "dataset"."balance_transactions"("created");

-- AddForeignKey
ALTER TABLE "public"."api_keys" ADD CONSTRAINT "api_keys_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."reports" ADD CONSTRAINT "reports_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "public"."report_runs" ADD CONSTRAINT "report_runs_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;
