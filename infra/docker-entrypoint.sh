#!/bin/sh
# The image's entry point: its first argument names the process to run. `exec` makes node PID 1,
# so SIGTERM from Docker or Kubernetes reaches the process's own drain handler.
set -eu
case "${1:-api}" in
  api) cd /app/apps/api && exec node dist/main.js ;;
  worker) cd /app/apps/worker && exec node dist/main.js ;;
  scheduler) cd /app/apps/scheduler && exec node dist/main.js ;;
  migrate) cd /app/packages/db && exec node dist/bin/migrate.js ;;
  *)
    echo "usage: reportrun api|worker|scheduler|migrate (got: $1)" >&2
    exit 64
    ;;
esac
