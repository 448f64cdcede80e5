#!/usr/bin/env bash
# A throwaway single-node Ceph cluster with the RADOS Gateway on loopback: a real S3 server for
# running the storage and worker tests against something other than the embedded one.
#
#   infra/scripts/start-ceph-rgw.sh            # start (installs Debian's packages if missing)
#   eval "$(infra/scripts/start-ceph-rgw.sh)"  # ... and export S3_ENDPOINT etc. into this shell
#   infra/scripts/start-ceph-rgw.sh stop       # stop the daemons and delete the cluster
#
# Runs as root without systemd (CI containers): the daemons are started directly. Data lives in
# memory (memstore), auth is off and every pool has one replica, so nothing here is fit for
# anything but tests. Only the env lines go to stdout; progress goes to stderr, and the daemons'
# logs stay in $CEPH_RGW_DIR/log (their tails are printed when something fails).
#
# Settings (environment): CEPH_RGW_DIR (/tmp/reportrun-ceph-rgw), CEPH_RGW_PORT (7480),
# CEPH_MON_PORT (6789), CEPH_RGW_ACCESS_KEY, CEPH_RGW_SECRET_KEY, CEPH_RGW_TIMEOUT (600 s).
set -euo pipefail

dir=${CEPH_RGW_DIR:-/tmp/reportrun-ceph-rgw}
rgw_port=${CEPH_RGW_PORT:-7480}
mon_port=${CEPH_MON_PORT:-6789}
access_key=${CEPH_RGW_ACCESS_KEY:-reportrun-ci}
secret_key=${CEPH_RGW_SECRET_KEY:-reportrun-ci-secret}
timeout=${CEPH_RGW_TIMEOUT:-600}
conf="$dir/ceph.conf"
log="$dir/log"

say() { echo "ceph-rgw: $*" >&2; }

show_logs() {
  for file in "$log"/*.log; do
    [ -f "$file" ] || continue
    echo "----- tail of $file" >&2
    tail -n 40 "$file" >&2
  done
}

fail() {
  say "$*"
  show_logs
  exit 1
}

stop_cluster() {
  local pidfile pid
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
  done
  # Daemons get a few seconds to exit cleanly, then are killed; only our own pids are touched.
  for _ in $(seq 1 50); do
    local alive=0
    for pidfile in "$dir"/run/*.pid; do
      [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pidfile in "$dir"/run/*.pid; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
  rm -rf "$dir"
}

if [ "${1:-start}" = stop ]; then
  stop_cluster
  say "stopped"
  exit 0
elif [ "${1:-start}" != start ]; then
  echo "usage: $0 [start|stop]" >&2
  exit 64
fi

if [ "$(id -u)" != 0 ]; then
  fail "must run as root (it installs packages and runs the Ceph daemons)"
fi

# Idempotent install: apt only when a daemon is missing.
if ! command -v ceph-mon >/dev/null || ! command -v ceph-osd >/dev/null || ! command -v radosgw >/dev/null; then
  say "installing ceph-mon, ceph-osd and radosgw from Debian"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    ceph-mon ceph-osd radosgw >&2
fi

# A cluster left over from an earlier run (killed CI job) would hold the ports.
stop_cluster
mkdir -p "$dir/mon/ceph-a" "$dir/osd/ceph-0" "$dir/rgw" "$dir/run" "$log"
# Another cluster on the same ports would answer our commands with its own fsid (the OSD then
# fails with 'wrong fsid'); say so plainly instead.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$mon_port" "$rgw_port"; do
  if port_taken "$port"; then
    fail "127.0.0.1:$port is already in use (another Ceph cluster?); set CEPH_MON_PORT / CEPH_RGW_PORT"
  fi
done

fsid=$(cat /proc/sys/kernel/random/uuid)
cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$mon_port
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = $dir/run
pid file = $dir/run/\$name.pid
log file = $log/\$name.log
admin socket = $dir/run/\$name.asok
osd pool default size = 1
osd pool default min size = 1
# RGW creates about eight pools; small placement-group counts keep one OSD under its limit.
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 5
osd crush chooseleaf type = 0

[mon]
mon data = $dir/mon/\$cluster-\$id

[osd]
osd objectstore = memstore
memstore device bytes = 4294967296
osd data = $dir/osd/\$cluster-\$id
osd journal = $dir/osd/\$cluster-\$id/journal

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
rgw dns name = 127.0.0.1
rgw enable usage log = false
EOF

export CEPH_CONF="$conf"
started=$(date +%s)
deadline=$(( started + timeout ))
wait_for() { # description, command...
  local what=$1
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${timeout}s waiting for $what"
    sleep 1
  done
}

say "starting the monitor on 127.0.0.1:$mon_port"
monmaptool --create --clobber --fsid "$fsid" --addv a "[v1:127.0.0.1:$mon_port]" "$dir/monmap" >"$log/monmaptool.log" 2>&1 ||
  fail "monmaptool failed"
ceph-mon --mkfs -i a --monmap "$dir/monmap" >"$log/mon-mkfs.log" 2>&1 || fail "ceph-mon --mkfs failed"
ceph-mon -i a || fail "ceph-mon did not start"
wait_for "the monitor" timeout 10 ceph --connect-timeout 5 mon stat

say "starting one memstore OSD"
osd_uuid=$(cat /proc/sys/kernel/random/uuid)
osd_id=$(timeout 60 ceph osd new "$osd_uuid" 2>>"$log/osd-create.log") || fail "ceph osd new failed"
[ "$osd_id" = 0 ] || fail "expected OSD id 0, got '$osd_id'"
ceph-osd -i 0 --mkfs --osd-uuid "$osd_uuid" >"$log/osd-mkfs.log" 2>&1 || fail "ceph-osd --mkfs failed"
# The OSD's first command to the monitor can race the monitor map it is given (it then sends a
# zero fsid, is refused with 'wrong fsid' and exits during init); seen about once in ten starts,
# so a failed start is retried a few times before giving up.
osd_started=0
for attempt in 1 2 3 4 5; do
  if ceph-osd -i 0 2>>"$log/osd-start.log"; then
    osd_started=1
    break
  fi
  say "ceph-osd exited during start (attempt $attempt); retrying"
  sleep 2
done
[ "$osd_started" = 1 ] || fail "ceph-osd did not start"
osd_up() { timeout 10 ceph osd dump 2>/dev/null | grep -q '^osd\.0 up'; }
wait_for "the OSD to come up" osd_up

say "starting the RADOS Gateway on 127.0.0.1:$rgw_port"
radosgw -n client.rgw.a || fail "radosgw did not start"
# Any HTTP answer will do here (anonymous requests get 403).
rgw_answers() { [ "$(curl -sS -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$rgw_port/")" != 000 ]; }
wait_for "the gateway to answer HTTP" rgw_answers

timeout 120 radosgw-admin user create --uid reportrun-ci --display-name "ReportRun CI" \
  --access-key "$access_key" --secret "$secret_key" >"$log/user-create.log" 2>&1 ||
  timeout 60 radosgw-admin user info --uid reportrun-ci >>"$log/user-create.log" 2>&1 ||
  fail "radosgw-admin user create failed"
# A signed request proves the user exists and the gateway checks signatures (ListBuckets).
signed_list() {
  # RGW wants the payload hash signed; curl leaves it out unless the header is given (empty body).
  curl -fsS -m 5 -o /dev/null --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access_key:$secret_key" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "http://127.0.0.1:$rgw_port/"
}
wait_for "a signed request to succeed" signed_list

say "up in $(( $(date +%s) - started )) s; logs in $log"
cat <<EOF | tee "$dir/env"
export S3_ENDPOINT=http://127.0.0.1:$rgw_port
export S3_REGION=us-east-1
export S3_ACCESS_KEY_ID=$access_key
export S3_SECRET_ACCESS_KEY=$secret_key
EOF
