#!/usr/bin/env bash
# Benchmark (not a test): the egress proxy, measured from inside `sandbox-exec`, against
# the same client going directly to the same server, in the same run.
#   1. 1 GiB download over one connection (curl): throughput direct vs through airlock
#      (median of PROXY_RUNS (3) runs each, alternating).
#   2. 10,000 small requests on one keep-alive connection (curl -K): wall time ratio.
#   3. The proxy worker's peak RSS while 1,000 tunnels are open, and per connection.
# Needs root (sandbox-exec). Usage: test/bench/proxy.sh out/airlock [MiB]
# BENCH_SUMMARY=FILE appends the summary row of 1. (row, airlock, peer, ratio, target;
# tab-separated) to FILE.
set -euo pipefail
airlock=$(realpath "${1:?usage: proxy.sh AIRLOCK [MiB]}")
mib=${2:-1024}
runs=${PROXY_RUNS:-3}
summary() { # summary ROW AIRLOCK PEER RATIO TARGET: one row into $BENCH_SUMMARY, if set
	[ -n "${BENCH_SUMMARY:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"
}
median() { sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
py=/usr/bin/python3
dir=$(mktemp -d)
chmod 755 "$dir"
pids=()
cleanup() {
	for p in "${pids[@]}" $(cat "$dir"/*.pid 2>/dev/null); do kill "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT

# A fast origin: answers GET /big with $mib MiB, anything else with 2 bytes, keep-alive.
cat >"$dir/origin.py" <<'PY'
import socket, sys, threading
size = int(sys.argv[1]) << 20
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(1024); print(s.getsockname()[1], flush=True)
blob = b"x" * (1 << 20)
def serve(c):
    buf = b""
    while True:
        while b"\r\n\r\n" not in buf:
            d = c.recv(65536)
            if not d: return c.close()
            buf += d
        head, _, buf = buf.partition(b"\r\n\r\n")
        if b" /big " in head.split(b"\r\n")[0]:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
            for _ in range(size >> 20): c.sendall(blob)
        else:
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
# An echo server for the tunnels (selectors, one thread).
cat >"$dir/echo.py" <<'PY'
import selectors, socket, resource
h = resource.getrlimit(resource.RLIMIT_NOFILE)[1]; resource.setrlimit(resource.RLIMIT_NOFILE, (h, h))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(4096); s.setblocking(False); print(s.getsockname()[1], flush=True)
sel = selectors.DefaultSelector(); sel.register(s, selectors.EVENT_READ)
while True:
    for k, _ in sel.select():
        if k.fileobj is s:
            c, _ = s.accept(); c.setblocking(False); sel.register(c, selectors.EVENT_READ)
        else:
            try: d = k.fileobj.recv(65536)
            except OSError: d = b""
            if d: k.fileobj.send(d)
            else: sel.unregister(k.fileobj); k.fileobj.close()
PY
# Inside the sandbox: 1,000 tunnels, each with a ClientHello echoed back, held open.
cat >"$dir/tunnels.py" <<'PY'
import resource, socket, ssl, sys, time
h = resource.getrlimit(resource.RLIMIT_NOFILE)[1]; resource.setrlimit(resource.RLIMIT_NOFILE, (h, h))
ctx = ssl.create_default_context(); i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = ctx.wrap_bio(i, o, server_hostname="echo.test")
try: obj.do_handshake()
except ssl.SSLWantReadError: pass
hello = o.read(); socks = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", 3128), timeout=30)
    s.sendall(b"CONNECT echo.test:443 HTTP/1.1\r\n\r\n"); socks.append(s)
for s in socks:
    head = b""
    while b"\r\n\r\n" not in head: head += s.recv(4096)
    s.sendall(hello)
for s in socks:
    got = 0
    while got < len(hello): got += len(s.recv(65536))
print("ready", flush=True)
time.sleep(3)
PY

# start NAME CMD...: runs CMD in the background, waits for the port it prints.
start() {
	local name=$1; shift
	"$@" >"$dir/$name.port" 2>"$dir/$name.err" &
	echo $! >"$dir/$name.pid" # this runs in $(...): the parent reads the pid file
	for _ in $(seq 100); do [ -s "$dir/$name.port" ] && break; sleep 0.1; done
	head -n1 "$dir/$name.port"
}
oport=$(start origin "$py" "$dir/origin.py" "$mib")
eport=$(start echo "$py" "$dir/echo.py")

cat >"$dir/policy.ini" <<INI
[sandbox]
user = 65534:65534
[filesystem]
read_only = /usr /lib /lib64 /bin /sbin /etc $dir
read_write = /tmp
[network]
allow = bench.test:80
passthrough = echo.test
map = bench.test 127.0.0.1:$oport
map = echo.test 127.0.0.1:$eport
INI
sx() { env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy -u NO_PROXY -u no_proxy \
	"$airlock" sandbox-exec --policy "$dir/policy.ini" -- "$@"; }

# 1. Throughput.
for _ in $(seq "$runs"); do
	curl -s -o /dev/null -w '%{speed_download}\n' --noproxy '*' "http://127.0.0.1:$oport/big" >>"$dir/thr.direct"
	sx curl -s -o /dev/null -w '%{speed_download}\n' "http://bench.test/big" >>"$dir/thr.airlock"
done
direct=$(median <"$dir/thr.direct")
through=$(median <"$dir/thr.airlock")
awk -v d="$direct" -v t="$through" -v m="$mib" -v r="$runs" 'BEGIN {
	printf "proxy: %d MiB download: direct %.0f MB/s, through airlock %.0f MB/s (ratio %.2f; median of %d runs)\n",
		m, d / 1e6, t / 1e6, t / d, r }'
summary "plain http:// download" \
	"$(awk -v d="$direct" -v t="$through" 'BEGIN {printf "%.2f of direct, %.0f MB/s", t / d, t / 1e6}')" \
	"-" "$(awk -v d="$direct" -v t="$through" 'BEGIN {printf "%.2f", t / d}')" ">= 0.7"

# 2. 10,000 small requests on one keep-alive connection.
for i in $(seq 10000); do echo "url = \"http://127.0.0.1:$oport/s\""; echo 'output = "/dev/null"'; done >"$dir/direct.cfg"
sed "s#127.0.0.1:$oport#bench.test#" "$dir/direct.cfg" >"$dir/proxied.cfg"
t0=$(date +%s.%N); curl -s --noproxy '*' -K "$dir/direct.cfg"; t1=$(date +%s.%N)
sx curl -s -K "$dir/proxied.cfg"; t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
	d = (b - a) * 1e6 / 10000; p = (c - b) * 1e6 / 10000
	printf "proxy: 10000 keep-alive requests: direct %.0f us/req, through airlock %.0f us/req (ratio %.2f; includes sandbox start)\n", d, p, p / d }'

# 3. Peak RSS of the supervisor with 1,000 open tunnels.
env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy "$airlock" sandbox-exec \
	--policy "$dir/policy.ini" -- "$py" "$dir/tunnels.py" >"$dir/tunnels.out" 2>&1 &
sup=$!
pids+=("$sup")
for _ in $(seq 600); do grep -q ready "$dir/tunnels.out" 2>/dev/null && break; sleep 0.1; done
# the connections live in sandbox-exec's proxy worker (init/privsep.h)
# (a build from before the split serves them in sandbox-exec itself)
worker=$(for c in $(cat "/proc/$sup/task/$sup/children"); do
	if [ "$(cat "/proc/$c/comm")" = airlock-proxy ]; then echo "$c"; fi; done)
worker=${worker:-$sup}
rss=$(awk '/VmHWM/ {print $2}' "/proc/$worker/status")
wait "$sup" || true
awk -v r="$rss" 'BEGIN { printf "proxy: proxy worker peak RSS with 1000 open tunnels: %.1f MiB (%.1f KiB per tunnel, upper bound)\n", r / 1024, r / 1000 }'
