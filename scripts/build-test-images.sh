#!/usr/bin/env bash
# Build Pacific's small test images (OCI layout and docker-save archives of Debian's
# busybox-static) without network or docker:
#   scripts/build-test-images.sh [--out DIR]     default: $PACIFIC_TEST_IMAGES or ~/.cache/pacific/test-images
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pacific.agent.images.testimages "$@"
