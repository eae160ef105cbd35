#!/usr/bin/env bash
# Benchmark (not a test): start-up cost of `sandbox-exec -- /bin/true`, all layers on,
# against bubblewrap with the same namespaces, in the same run. Prints median wall times
# and their ratio. Needs root and Debian's bubblewrap.
#   test/bench/sandbox.sh out/airlock [RUNS]
# BENCH_SUMMARY=FILE appends the summary row (row, airlock, peer, ratio, target;
# tab-separated) to FILE.
set -euo pipefail
airlock=$(realpath "${1:?usage: sandbox.sh AIRLOCK [RUNS]}")
if [ -n "${BENCH_SUMMARY:-}" ]; then
	case $BENCH_SUMMARY in /*) ;; *) BENCH_SUMMARY=$PWD/$BENCH_SUMMARY ;; esac
	export BENCH_SUMMARY
fi
runs=${2:-200}
command -v bwrap >/dev/null || { echo "bwrap missing: apt-get install bubblewrap" >&2; exit 1; }
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cat >"$dir/policy.ini" <<INI
[sandbox]
user = 65534:65534
landlock = required
seccomp = required
[filesystem]
read_only = /usr /lib /lib64 /bin /etc
read_write = /tmp
INI
/usr/bin/python3 - "$airlock" "$dir/policy.ini" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
airlock, policy, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
cmds = {
    "airlock sandbox-exec": [airlock, "sandbox-exec", "--policy", policy, "--", "/bin/true"],
    "bwrap": ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
              "--dev-bind", "/", "/", "/bin/true"],
}
med = {}
for name, cmd in cmds.items():
    subprocess.run(cmd, check=True)  # warm up, and fail loudly if it does not work
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True)
        times.append(time.perf_counter() - t)
    med[name] = statistics.median(times)
    print(f"{name:22s} median {med[name]*1e3:7.2f} ms  p90 "
          f"{sorted(times)[int(runs*0.9)]*1e3:7.2f} ms  ({runs} runs)")
a, b = med["airlock sandbox-exec"], med["bwrap"]
print(f"ratio airlock/bwrap (median): {a/b:.2f} (target: <= 1.00)")
if os.environ.get("BENCH_SUMMARY"):
    with open(os.environ["BENCH_SUMMARY"], "a") as f:
        f.write(f"sandbox-exec -- /bin/true (median)\t{a*1e3:.2f} ms\tbwrap {b*1e3:.2f} ms\t"
                f"{a/b:.2f}\t<= 1.0\n")
PY
