#!/usr/bin/env bash
# The demo behind `./build.sh demo`: the whole idea of airlock on one machine, nothing
# downloaded. A local HTTPS "API" wants a token; the token is in the caller's
# environment; a shell in the sandbox sees only a placeholder, yet its call to the API
# succeeds, because airlock's proxy swaps the placeholder for the real token on the way
# out. A host outside the policy is refused with an explanation. Needs root.
#   test/demo.sh out/airlock
set -euo pipefail
airlock=$(realpath "${1:?usage: demo.sh AIRLOCK}")
[ "$(id -u)" = 0 ] || { echo "the demo needs root (sandbox-exec makes namespaces)" >&2; exit 1; }
for tool in openssl curl /usr/bin/python3; do
	command -v "$tool" >/dev/null || { echo "the demo needs $tool" >&2; exit 1; }
done

dir=$(mktemp -d /tmp/airlock-demo.XXXXXX)
chmod 755 "$dir"
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. A local HTTPS API (its own test CA) that answers only with the right token"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=demo test CA" -keyout "$dir/api-ca.key" -out "$dir/api-ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=api.demo.test" \
	-keyout "$dir/api.key" -out "$dir/api.csr" 2>/dev/null
printf 'subjectAltName=DNS:api.demo.test\n' >"$dir/ext"
openssl x509 -req -in "$dir/api.csr" -CA "$dir/api-ca.pem" -CAkey "$dir/api-ca.key" \
	-CAcreateserial -days 2 -extfile "$dir/ext" -out "$dir/api.pem" 2>/dev/null
export DEMO_TOKEN="demo-real-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
cat >"$dir/api.py" <<'PY'
import http.server, json, os, ssl, sys
token = os.environ["DEMO_TOKEN"]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.headers.get("Authorization") == "Bearer " + token
        body = json.dumps({"authorized": ok, "hello": "from the API"}).encode() + b"\n"
        self.send_response(200 if ok else 401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1], sys.argv[2])
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
PY
/usr/bin/python3 "$dir/api.py" "$dir/api.pem" "$dir/api.key" >"$dir/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$dir/port" ] && break; sleep 0.1; done
port=$(cat "$dir/port")
echo "API on 127.0.0.1:$port; the caller holds DEMO_TOKEN=${DEMO_TOKEN:0:16}..."

step "2. The policy: one allowed host, the token bound to it"
cat >"$dir/policy.ini" <<INI
[sandbox]
user = 65534:65534

[filesystem]
read_only = /usr /lib /lib64 /bin /etc
read_write = /tmp

[network]
allow = api.demo.test
map = api.demo.test 127.0.0.1:$port
trust = $dir/api-ca.pem

[secret DEMO_TOKEN]
hosts = api.demo.test
INI
cat "$dir/policy.ini"

step "3. Inside the sandbox"
"$airlock" sandbox-exec --policy "$dir/policy.ini" --audit "$dir/audit.jsonl" -- /bin/sh -c '
	echo "\$ env | grep DEMO_TOKEN"
	env | grep DEMO_TOKEN
	echo
	echo "\$ curl -H \"Authorization: Bearer \$DEMO_TOKEN\" https://api.demo.test/"
	curl -sS -H "Authorization: Bearer $DEMO_TOKEN" https://api.demo.test/
	echo
	echo "\$ curl https://evil.example/    # a host outside the policy"
	curl -sS https://evil.example/ 2>&1 | sed "s/^/    /"
	echo "\$ curl -i http://evil.example/  # the same over plain http shows the explanation"
	curl -sS -i http://evil.example/ 2>&1 | sed "s/^/    /"
	echo
	echo "\$ curl --noproxy \"*\" https://127.0.0.1:$0/   # around the proxy"
	curl -sS --noproxy "*" --max-time 3 "https://127.0.0.1:$0/" 2>&1 | sed "s/^/    /"
' "$port" || true

step "4. The audit log (secrets by name only)"
cat "$dir/audit.jsonl"
if grep -q "$DEMO_TOKEN" "$dir/audit.jsonl"; then
	echo "the real token reached the audit log: this is a bug" >&2
	exit 1
fi
