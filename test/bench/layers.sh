#!/usr/bin/env bash
# Benchmark (not a test): what the Landlock and seccomp layers cost a busy program, in
# this run, against the same program bare and under bubblewrap (namespaces, no filter,
# no Landlock: the peer without these two layers).
#   1. syscalls: dd copying N single bytes from /dev/zero to /dev/null (2N system calls,
#      each one through the seccomp filter)
#   2. opens: python opening and closing a file under /usr N times (each path walk
#      checked by Landlock)
# Each workload times itself (start-up of the sandbox is not counted: bench/sandbox.sh
# measures that). Prints seconds per run and the ratios against bare and bubblewrap.
# Needs root (sandbox-exec). Usage: test/bench/layers.sh out/airlock [N]
set -euo pipefail
airlock=$(realpath "${1:?usage: layers.sh AIRLOCK [N]}")
n=${2:-1000000}
py=/usr/bin/python3
dir=$(mktemp -d)
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT
cat >"$dir/policy.ini" <<EOF
[sandbox]
user = 65534:65534
[filesystem]
read_only = /usr /lib /lib64 /bin /etc
EOF

# Both workloads print their own elapsed seconds on stdout.
syscalls="dd if=/dev/zero of=/dev/null bs=1 count=$n 2>&1 | sed -n 's/.*copied, \\([0-9.]*\\) s.*/\\1/p'"
opens="import os, time
t = time.monotonic()
for _ in range($n // 10):
    os.close(os.open('/usr/lib/os-release', os.O_RDONLY))
print('%.3f' % (time.monotonic() - t))"

secs() { # secs CMD...: the seconds the workload reports
	local s
	s=$("$@" 2>/dev/null | tail -n 1)
	[ -n "$s" ] || { echo "layers.sh: no timing from: $*" >&2; exit 1; }
	echo "$s"
}

bench() { # bench NAME CMD...
	local name=$1 bare air bw
	shift
	bare=$(secs "$@")
	air=$(secs "$airlock" sandbox-exec --policy "$dir/policy.ini" -- "$@")
	bw=$(secs bwrap --unshare-all --die-with-parent --ro-bind / / --dev /dev --proc /proc "$@")
	awk -v n="$name" -v a="$bare" -v b="$air" -v c="$bw" 'BEGIN {
		printf "layers %s: bare %ss, airlock %ss, bwrap %ss; airlock/bare %.2f, airlock/bwrap %.2f\n",
			n, a, b, c, b / a, b / c }'
}

bench "syscalls (dd, $((2 * n)) calls)" /bin/sh -c "$syscalls"
bench "opens (python, $((n / 10)) opens)" "$py" -c "$opens"
