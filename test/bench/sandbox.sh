#!/usr/bin/env bash
# Benchmark (not a test): start-up cost of `sandbox-exec -- /bin/true`, all layers on,
# against bubblewrap with the same namespaces, in the same run. Prints median wall times
# and their ratio. Needs root and Debian's bubblewrap.
#   test/bench/sandbox.sh out/airlock [RUNS]
set -euo pipefail
airlock=$(realpath "${1:?usage: sandbox.sh AIRLOCK [RUNS]}")
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
import statistics, subprocess, sys, time
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
print(f"ratio airlock/bwrap (median): {med['airlock sandbox-exec']/med['bwrap']:.2f} "
      "(target: <= 1.00)")
PY
