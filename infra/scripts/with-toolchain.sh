#!/usr/bin/env bash
# Runs a command with the toolchain this repository needs: Node >= 22 (installs Node 24 from
# the npm registry into ~/.node24 when the machine's is older), pnpm 10, installed workspace
# dependencies and a generated Prisma client.
#   infra/scripts/with-toolchain.sh pnpm dev
set -euo pipefail
cd "$(dirname "$0")/../.."

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 22 ]; then
  if [ ! -x "$HOME/.node24/node_modules/.bin/node" ]; then
    echo "Node $(node --version 2>/dev/null || echo missing) is too old; installing Node 24 into ~/.node24" >&2
    npm install --prefix "$HOME/.node24" --no-audit --no-fund node@24 pnpm@10 >&2
  fi
  export PATH="$HOME/.node24/node_modules/.bin:$PATH"
fi
if ! pnpm --version 2>/dev/null | grep -q '^10\.'; then
  mkdir -p "$HOME/.node24"
  npm install --prefix "$HOME/.node24" --no-audit --no-fund pnpm@10 >&2
  export PATH="$HOME/.node24/node_modules/.bin:$PATH"
fi

export TURBO_TELEMETRY_DISABLED=1
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  pnpm install --frozen-lockfile >&2
fi
if [ ! -f packages/db/src/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt packages/db/src/generated/prisma/client.ts ]; then
  pnpm db:generate >&2
fi
exec "$@"
