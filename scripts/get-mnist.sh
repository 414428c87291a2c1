#!/usr/bin/env bash
# Puts the four MNIST files, uncompressed, into DIR (default data/MNIST/raw).
#
#   scripts/get-mnist.sh [DIR]
#
# Looks for a local copy first (plain or .gz): $MNIST_DIR, ./data/MNIST/raw, ../shared/data/mnist
# (relative to the current directory and to the project root); otherwise downloads from the usual
# public mirrors. Either way the SHA-256 of the uncompressed content must match, or nothing is kept.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-data/MNIST/raw}

declare -A SHA256=(
    [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
    [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
    [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
    [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
MIRRORS=(
    https://ossci-datasets.s3.amazonaws.com/mnist
    https://storage.googleapis.com/cvdf-datasets/mnist
    https://yann.lecun.com/exdb/mnist
)
LOCAL_DIRS=()
[ -n "${MNIST_DIR:-}" ] && LOCAL_DIRS+=("$MNIST_DIR")
LOCAL_DIRS+=("./data/MNIST/raw" "$ROOT/data/MNIST/raw" "../shared/data/mnist" "$ROOT/../shared/data/mnist")

mkdir -p "$DIR"

sha_of() { sha256sum | cut -d' ' -f1; }

# verify_into NAME SOURCE: decompress SOURCE if gzip, check the hash, move into place.
verify_into() {
    local name=$1 src=$2 tmp="$DIR/.$1.tmp.$$"
    if [ "$(head -c 2 "$src" | od -An -tx1 | tr -d ' \n')" = "1f8b" ]; then
        gzip -dc "$src" >"$tmp" 2>/dev/null || { rm -f "$tmp"; echo "get-mnist: $src: corrupt gzip data" >&2; return 1; }
    else
        cp "$src" "$tmp"
    fi
    local got; got=$(sha_of <"$tmp")
    if [ "$got" != "${SHA256[$name]}" ]; then
        rm -f "$tmp"
        echo "get-mnist: $src: SHA-256 mismatch for $name (got $got, expected ${SHA256[$name]})" >&2
        return 1
    fi
    mv -f "$tmp" "$DIR/$name"
}

download() {
    local url=$1 out=$2
    if command -v curl >/dev/null; then
        curl -fsSL --retry 2 --connect-timeout 20 -o "$out" "$url"
    elif command -v wget >/dev/null; then
        wget -q -T 20 -O "$out" "$url"
    else
        echo "get-mnist: neither curl nor wget is installed" >&2
        return 1
    fi
}

for name in "${FILES[@]}"; do
    if [ -f "$DIR/$name" ] && [ "$(sha_of <"$DIR/$name")" = "${SHA256[$name]}" ]; then
        echo "get-mnist: $DIR/$name is present and verified"
        continue
    fi
    done_one=0
    for d in "${LOCAL_DIRS[@]}"; do
        for src in "$d/$name" "$d/$name.gz"; do
            # a copy of the destination itself is not a source
            if [ -f "$src" ] && ! [ "$src" -ef "$DIR/$name" ] && verify_into "$name" "$src"; then
                echo "get-mnist: $DIR/$name from $src"
                done_one=1
                break 2
            fi
        done
    done
    if [ $done_one = 0 ]; then
        for mirror in "${MIRRORS[@]}"; do
            tmp_gz="$DIR/.$name.gz.download.$$"
            if download "$mirror/$name.gz" "$tmp_gz" && verify_into "$name" "$tmp_gz"; then
                rm -f "$tmp_gz"
                echo "get-mnist: $DIR/$name from $mirror"
                done_one=1
                break
            fi
            rm -f "$tmp_gz"
        done
    fi
    if [ $done_one = 0 ]; then
        echo "get-mnist: could not obtain $name (no local copy, downloads failed or did not verify)" >&2
        exit 1
    fi
done
