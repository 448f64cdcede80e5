-- A storage zone: an S3-compatible endpoint and bucket of the team's own (Airplane's zoneID).
-- The credentials are not stored: `credentials_ref` names the environment variables that hold
-- them in every process (S3_ZONE_<REF>_ACCESS_KEY_ID, S3_ZONE_<REF>_SECRET_ACCESS_KEY), so a
-- database dump never carries a storage secret. A zone row never changes once written: moving a
-- team elsewhere makes a new zone, and the files already written stay reachable through the
-- zone their runs name.
CREATE TABLE "public"."storage_zones" (
    "id" TEXT NOT NULL,
    "team_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "public_endpoint" TEXT,
    "bucket" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "credentials_ref" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "storage_zones_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "storage_zones_credentials_ref_check" CHECK ("credentials_ref" ~ '^[A-Z0-9_]{1,32}$')
);

CREATE INDEX "storage_zones_team_id_idx" ON "public"."storage_zones"("team_id");

ALTER TABLE "public"."storage_zones" ADD CONSTRAINT "storage_zones_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The zone new runs of the team write to; null: the service's own bucket.
ALTER TABLE "public"."teams" ADD COLUMN "storage_zone_id" TEXT;
ALTER TABLE "public"."teams" ADD CONSTRAINT "teams_storage_zone_id_fkey" FOREIGN KEY ("storage_zone_id") REFERENCES "public"."storage_zones"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The zone a run's result is written to, fixed when the run is made; a zone that still holds a
-- run's result cannot be deleted.
ALTER TABLE "public"."report_runs" ADD COLUMN "storage_zone_id" TEXT;
CREATE INDEX "report_runs_storage_zone_id_idx" ON "public"."report_runs"("storage_zone_id");
ALTER TABLE "public"."report_runs" ADD CONSTRAINT "report_runs_storage_zone_id_fkey" FOREIGN KEY ("storage_zone_id") REFERENCES "public"."storage_zones"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Every way a run is made (the API's faces, schedules, re-runs) stamps the team's zone here, in
-- the insert itself, so no path can forget it and a zone change never splits one run's writes.
CREATE FUNCTION "public"."report_runs_stamp_storage_zone"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.storage_zone_id IS NULL THEN
    SELECT storage_zone_id INTO NEW.storage_zone_id FROM "public"."teams" WHERE id = NEW.team_id;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "report_runs_stamp_storage_zone" BEFORE INSERT ON "public"."report_runs"
  FOR EACH ROW EXECUTE FUNCTION "public"."report_runs_stamp_storage_zone"();
