-- API processes keep the keys that authenticated in memory. A key that is revoked, deleted (with
-- its team) or changed is announced on commit, whatever changed it (the API, the CLI, SQL), so
-- every process listening on reportrun_api_key_changed drops it at once. The payload is the
-- key's secret hash, which is what the processes look keys up by.
CREATE FUNCTION "public"."announce_api_key_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('reportrun_api_key_changed', OLD.secret_hash);
  RETURN NULL;
END
$$;

-- Only changes that alter what a key authenticates as; recording its last use is not one.
CREATE TRIGGER "api_keys_announce_update"
  AFTER UPDATE ON "public"."api_keys"
  FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
        OR OLD.secret_hash IS DISTINCT FROM NEW.secret_hash
        OR OLD.team_id IS DISTINCT FROM NEW.team_id
        OR OLD.livemode IS DISTINCT FROM NEW.livemode)
  EXECUTE FUNCTION "public"."announce_api_key_change"();

CREATE TRIGGER "api_keys_announce_delete"
  AFTER DELETE ON "public"."api_keys"
  FOR EACH ROW
  EXECUTE FUNCTION "public"."announce_api_key_change"();
