#!/usr/bin/env bash
# mint.sh: how fast the sandbox CA mints leaf certificates, in this run, against
#   - one bare BearSSL ECDSA P-256 signature (the floor: what building the rest of the
#     certificate adds), and
#   - one OpenSSL ECDSA P-256 signature (`openssl speed`; the peer a squid or mitmproxy
#     style CA signs with).
# Prints microseconds per leaf and both ratios. $1 (the airlock binary) is unused:
# minting is measured through certtool, built here without sanitizers.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/out/bench"
n=${MINT_LEAVES:-2000}
mkdir -p "$out"
srcs=("$top"/proxy/tls/{der,rng,cert,pem,trust,ec_p256,ec_c25519}.c "$top"/net/base/{base64,file,safe_open,log,addr}.c)
gcc -std=c11 -D_GNU_SOURCE -O2 -I"$top" -o "$out/certtool" "$top/test/tools/certtool.c" \
	"${srcs[@]}" -lbearssl

leaf=$("$out/certtool" bench "$n" | awk '{print $(NF-3)}')
sign=$("$out/certtool" bench-sign "$n" | awk '{print $(NF-3)}')
# "256 bits ecdsa (nistp256)   0.0000s   0.0001s  41234.5  13456.7": sign/s is field -2.
ssl_signs=$(openssl speed -seconds 3 ecdsap256 2>/dev/null | awk '/nistp256/ {print $(NF-1)}' | tail -1)
ssl=$(awk -v s="$ssl_signs" 'BEGIN {printf "%.1f", 1e6 / s}')
r1=$(awk -v a="$leaf" -v b="$sign" 'BEGIN {printf "%.2f", a / b}')
r2=$(awk -v a="$leaf" -v b="$ssl" 'BEGIN {printf "%.2f", a / b}')
echo "mint: leaf ${leaf} us; BearSSL sign ${sign} us (ratio ${r1}); OpenSSL sign ${ssl} us (ratio ${r2})"
