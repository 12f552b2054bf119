#!/usr/bin/env bash
# Install (if needed) and start Pacific all-in-one in the foreground.
#   scripts/up.sh [--data-dir /var/lib/pacific] [--port 6443]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/pacific up "$@"
