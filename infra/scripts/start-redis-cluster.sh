#!/usr/bin/env bash
# A three-master Redis Cluster on loopback, started from the machine's redis-server (no
# replicas, no persistence): what CI runs the queue and worker tests on, to prove BullMQ works
# on a cluster with our hash-tagged prefix.
#   infra/scripts/start-redis-cluster.sh          # start; prints REDIS_CLUSTER_NODES=… to export
#   infra/scripts/start-redis-cluster.sh stop     # stop the nodes it started and remove its data
# REDIS_CLUSTER_PORTS (default "7101 7102 7103") and REDIS_CLUSTER_DIR (default
# /tmp/reportrun-redis-cluster) override where it runs. It refuses ports already taken.
set -euo pipefail

ports=(${REDIS_CLUSTER_PORTS:-7101 7102 7103})
dir=${REDIS_CLUSTER_DIR:-/tmp/reportrun-redis-cluster}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  for port in "${ports[@]}"; do
    pidfile="$dir/$port/redis.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    # Only the process this script started, named by its own pid file.
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  rm -rf "$dir"
}

start() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || {
    echo "redis-server and redis-cli are needed (Debian: apt-get install redis-server)" >&2
    exit 1
  }
  if [ "${#ports[@]}" -lt 3 ]; then
    echo "a cluster needs at least three masters; REDIS_CLUSTER_PORTS names ${#ports[@]}" >&2
    exit 64
  fi
  for port in "${ports[@]}"; do
    if port_taken "$port"; then
      echo "port $port is already in use; stop what uses it or set REDIS_CLUSTER_PORTS" >&2
      exit 1
    fi
  done
  rm -rf "$dir"
  nodes=()
  for port in "${ports[@]}"; do
    mkdir -p "$dir/$port"
    redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
      --cluster-enabled yes --cluster-config-file "$dir/$port/nodes.conf" --cluster-node-timeout 5000 \
      --dir "$dir/$port" --pidfile "$dir/$port/redis.pid" --logfile "$dir/$port/redis.log" \
      --save "" --appendonly no --maxmemory-policy noeviction
    nodes+=("127.0.0.1:$port")
  done
  for port in "${ports[@]}"; do
    for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 || {
    cat "$dir/create.log" >&2
    exit 1
  }
  # Every node must agree the cluster is whole before a client connects.
  for port in "${ports[@]}"; do
    ok=
    for _ in $(seq 300); do
      if redis-cli -p "$port" cluster info | grep -q '^cluster_state:ok'; then ok=1; break; fi
      sleep 0.1
    done
    [ -n "$ok" ] || { echo "node $port did not reach cluster_state:ok" >&2; exit 1; }
  done
  (IFS=,; echo "REDIS_CLUSTER_NODES=${nodes[*]}")
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 64 ;;
esac
