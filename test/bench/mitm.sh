#!/usr/bin/env bash
# Benchmark (not a test: it prints, never asserts): what TLS termination ("MITM") in
# airlock's proxy costs, in this run, against the same client going directly to the same
# server and against the intercepting proxies Debian ships, all on 127.0.0.1:
#   direct      client -> nginx
#   airlock     client inside `airlock sandbox-exec` -> airlock (allow + map + trust) -> nginx
#   squid       client -> squid-openssl (ssl_bump bump all, security_file_certgen) -> nginx
#   mitmproxy   client -> mitmdump (streaming bodies) -> nginx
# The server is nginx-light with an ECDSA P-256 certificate from a test CA, a sparse
# 256 MiB file and a 2-byte file, on two ports:
#   TLS 1.2 port   TLS 1.2 only, ECDHE-ECDSA-AES128-GCM-SHA256 only
#   defaults port  TLS 1.2 and 1.3, nginx's default ciphers (what a real server offers)
# Clients: curl for the download, test/bench/mitm/client.py (Python ssl, one code path for
# all four) for the rest. Measured:
#   1. throughput: the 256 MiB download with curl, MB/s (median of MITM_RUNS runs), twice:
#      a. curl defaults: no --tlsv1.2 or --ciphers, the defaults port. The direct leg
#         negotiates TLS 1.3, as a user sees it; airlock's legs are TLS 1.2 (BearSSL has
#         no TLS 1.3): the honest comparison. The peers negotiate what they like. The
#         protocols and suites each leg negotiated are printed.
#      b. TLS 1.2 both legs: every leg TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 (curl
#         forced, the TLS 1.2 port), which keeps the crypto cost equal.
#   2. latency: 10,000 GETs on one keep-alive connection, median and p99 per request
#   3. handshakes: fresh connection + TLS + one GET, median over 200
#   4. leaf minting: certtool bench (built here without sanitizers)
#   5. memory: RSS of the proxy process with 1,000 open intercepted connections, minus
#      its RSS before them, per connection (airlock: sandbox-exec's proxy worker)
# 2., 3. and 5. use client.py, TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256 on every leg, the
# TLS 1.2 port. Prints the ratios against direct and squid beside the targets (download
# with curl defaults >= 0.45 of direct, TLS 1.2 both legs >= 0.60 and above squid; added
# median latency < 40 us; a new MITM connection <= 2x direct; minting < 1 ms; < 100 KiB
# per open MITM connection). A peer that is not installed is left out with a note.
# Needs root (sandbox-exec) and nginx-light; squid-openssl and mitmproxy are optional.
#   test/bench/mitm.sh out/airlock
# Sizes: MITM_MIB (256; it was 1 GiB, cut to keep ./build.sh bench short now that the
# download runs twice), MITM_REQUESTS (10000), MITM_HANDSHAKES (200), MITM_CONNS (1000),
# MITM_RUNS (5).
# BENCH_SUMMARY=FILE appends the summary rows (row, airlock, peers or limit, ratio, target;
# tab-separated) to FILE.
set -euo pipefail
airlock=$(realpath "${1:?usage: mitm.sh AIRLOCK}")
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/test/bench/mitm"
mib=${MITM_MIB:-256}
nreq=${MITM_REQUESTS:-10000}
nhs=${MITM_HANDSHAKES:-200}
nconn=${MITM_CONNS:-1000}
runs=${MITM_RUNS:-5}
py=/usr/bin/python3
host=bench.test
tls12=(--tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256)
if [ -n "${BENCH_SUMMARY:-}" ]; then
	case $BENCH_SUMMARY in /*) ;; *) BENCH_SUMMARY=$PWD/$BENCH_SUMMARY ;; esac
fi
summary() { # summary ROW AIRLOCK PEER RATIO TARGET: one row into $BENCH_SUMMARY, if set
	[ -n "${BENCH_SUMMARY:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"
}

say() { echo "mitm: $*"; }
die() { echo "mitm: $*" >&2; exit 1; }

dir=$(mktemp -d /tmp/airlock-mitm.XXXXXX)
chmod 755 "$dir" # the sandbox user reads the client and the CA from here
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cp "$here/client.py" "$dir/client.py" # Landlock lets the sandbox read $dir, not the tree

free_port() {
	"$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_port PORT NAME LOG: until something accepts on 127.0.0.1:PORT (at most 15 s).
wait_port() {
	local i
	for i in $(seq 150); do
		if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	[ -f "$3" ] && tail -n 5 "$3" >&2
	return 1
}
median() { sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

command -v nginx >/dev/null || die "nginx missing (apt-get install nginx-light): it is the server every path uses"
command -v curl >/dev/null || die "curl missing (apt-get install curl)"

# --- the test PKI and the server ---------------------------------------------------------

# mkca NAME: an EC P-256 CA in NAME.key / NAME.pem.
mkca() {
	openssl ecparam -name prime256v1 -genkey -noout -out "$dir/$1.key" 2>/dev/null
	openssl req -x509 -new -key "$dir/$1.key" -subj "/CN=airlock bench $1" -days 2 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$dir/$1.pem" 2>/dev/null
}
mkca ca
openssl ecparam -name prime256v1 -genkey -noout -out "$dir/server.key" 2>/dev/null
openssl req -new -key "$dir/server.key" -subj "/CN=$host" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' \
	"$host" >"$dir/server.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -set_serial 7 \
	-days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
chmod 644 "$dir"/*.pem

mkdir -p "$dir/www" "$dir/nginx"
truncate -s "$((mib << 20))" "$dir/www/big" # sparse: read from memory, no disk in the way
printf ok >"$dir/www/s"
chmod -R a+rX "$dir/www"
sport=$(free_port) # the TLS 1.2 port
dport=$(free_port) # the defaults port
while [ "$dport" = "$sport" ]; do dport=$(free_port); done
cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
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
	log_format legs '\$args \$ssl_protocol \$ssl_cipher';
	server {
		listen 127.0.0.1:$sport ssl;
		ssl_certificate $dir/server.pem;
		ssl_certificate_key $dir/server.key;
		ssl_protocols TLSv1.2;
		ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;
		# session IDs, as most production servers keep them (nginx's default keeps
		# none): airlock resumes its upstream sessions; the direct client does not
		ssl_session_cache shared:bench:1m;
		root $dir/www;
	}
	server {
		listen 127.0.0.1:$dport ssl;
		ssl_certificate $dir/server.pem;
		ssl_certificate_key $dir/server.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $dir/www;
		location = /legs { access_log $dir/nginx/legs.log legs; try_files /s =404; }
	}
}
EOF
nginx -c "$dir/nginx.conf" -e "$dir/nginx/error.log" >"$dir/nginx/out.log" 2>&1 &
pids+=($!)
wait_port "$sport" nginx "$dir/nginx/error.log" || die "nginx did not start (see above)"
wait_port "$dport" nginx "$dir/nginx/error.log" || die "nginx did not start (see above)"
target="$host:$sport"
dtarget="$host:$dport"

# --- the paths -----------------------------------------------------------------------
# Each path has: run_PATH CMD... (runs a client command on that path; "{PROXY}" and
# "{CA}" in its arguments are replaced), curl options, and the proxy's PID for memory.

paths=(direct)
declare -A proxy_addr ca_file

ca_file[direct]="$dir/ca.pem"

# airlock: the client runs inside the sandbox; the proxy answers at 127.0.0.1:3128 there.
cat >"$dir/policy.ini" <<EOF
[sandbox]
user = 65534:65534
[filesystem]
read_only = /usr /lib /lib64 /bin /sbin /etc $dir
read_write = /tmp
[network]
allow = $host:$sport
allow = $host:$dport
map = $host:$sport 127.0.0.1:$sport
map = $host:$dport 127.0.0.1:$dport
trust = $dir/ca.pem
EOF
sx() {
	env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy -u ALL_PROXY -u all_proxy \
		"$airlock" sandbox-exec --policy "$dir/policy.ini" -- "$@"
}
if sx curl -sS --max-time 20 "${tls12[@]}" -x http://127.0.0.1:3128 --cacert /run/airlock/ca.pem \
	-o /dev/null "https://$target/s" 2>"$dir/airlock.check"; then
	paths+=(airlock)
	proxy_addr[airlock]=127.0.0.1:3128
	ca_file[airlock]=/run/airlock/ca.pem
else
	say "note: a GET through airlock's TLS termination failed; airlock left out:"
	sed 's/^/mitm:   /' "$dir/airlock.check"
fi

# squid-openssl: bump every CONNECT, leaves from security_file_certgen; upstream trust is
# the test CA; bench.test resolves through its own hosts file.
if [ -x /usr/sbin/squid ] && [ -x /usr/lib/squid/security_file_certgen ] &&
	/usr/sbin/squid -v 2>/dev/null | grep -q -- '--with-openssl'; then
	mkca squidca
	qport=$(free_port)
	mkdir -p "$dir/squid"
	echo "127.0.0.1 $host" >"$dir/squid/hosts"
	/usr/lib/squid/security_file_certgen -c -s "$dir/squid/ssl_db" -M 16MB >/dev/null
	chown -R proxy:proxy "$dir/squid"
	chmod 644 "$dir/squidca.key" # squid reads it after dropping to the proxy user
	cat >"$dir/squid.conf" <<EOF
http_port 127.0.0.1:$qport ssl-bump tls-cert=$dir/squidca.pem tls-key=$dir/squidca.key generate-host-certificates=on dynamic_cert_mem_cache_size=16MB
sslcrtd_program /usr/lib/squid/security_file_certgen -s $dir/squid/ssl_db -M 16MB
sslcrtd_children 5 startup=1 idle=1
acl step1 at_step SslBump1
ssl_bump peek step1
ssl_bump bump all
tls_outgoing_options cafile=$dir/ca.pem min-version=1.2
http_access allow all
cache deny all
cache_mem 8 MB
hosts_file $dir/squid/hosts
access_log none
cache_log $dir/squid/cache.log
pid_filename $dir/squid/squid.pid
coredump_dir $dir/squid
visible_hostname airlock-bench
pinger_enable off
shutdown_lifetime 0 seconds
max_filedescriptors 8192
EOF
	/usr/sbin/squid -N -f "$dir/squid.conf" >"$dir/squid/out.log" 2>&1 &
	pids+=($!)
	proxy_pid_squid=$!
	if wait_port "$qport" squid "$dir/squid/cache.log" &&
		curl -sS --max-time 20 "${tls12[@]}" -x "http://127.0.0.1:$qport" --cacert "$dir/squidca.pem" \
			-o /dev/null "https://$target/s" 2>"$dir/squid.check"; then
		paths+=(squid)
		proxy_addr[squid]=127.0.0.1:$qport
		ca_file[squid]=$dir/squidca.pem
	else
		say "note: squid did not bump a GET; squid left out:"
		sed 's/^/mitm:   /' "$dir/squid.check" "$dir/squid/cache.log" 2>/dev/null | tail -n 5
	fi
else
	say "note: squid with OpenSSL not installed (apt-get install squid-openssl); squid left out"
fi

# mitmproxy: mitmdump with our own EC P-256 CA (same leaf key type as the others),
# streaming bodies (it would otherwise hold the whole 1 GiB), upstream trust = test CA.
if command -v mitmdump >/dev/null; then
	mkca mitmca
	mkdir -p "$dir/mitmproxy"
	cat "$dir/mitmca.key" "$dir/mitmca.pem" >"$dir/mitmproxy/mitmproxy-ca.pem"
	mport=$(free_port)
	BENCH_HOST=$host mitmdump --listen-host 127.0.0.1 --listen-port "$mport" \
		--set confdir="$dir/mitmproxy" --set ssl_verify_upstream_trusted_ca="$dir/ca.pem" \
		--set stream_large_bodies=64k --set flow_detail=0 --set termlog_verbosity=error \
		-s "$here/mitm_resolve.py" >"$dir/mitmproxy/out.log" 2>&1 &
	pids+=($!)
	proxy_pid_mitmproxy=$!
	if wait_port "$mport" mitmproxy "$dir/mitmproxy/out.log" &&
		curl -sS --max-time 20 "${tls12[@]}" -x "http://127.0.0.1:$mport" --cacert "$dir/mitmca.pem" \
			-o /dev/null "https://$target/s" 2>"$dir/mitmproxy.check"; then
		paths+=(mitmproxy)
		proxy_addr[mitmproxy]=127.0.0.1:$mport
		ca_file[mitmproxy]=$dir/mitmca.pem
	else
		say "note: mitmproxy did not intercept a GET; mitmproxy left out:"
		cat "$dir/mitmproxy.check" "$dir/mitmproxy/out.log" 2>/dev/null | tail -n 5 | sed 's/^/mitm:   /'
	fi
else
	say "note: mitmproxy not installed (apt-get install mitmproxy); mitmproxy left out"
fi

# sx_timed CMD...: sx CMD, and the supervisor's own CPU time while CMD ran, in ms, into
# $dir/supcpu.last (from /proc/PID/stat, so no profiler is needed). CPU time per GiB,
# request or handshake is steadier than wall time on a busy machine, and it is what the
# supervisor alone costs. CMD starts 0.5 s after the sandbox, once the first reading is
# taken, and the sandbox lingers 0.5 s after it, for the second.
sx_timed() {
	local out="$dir/sx.out" t0 t1 i st
	: >"$out"
	env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy -u ALL_PROXY -u all_proxy \
		"$airlock" sandbox-exec --policy "$dir/policy.ini" -- /bin/sh -c \
		'sleep 0.5; "$@"; s=$?; echo "__done__ $s"; sleep 0.5; exit $s' sh "$@" >"$out" &
	local sup=$!
	sleep 0.25
	t0=$(cpu_ticks "$sup")
	for i in $(seq 12000); do
		grep -q '^__done__' "$out" && break
		kill -0 "$sup" 2>/dev/null || break # the sandbox did not start, or died
		sleep 0.05
	done
	t1=$(cpu_ticks "$sup")
	wait "$sup" || true
	awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {print (b - a) * 1000 / hz}' >"$dir/supcpu.last"
	grep -v '^__done__' "$out" || true
	st=$(sed -n 's/^__done__ //p' "$out")
	return "${st:-1}"
}
# cpu_ticks PID: user + system clock ticks so far (fields 14 and 15) of the supervisor
# PID and its helpers (the proxy worker and the CA process, init/privsep.h).
cpu_ticks() {
	local p t=0
	for p in "$1" $(helper_pids "$1"); do
		t=$((t + $(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0)))
	done
	echo "$t"
}
# helper_pids PID: the airlock-proxy and airlock-ca children of sandbox-exec PID.
helper_pids() {
	local c
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		case $(cat "/proc/$c/comm" 2>/dev/null) in airlock-*) echo "$c" ;; esac
	done
}
# worker_pid PID: the proxy worker of sandbox-exec PID (where the connections live).
worker_pid() {
	local c
	for c in $(helper_pids "$1"); do
		if [ "$(cat "/proc/$c/comm")" = airlock-proxy ]; then echo "$c"; fi
	done
}

# on PATH CMD...: runs CMD as a client of PATH (inside the sandbox for airlock, timing
# the supervisor's CPU).
on() {
	local path=$1
	shift
	if [ "$path" = airlock ]; then sx_timed "$@"; else "$@"; fi
}
# keep_cpu PATH FILE: for airlock, appends the supervisor CPU of the last run to FILE.
keep_cpu() { if [ "$1" = airlock ]; then cat "$dir/supcpu.last" >>"$2"; fi; }
# client PATH ARGS...: client.py on PATH.
client() {
	local path=$1
	shift
	local opt=(--target "$target" --cafile "${ca_file[$path]}")
	if [ "$path" = direct ]; then opt+=(--addr "127.0.0.1:$sport"); else opt+=(--proxy "${proxy_addr[$path]}"); fi
	on "$path" timeout 600 "$py" "$dir/client.py" "$@" "${opt[@]}"
}
# curl_opts PATH MODE: into the array copt, curl's options for PATH and MODE (tls12: the
# TLS 1.2 port, TLS 1.2 and the one suite forced; defaults: the defaults port, nothing
# forced), and the URL prefix into curl_url.
curl_opts() {
	local t=$target
	copt=(--cacert "${ca_file[$1]}")
	if [ "$2" = tls12 ]; then copt+=("${tls12[@]}"); else t=$dtarget; fi
	if [ "$1" = direct ]; then
		copt+=(--resolve "$t:127.0.0.1" --noproxy '*')
	else
		copt+=(-x "http://${proxy_addr[$1]}")
	fi
	curl_url="https://$t"
}
# curl_speed PATH MODE: one download of /big, bytes per second.
curl_speed() {
	local copt curl_url
	curl_opts "$1" "$2"
	on "$1" curl -sS --max-time 600 "${copt[@]}" -o /dev/null \
		-w '%{speed_download}\n' "$curl_url/big"
}
# legs PATH: with curl defaults, the client leg's protocol and suite (as curl says) and
# the server leg's (as nginx logged it for this path's GET of /legs?PATH).
legs() {
	local copt curl_url client server
	curl_opts "$1" defaults
	client=$(if [ "$1" = airlock ]; then sx curl -v -sS --max-time 20 "${copt[@]}" -o /dev/null "$curl_url/legs?$1"
		else curl -v -sS --max-time 20 "${copt[@]}" -o /dev/null "$curl_url/legs?$1"; fi 2>&1 |
		sed -n 's/^\* SSL connection using //p' | tail -n 1 || true)
	sleep 0.2 # nginx writes the log line once the connection is done with the request
	server=$(awk -v p="$1" '$1 == p {print $2 " / " $3}' "$dir/nginx/legs.log" 2>/dev/null | tail -n 1 || true)
	say "  $1: client leg ${client:-?}; server leg ${server:-?}"
}

say "server: nginx $(nginx -v 2>&1 | sed 's,.*/,,') on 127.0.0.1: $sport (TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256), $dport (TLS 1.2 and 1.3, nginx's default ciphers); paths: ${paths[*]}"
say "with curl defaults, the legs negotiate:"
for p in "${paths[@]}"; do legs "$p"; done

declare -A thr thr12 lat_med lat_p99 hs_med hs_p99 rss_per rss_base rss_full

# 1. Throughput: the runs alternate between paths and modes, so a busy moment hits all alike.
# One download first, not counted: the first after a pause is slower (CPU clock, caches).
curl_speed direct defaults >/dev/null || true
for i in $(seq "$runs"); do
	for p in "${paths[@]}"; do
		echo "$(curl_speed "$p" defaults)" >>"$dir/thr.$p"
		keep_cpu "$p" "$dir/cpu.thr"
		echo "$(curl_speed "$p" tls12)" >>"$dir/thr12.$p"
		keep_cpu "$p" "$dir/cpu.thr12"
	done
done
for p in "${paths[@]}"; do
	thr[$p]=$(median <"$dir/thr.$p")
	thr12[$p]=$(median <"$dir/thr12.$p")
done

# 2. and 3. Latency on one keep-alive connection; fresh-connection handshakes.
for p in "${paths[@]}"; do
	read -r lat_med[$p] lat_p99[$p] _ < <(client "$p" latency "$nreq" 2>"$dir/lat.$p.err") ||
		{ say "note: latency through $p failed:"; tail -n 3 "$dir/lat.$p.err" | sed 's/^/mitm:   /'; }
	keep_cpu "$p" "$dir/cpu.lat"
	read -r hs_med[$p] hs_p99[$p] _ < <(client "$p" handshakes "$nhs" 2>"$dir/hs.$p.err") ||
		{ say "note: handshakes through $p failed:"; tail -n 3 "$dir/hs.$p.err" | sed 's/^/mitm:   /'; }
	keep_cpu "$p" "$dir/cpu.hs"
done

# 5. Memory with $nconn open intercepted connections.
# rss_of PID FIELD: VmRSS or VmHWM in KiB.
rss_of() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status" 2>/dev/null || true; }
hold() { # hold PATH PID-OF-PROXY|"" : fills rss_base, rss_full
	local p=$1 pid=$2 out="$dir/hold.$1"
	if [ "$p" = airlock ]; then
		# Not through sx(): $! must be the supervisor itself, not a subshell.
		env -u HTTP_PROXY -u HTTPS_PROXY -u http_proxy -u https_proxy \
			"$airlock" sandbox-exec --policy "$dir/policy.ini" -- \
			timeout 600 "$py" "$dir/client.py" hold "$nconn" 3 --target "$target" \
			--cafile /run/airlock/ca.pem --proxy 127.0.0.1:3128 >"$out" 2>&1 &
		pid=$!
	else
		timeout 600 "$py" "$dir/client.py" hold "$nconn" 3 --target "$target" \
			--cafile "${ca_file[$p]}" --proxy "${proxy_addr[$p]}" >"$out" 2>&1 &
	fi
	local cpid=$! i
	for i in $(seq 3000); do grep -q idle "$out" 2>/dev/null && break; sleep 0.1; done
	# airlock's connections live in its proxy worker, not in the monitor
	# (a build from before the split serves them in sandbox-exec itself)
	if [ "$p" = airlock ]; then pid=$(worker_pid "$pid"); pid=${pid:-$!}; fi
	rss_base[$p]=$(rss_of "$pid" VmRSS)
	for i in $(seq 6000); do grep -q ready "$out" 2>/dev/null && break; sleep 0.1; done
	if grep -q ready "$out"; then
		rss_full[$p]=$(rss_of "$pid" VmRSS)
		rss_per[$p]=$(awk -v a="${rss_base[$p]}" -v b="${rss_full[$p]}" -v n="$nconn" 'BEGIN {printf "%.1f", (b - a) / n}')
	else
		say "note: $p did not hold $nconn connections:"; tail -n 3 "$out" | sed 's/^/mitm:   /'
	fi
	wait "$cpid" || true
}
for p in "${paths[@]}"; do
	case $p in
	airlock) hold airlock "" ;;
	squid) hold squid "$proxy_pid_squid" ;;
	mitmproxy) hold mitmproxy "$proxy_pid_mitmproxy" ;;
	esac
done

# 4. Leaf minting: certtool without sanitizers, linked with every module like the tools.
mint=""
inih="$top/out/deps/src/inih"
if [ -f "$inih/ini.c" ]; then
	mods=()
	# the layers of airlock.mk
	for f in "$top"/{net/base,proxy/proto,proxy/tls,policy,net,init/sandbox,proxy,init}/*.c; do
		[ "$f" = "$top/init/main.c" ] || mods+=("$f")
	done
	if gcc -std=c11 -D_GNU_SOURCE -O2 -w -I"$top" -I"$top/out/gen/host" -isystem "$inih" \
		-DINI_MAX_LINE=4096 \
		-DINI_ALLOW_MULTILINE=0 -DINI_STOP_ON_FIRST_ERROR=0 -DAIRLOCK_VERSION='"bench"' \
		-o "$dir/certtool" "$top/test/tools/certtool.c" "${mods[@]}" "$inih/ini.c" \
		-lbearssl -lseccomp -lpthread 2>"$dir/certtool.err"; then
		mint=$("$dir/certtool" bench 2000 | awk '{print $(NF-3)}')
		sign=$("$dir/certtool" bench-sign 2000 | awk '{print $(NF-3)}')
	else
		say "note: certtool did not build (minting not measured):"; tail -n 3 "$dir/certtool.err" | sed 's/^/mitm:   /'
	fi
else
	say "note: out/deps not built (run ./build.sh first); minting not measured"
fi

# --- report --------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b}'; }
mbs() { awk -v v="$1" 'BEGIN {if (v == "") print "-"; else printf "%.0f", v / 1e6}'; }
echo
printf 'mitm: %-10s %9s %8s %9s %8s %8s %11s %11s %10s %9s %10s\n' path "dflt MB/s" "/direct" \
	"1.2 MB/s" "/direct" "/squid" "req med us" "req p99 us" "added us" "hs med ms" "KiB/conn"
for p in "${paths[@]}"; do
	added=$(awk -v a="${lat_med[$p]:-}" -v d="${lat_med[direct]:-}" 'BEGIN {if (a == "" || d == "") print "-"; else printf "%.1f", a - d}')
	hs=$(awk -v v="${hs_med[$p]:-}" 'BEGIN {if (v == "") print "-"; else printf "%.2f", v / 1e3}')
	printf 'mitm: %-10s %9s %8s %9s %8s %8s %11s %11s %10s %9s %10s\n' "$p" \
		"$(mbs "${thr[$p]}")" "$(ratio "${thr[$p]}" "${thr[direct]}")" \
		"$(mbs "${thr12[$p]}")" "$(ratio "${thr12[$p]}" "${thr12[direct]}")" \
		"$(ratio "${thr12[$p]}" "${thr12[squid]:-}")" \
		"${lat_med[$p]:--}" "${lat_p99[$p]:--}" "$([ "$p" = direct ] && echo - || echo "$added")" "$hs" \
		"${rss_per[$p]:--}"
done
echo
# added PATH [p99]: the median (or p99) latency PATH adds to direct, in us ("" if unknown).
added() {
	local f=lat_med
	[ "${2:-}" = p99 ] && f=lat_p99
	local -n v=$f
	awk -v a="${v[$1]:-}" -v d="${v[direct]:-}" 'BEGIN {if (a != "" && d != "") printf "%.1f", a - d}'
}
# peers ARRAY: "squid R, mitmproxy R" (throughput ratios to direct of the peers measured).
peers() {
	local -n t=$1
	local p out=""
	for p in squid mitmproxy; do
		[ -n "${t[$p]:-}" ] && out+="${out:+, }$p $(ratio "${t[$p]}" "${t[direct]}")"
	done
	echo "${out:--}"
}
if [ -n "${thr[airlock]:-}" ]; then
	say "target: airlock download with curl defaults >= 0.45 of direct: $(ratio "${thr[airlock]}" "${thr[direct]}") (peers: $(peers thr))"
fi
if [ -n "${thr12[airlock]:-}" ]; then
	say "target: airlock download, TLS 1.2 both legs, >= 0.60 of direct: $(ratio "${thr12[airlock]}" "${thr12[direct]}"); above squid (ratio > 1): $(ratio "${thr12[airlock]}" "${thr12[squid]:-}")"
fi
if [ -n "${lat_med[airlock]:-}" ]; then
	say "target: added median latency < 40 us: $(added airlock) us (p99 ${lat_p99[airlock]} us vs ${lat_p99[direct]:-?} us direct)"
fi
if [ -n "${hs_med[airlock]:-}" ]; then
	say "target: new MITM connection <= 2x direct: $(ratio "${hs_med[airlock]}" "${hs_med[direct]:-}") (fresh TCP + CONNECT + TLS + GET: airlock ${hs_med[airlock]} us median, direct ${hs_med[direct]:-?} us; airlock/squid $(ratio "${hs_med[airlock]}" "${hs_med[squid]:-}"))"
fi
if [ -n "${rss_per[airlock]:-}" ]; then
	say "target: < 100 KiB per open MITM connection: ${rss_per[airlock]:--} KiB (proxy worker VmRSS ${rss_base[airlock]:-?} -> ${rss_full[airlock]:-?} KiB with $nconn connections)"
	for p in squid mitmproxy; do
		[ -n "${rss_per[$p]:-}" ] && say "        $p: ${rss_per[$p]} KiB per connection (VmRSS ${rss_base[$p]} -> ${rss_full[$p]} KiB)"
	done
	[ -n "${rss_per[squid]:-}" ] && say "        (squid: its main process; the certgen helpers are separate processes, not counted)"
fi
if [ -s "$dir/cpu.thr" ] && [ -s "$dir/cpu.thr12" ] && [ -s "$dir/cpu.lat" ] && [ -s "$dir/cpu.hs" ]; then
	awk -v g="$(median <"$dir/cpu.thr")" -v g12="$(median <"$dir/cpu.thr12")" -v l="$(cat "$dir/cpu.lat")" \
		-v h="$(cat "$dir/cpu.hs")" -v mib="$mib" -v nreq="$nreq" -v nhs="$nhs" 'BEGIN {
		printf "mitm: supervisor CPU: %.0f ms per GiB downloaded (curl defaults; %.0f ms TLS 1.2 both legs), %.0f us per keep-alive request, %.2f ms per new MITM connection (10 ms ticks)\n",
			g * 1024 / mib, g12 * 1024 / mib, l * 1000 / (nreq + 50), h / (nhs + 5) }'
fi
if [ -n "$mint" ]; then
	say "target: leaf minting < 1 ms: $mint us per leaf (bare BearSSL ECDSA P-256 sign: $sign us; ratio $(ratio "$mint" "$sign"))"
fi
say "(throughput: median of $runs runs of curl -o /dev/null, $mib MiB; latency: $nreq requests after 50 warm-up; handshakes: $nhs; memory: $nconn connections, each after one GET)"

# summary rows ("-" where airlock was not measured)
dl_row() { # dl_row ROW ARRAY TARGET
	local -n t=$2
	if [ -n "${t[airlock]:-}" ] && [ -n "${t[direct]:-}" ]; then
		summary "$1" "$(ratio "${t[airlock]}" "${t[direct]}") of direct, $(mbs "${t[airlock]}") MB/s" \
			"$(peers "$2")" "$(ratio "${t[airlock]}" "${t[direct]}")" "$3"
	else
		summary "$1" "-" "$(peers "$2")" "-" "$3"
	fi
}
dl_row "MITM download, curl defaults" thr ">= 0.45"
dl_row "MITM download, TLS 1.2 both legs" thr12 ">= 0.60"
if [ -n "${hs_med[airlock]:-}" ]; then
	summary "new TLS connection through the MITM (median)" \
		"$(awk -v v="${hs_med[airlock]}" 'BEGIN {printf "%.2f ms", v / 1e3}')" \
		"direct $(awk -v v="${hs_med[direct]:-}" 'BEGIN {if (v == "") print "-"; else printf "%.2f ms", v / 1e3}')" \
		"$(ratio "${hs_med[airlock]}" "${hs_med[direct]:-}")" "<= 2x direct"
else
	summary "new TLS connection through the MITM (median)" "-" "-" "-" "<= 2x direct"
fi
lat_peer=""
for p in squid mitmproxy; do
	[ -n "${lat_med[$p]:-}" ] && lat_peer+="${lat_peer:+, }$p +$(added "$p") µs"
done
lat_peer=${lat_peer:--}
if [ -n "${lat_med[airlock]:-}" ] && [ -n "${lat_med[direct]:-}" ]; then
	summary "added latency per keep-alive request" "+$(added airlock) µs (p99 +$(added airlock p99) µs)" \
		"$lat_peer" "" "< 40 µs"
else
	summary "added latency per keep-alive request" "-" "$lat_peer" "" "< 40 µs"
fi
