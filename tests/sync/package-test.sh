#!/bin/sh
# Install the ChatDevel component of BUILD_DIR into a temporary prefix, build the consumer
# project against it with find_package(Chat), and run it.
#   package-test.sh BUILD_DIR SOURCE_DIR [CXX_COMPILER CXX_FLAGS LINKER_FLAGS]
set -eu
BUILD_DIR=$1
SRC_DIR=$2
CXX_COMPILER=${3:-c++}
CXX_FLAGS=${4:-}
LINKER_FLAGS=${5:-}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
run() { "$@" >"$TMP/log" 2>&1 || { cat "$TMP/log"; echo "FAILED: $*" >&2; exit 1; }; }
run cmake --install "$BUILD_DIR" --prefix "$TMP/prefix" --component ChatDevel
run cmake -S "$SRC_DIR/tests/sync/consumer" -B "$TMP/build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_PREFIX_PATH="$TMP/prefix" -DCMAKE_CXX_COMPILER="$CXX_COMPILER" \
      -DCMAKE_CXX_FLAGS="$CXX_FLAGS" -DCMAKE_EXE_LINKER_FLAGS="$LINKER_FLAGS"
run cmake --build "$TMP/build"
"$TMP/build/consumer"
