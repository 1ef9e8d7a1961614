#!/bin/sh
# Regenerate tests/abi/libiv.abi from a build (default: build). Run only for a reviewed
# change that doc/ABI.md allows and abidiff reports (e.g. a field appended to a
# size-prefixed options struct), or when a release is cut; commit the new baseline with
# the change that needed it.
# --exported-interfaces-only: without it abidw 2.2 ties some exported functions to a
# declaration seen in another translation unit and loses their signatures.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-"$root/build"}
lib=$(ls "$build"/src/libiv.so.1.*.* | head -n 1)
abidw --drop-private-types --exported-interfaces-only --headers-dir "$root/include" \
  --no-corpus-path --no-comp-dir-path --out-file "$root/tests/abi/libiv.abi" "$lib"
echo "wrote tests/abi/libiv.abi from $lib"
