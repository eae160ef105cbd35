#!/usr/bin/env bash
# Benchmark (not a test: it prints, never asserts): many sandboxes at once, as the agent
# runner has them (one per conversation). Starts MANY_N (20) concurrent `airlock
# sandbox-exec` sandboxes, each with a policy of its own: its own uid (61000 + i), its own
# host name b<i>.bench.test (allow + map to one local nginx TLS server on 127.0.0.1,
# nginx-light offering TLS 1.2 and 1.3 with its default ciphers; trust = the test CA),
# max_processes 24 + i. Each runs test/bench/many/client.py: Python http.client, one
# keep-alive HTTPS connection through its own proxy (CONNECT, TLS terminated by its own
# sandbox CA), GETs of a 2-byte file for MANY_SECS (15) seconds, all sandboxes in the same
# window. Measured (test/bench/many/run.py):
#   a. total RSS (and PSS) of every airlock process of the N sandboxes (monitors, CA
#      processes, proxy workers, the sandboxes' PID 1 reapers): /proc/PID/exe is the
#      airlock binary, at +1.5 s and near the end; per sandbox and per role
#   b. start-up of `sandbox-exec -- /bin/true`, median of MANY_STARTS (15) runs, idle
#      (before) and while the N serve; their ratio
#   c. requests per second, total and per sandbox, and every failed request
#   d. limits: MANY_BOMBERS (2) of the sandboxes run a fork loop halfway through, which
#      must stop with EAGAIN at exactly that sandbox's own max_processes (counted in its
#      own /proc) while every other sandbox keeps serving with no failed request
# Takes about MANY_SECS + 15 s. Needs root (sandbox-exec), nginx-light, openssl.
#   test/bench/many.sh out/airlock
# BENCH_SUMMARY=FILE appends the summary rows (row, airlock, peer/limit, ratio, target;
# tab-separated) to FILE.
set -euo pipefail
airlock=$(realpath "${1:?usage: many.sh AIRLOCK}")
here=$(cd "$(dirname "$0")" && pwd)/many
n=${MANY_N:-20}
secs=${MANY_SECS:-15}
bombers=${MANY_BOMBERS:-2}
starts=${MANY_STARTS:-15}
py=/usr/bin/python3
if [ -n "${BENCH_SUMMARY:-}" ]; then
	case $BENCH_SUMMARY in /*) ;; *) BENCH_SUMMARY=$PWD/$BENCH_SUMMARY ;; esac
	export BENCH_SUMMARY
fi

say() { echo "many: $*"; }
die() { echo "many: $*" >&2; exit 1; }
command -v nginx >/dev/null || die "nginx missing (apt-get install nginx-light)"
command -v openssl >/dev/null || die "openssl missing (apt-get install openssl)"

dir=$(mktemp -d /tmp/airlock-many.XXXXXX)
chmod 755 "$dir" # every sandbox user reads its client and the CA from here
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cp "$here/client.py" "$dir/client.py" # Landlock lets the sandboxes read $dir, not the tree

free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() { # wait_port PORT LOG: until something accepts on 127.0.0.1:PORT (15 s)
	local i
	for i in $(seq 150); do
		if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	[ -f "$2" ] && tail -n 5 "$2" >&2
	return 1
}

# --- the test PKI and the server (as mitm.sh) -------------------------------------------
openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ca.key" 2>/dev/null
openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=airlock bench many ca" -days 2 \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out "$dir/ca.pem" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$dir/server.key" 2>/dev/null
openssl req -new -key "$dir/server.key" -subj "/CN=bench.test" -out "$dir/server.csr" 2>/dev/null
san="DNS:start.bench.test"
for i in $(seq 0 $((n - 1))); do san+=",DNS:b$i.bench.test"; done
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' \
	"$san" >"$dir/server.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -set_serial 7 \
	-days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
chmod 644 "$dir"/*.pem

mkdir -p "$dir/www" "$dir/nginx"
printf ok >"$dir/www/s"
chmod -R a+rX "$dir/www"
sport=$(free_port)
cat >"$dir/nginx.conf" <<EOF
daemon off;
worker_processes 2;
worker_rlimit_nofile 8192;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $dir/nginx/body;
	proxy_temp_path $dir/nginx/proxy;
	fastcgi_temp_path $dir/nginx/fastcgi;
	uwsgi_temp_path $dir/nginx/uwsgi;
	scgi_temp_path $dir/nginx/scgi;
	default_type application/octet-stream;
	keepalive_requests 1000000;
	keepalive_timeout 300s;
	server {
		listen 127.0.0.1:$sport ssl;
		ssl_certificate $dir/server.pem;
		ssl_certificate_key $dir/server.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $dir/www;
	}
}
EOF
nginx -c "$dir/nginx.conf" -e "$dir/nginx/error.log" >"$dir/nginx/out.log" 2>&1 &
pids+=($!)
wait_port "$sport" "$dir/nginx/error.log" || die "nginx did not start (see above)"

# --- one policy per sandbox --------------------------------------------------------------
# policy NAME HOST UID LIMIT
policy() {
	cat >"$dir/policy.$1.ini" <<EOF
[sandbox]
user = $3:$3
max_processes = $4
[filesystem]
read_only = /usr /lib /lib64 /bin /sbin /etc $dir
[network]
allow = $2:$sport
map = $2:$sport 127.0.0.1:$sport
trust = $dir/ca.pem
EOF
}
: >"$dir/targets"
: >"$dir/limits"
for i in $(seq 0 $((n - 1))); do
	policy "$i" "b$i.bench.test" $((61000 + i)) $((24 + i))
	echo "b$i.bench.test:$sport" >>"$dir/targets"
	echo $((24 + i)) >>"$dir/limits"
done
policy start start.bench.test 60999 64

# How the limit is enforced here (a pids cgroup per sandbox, or RLIMIT_NPROC on its uid).
how=$(env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy \
	"$airlock" sandbox-exec -v --policy "$dir/policy.0.ini" -- /bin/true 2>&1 |
	sed -n 's/^airlock: process limit: //p' | head -n 1)
say "server: nginx $(nginx -v 2>&1 | sed 's,.*/,,') on 127.0.0.1:$sport (TLS 1.2 and 1.3, default ciphers); $n sandboxes"
say "process limit here: ${how:-unknown (sandbox-exec -v did not say)}"

"$py" "$here/run.py" "$airlock" "$dir" "$n" "$secs" "$bombers" "$starts"
