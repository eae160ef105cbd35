#!/usr/bin/env bash
# Benchmark (not a test): what `airlock init` costs as PID 1, in this run, beside the
# inits Debian ships: tini, tini-static and dumb-init. For each one:
#   size  bytes of the binary (tini and dumb-init are dynamic: libc comes on top)
#   RSS   VmRSS of the init process, idle, supervising `sleep 1000`
# (tini with -s: a child subreaper, as airlock makes itself) and the ratio of each peer to airlock (peer / airlock: above 1 means airlock is
# smaller). Peers that are not installed are left out.
# Usage: test/bench/init.sh out/airlock
# BENCH_SUMMARY=FILE appends the summary row (row, airlock, peer, ratio, target;
# tab-separated; there the ratio is airlock / tini-static) to FILE.
set -euo pipefail
airlock=$(realpath "${1:?usage: init.sh AIRLOCK}")
summary() { # summary ROW AIRLOCK PEER RATIO TARGET: one row into $BENCH_SUMMARY, if set
	[ -n "${BENCH_SUMMARY:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"
}

# rss_kb CMD...: starts CMD (an init running sleep 1000), reads its VmRSS once it has
# settled, then stops it.
rss_kb() {
	"$@" sleep 1000 &
	local pid=$! rss=""
	sleep 0.5
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ -n "$rss" ] || { echo "init.sh: could not read the RSS of: $*" >&2; exit 1; }
	echo "$rss"
}

size_of() { stat -L -c %s "$1"; }

a_size=$(size_of "$airlock")
a_rss=$(rss_kb "$airlock" init --)
printf '%-12s %10s %9s %12s %11s\n' init "size (B)" "RSS (kB)" "size ratio" "RSS ratio"
printf '%-12s %10d %9d %12s %11s\n' airlock "$a_size" "$a_rss" 1.00 1.00

peer() { # peer NAME BINARY ARGS-BEFORE-CMD...
	local name=$1 bin=$2
	shift 2
	if ! [ -x "$bin" ]; then
		echo "init.sh: $bin not installed (apt-get install ${name%-static}); skipped" >&2
		return 0
	fi
	local size rss
	size=$(size_of "$bin")
	rss=$(rss_kb "$bin" "$@")
	[ "$name" = tini-static ] && tini_static_rss=$rss
	printf '%-12s %10d %9d %12s %11s\n' "$name" "$size" "$rss" \
		"$(awk -v p="$size" -v a="$a_size" 'BEGIN {printf "%.2f", p / a}')" \
		"$(awk -v p="$rss" -v a="$a_rss" 'BEGIN {printf "%.2f", p / a}')"
}

tini_static_rss=""
peer tini /usr/bin/tini -s --
peer tini-static /usr/bin/tini-static -s --
peer dumb-init /usr/bin/dumb-init
echo "(ratios: peer / airlock; airlock is static with BearSSL, libseccomp and the proxy inside)"

if [ -n "${tini_static_rss:-}" ]; then
	summary "idle RSS of airlock init" "$a_rss kB" "tini-static $tini_static_rss kB" \
		"$(awk -v a="$a_rss" -v p="$tini_static_rss" 'BEGIN {printf "%.2f", a / p}')" "<= 0.5"
else
	summary "idle RSS of airlock init" "$a_rss kB" "tini-static not installed" "-" "<= 0.5"
fi
