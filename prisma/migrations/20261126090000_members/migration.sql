-- A team's members: the people runs can be made for. A member's data scope lists, per scoping
-- field of a dataset (e.g. currency, customer), the values they may see; a field that is absent
-- or empty means every value.
CREATE TABLE "public"."members" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "team_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "data_scope" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "members_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "members_team_id_email_key" ON "public"."members"("team_id", "email");

ALTER TABLE "public"."members" ADD CONSTRAINT "members_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A run made for a member keeps who it was for and the scope it is limited to (null: unscoped).
-- The scope is copied onto the run, not joined at export time, so a later change to the member
-- never changes what an earlier run was allowed to show, and deleting the member keeps the run.
ALTER TABLE "public"."report_runs"
  ADD COLUMN "user_id" UUID,
  ADD COLUMN "data_scope" JSONB,
  -- A short text the worker writes from a succeeded result (rows, size, totals per currency).
  ADD COLUMN "summary" TEXT;

CREATE INDEX "report_runs_user_id_idx" ON "public"."report_runs"("user_id");

ALTER TABLE "public"."report_runs" ADD CONSTRAINT "report_runs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "public"."members"("id") ON DELETE SET NULL ON UPDATE CASCADE;
