#!/usr/bin/env bash
# Installs, with apt, the packages this project needs and that are missing (Debian 12).
#
#   scripts/install-deps.sh          # building and running: compiler, CMake, zlib, MNIST download
#   scripts/install-deps.sh --test   # also what the tests use: PyTorch (reference checks),
#                                    # emscripten, chromium and Node.js (the browser demo's tests)
set -euo pipefail

# building the library and the MNIST programs; gzip, curl and certificates fetch MNIST
PACKAGES=(cmake make g++ zlib1g-dev gzip coreutils ca-certificates curl)
WITH_TEST=0
case "${1:-}" in
    "") ;;
    --test) WITH_TEST=1 ;;
    *) echo "install-deps: unknown option '$1' (expected --test or nothing)" >&2; exit 2 ;;
esac
if [ "$WITH_TEST" -eq 1 ]; then
    PACKAGES+=(python3 python3-numpy python3-torch python3-matplotlib libopenblas0-openmp emscripten chromium
               libvulkan-dev glslc mesa-vulkan-drivers vulkan-tools)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "$WITH_TEST" -eq 1 ]; then
    # Node.js may come from another repository that bundles npm (and conflicts with Debian's npm
    # package): ask for the commands, not the packages.
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
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
