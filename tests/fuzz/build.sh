#!/bin/sh
# Builds the libFuzzer targets with clang, ASan and UBSan into a build folder (default /tmp/build-fuzz, or $1):
# the CMake build with TRAWL_FUZZ=ON, which makes one target per line of dissectors/dissectors.def and one per
# other tests/fuzz/fuzz_*.c (tests/fuzz/CMakeLists.txt). The programs are BUILD/fuzz_<name>;
# `ctest --test-dir BUILD` replays the seeds and regressions with them. See README.md here.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-/tmp/build-fuzz}
# -O1 -g as libFuzzer's documentation suggests; asserts stay on (no NDEBUG)
CC=${CC:-clang} cmake -S "$src" -B "$out" -DTRAWL_FUZZ=ON -DTRAWL_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" >/dev/null
cmake --build "$out" --target fuzz -j"${JOBS:-$(nproc)}"
echo "targets in $out"
