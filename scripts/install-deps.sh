#!/usr/bin/env bash
# Installs, with apt, the build tools this project needs and that are missing (Debian 12).
set -euo pipefail

PACKAGES=(cmake make g++ zlib1g-dev gzip coreutils ca-certificates curl
          python3 python3-numpy python3-torch libopenblas0-openmp
          emscripten chromium
          libvulkan-dev glslc mesa-vulkan-drivers vulkan-tools)
missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node.js may come from another repository that bundles npm (and conflicts with Debian's npm
# package): ask for the commands, not the packages.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
fi
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
