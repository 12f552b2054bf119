#!/usr/bin/env bash
# Install everything Pacific needs on a fresh Debian 12 machine (run as root):
# system packages, a virtualenv at .venv with the pinned dependencies, and the package.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

want=(
    ca-certificates gcc libc6-dev                       # building Python wheels
    crun conmon catatonit nftables iputils-ping         # pods: runtime, network
    qemu-system-x86 linux-source-6.1 make flex bison    # microVM guests: QEMU, guest kernel
    libelf-dev libssl-dev bc xz-utils cpio
    busybox-static docker-registry                      # test images, a real registry
)
# A python3 that can make virtualenvs may already be on PATH; otherwise Debian's.
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    want+=(python3 python3-venv python3-dev)
fi
command -v kubectl >/dev/null 2>&1 || want+=(kubernetes-client)
pkgs=()
for pkg in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || pkgs+=("$pkg")
done
if [ "${#pkgs[@]}" -gt 0 ]; then
    echo "install: apt-get install ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q -e '.[dev]'
echo "install: ok ($(.venv/bin/pacific version 2>/dev/null || echo pacific))"
