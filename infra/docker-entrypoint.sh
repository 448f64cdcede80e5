#!/bin/sh
# The image's entry point: its first argument names the process to run. `exec` makes node PID 1,
# so SIGTERM from Docker or Kubernetes reaches the process's own drain handler.
set -eu
case "${1:-api}" in
  api) cd /app/apps/api && exec node dist/main.js ;;
  # A 2 MB young generation keeps an export's short-lived buffers from growing the heap. glibc's
  # malloc with two arenas and fixed thresholds (blocks of 128 KiB or more are mapped and given
  # back when freed, free tops are trimmed from 128 KiB): its default thresholds grow once an
  # export frees large buffers, after which freed memory stays in the process. Export peaks
  # about 20 MB lower, same speed (docs/operations.md, Sizing).
  worker) cd /app/apps/worker && exec env MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=2 dist/main.js ;;
  scheduler) cd /app/apps/scheduler && exec node dist/main.js ;;
  migrate) cd /app/packages/db && exec node dist/bin/migrate.js ;;
  *)
    echo "usage: reportrun api|worker|scheduler|migrate (got: $1)" >&2
    exit 64
    ;;
esac
