#!/bin/sh
# The image's entry point: its first argument names the process to run. `exec` makes node PID 1,
# so SIGTERM from Docker or Kubernetes reaches the process's own drain handler.
set -eu
case "${1:-api}" in
  api) cd /app/apps/api && exec node dist/main.js ;;
  # A 2 MB young generation keeps an export's short-lived buffers from growing the heap, and
  # one malloc arena (instead of one per thread: the ZIP deflate threads would each keep their
  # own high-water mark) keeps freed memory reusable by every thread: together a ZIP export's
  # peak about 70 MB lower, export speed unchanged (docs/operations.md, Sizing).
  worker) cd /app/apps/worker && exec env MALLOC_ARENA_MAX=1 node --max-semi-space-size=2 dist/main.js ;;
  scheduler) cd /app/apps/scheduler && exec node dist/main.js ;;
  migrate) cd /app/packages/db && exec node dist/bin/migrate.js ;;
  *)
    echo "usage: reportrun api|worker|scheduler|migrate (got: $1)" >&2
    exit 64
    ;;
esac
