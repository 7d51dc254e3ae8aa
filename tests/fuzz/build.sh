#!/bin/sh
# Builds the libFuzzer targets (tests/fuzz/fuzz_*.c) with clang, ASan and UBSan into a build folder
# (default /tmp/build-fuzz, or $1). Not part of the CMake build or CI. See README.md here.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-/tmp/build-fuzz}
CC=${CC:-clang}
mkdir -p "$out/obj"
CFLAGS="-std=c11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -I$src -fno-omit-frame-pointer \
 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
 $(pkg-config --cflags libpcap zlib libisal libcrypto)"
LIBS="$(pkg-config --libs libpcap zlib libisal libcrypto)"

# the library without the capture source (libpcap handles) and the TUI: nothing there reads packet bytes
objs=""
# no dependency tracking: an object older than any header is rebuilt (an inline function that moved into a
# header left objects calling the old out-of-line one)
newest_h=$(ls -t "$src"/core/*.h "$src"/capture/*.h "$src"/reassembly/*.h "$src"/dissectors/*.h "$src"/output/*.h \
    "$src"/dissectors/*.def | head -n 1)
for f in "$src"/core/*.c "$src"/capture/*.c "$src"/reassembly/*.c "$src"/dissectors/*.c "$src"/output/*.c; do
    case "$f" in */capture/source.c) continue ;; esac
    o="$out/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o"
    if [ ! -e "$o" ] || [ "$f" -nt "$o" ] || [ "$0" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
        echo "cc $f"
        $CC $CFLAGS -c "$f" -o "$o"
    fi
    objs="$objs $o"
done

link() { # name source extra-flags...
    name=$1 srcf=$2
    shift 2
    echo "link $name"
    $CC $CFLAGS -fsanitize=fuzzer "$@" "$src/tests/fuzz/$srcf" $objs $LIBS -o "$out/$name"
}
link fuzz_pipeline fuzz_pipeline.c
link fuzz_export fuzz_pipeline.c -DFUZZ_EXPORT
link fuzz_dns_name fuzz_dns_name.c
link fuzz_content_line fuzz_content_line.c
link fuzz_pairing fuzz_pairing.c
link fuzz_safe_name fuzz_safe_name.c
link fuzz_link fuzz_link.c
link fuzz_pcapng fuzz_pcapng.c
link fuzz_http fuzz_dissector.c -DFUZZ_PROTO='"http"'
link fuzz_dns fuzz_dissector.c -DFUZZ_PROTO='"dns"'
link fuzz_ftp fuzz_dissector.c -DFUZZ_PROTO='"ftp"'
link fuzz_ftp_data fuzz_dissector.c -DFUZZ_PROTO='"ftp-data"' -DFUZZ_FTP_DATA
link fuzz_telnet fuzz_dissector.c -DFUZZ_PROTO='"telnet"'
echo "targets in $out"
