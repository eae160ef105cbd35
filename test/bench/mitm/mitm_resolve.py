"""mitm_resolve.py: a mitmproxy addon for test/bench/mitm.sh. mitmproxy has no static
name mapping (airlock has `map`, squid `hosts_file`): this sends connections for the
host named in $BENCH_HOST to 127.0.0.1 on the same port, leaving the TLS server name
(and so the certificate check) on the name itself.
"""
import os

HOST = os.environ.get("BENCH_HOST", "bench.test")


class Resolve:
    def server_connect(self, data):
        host, port = data.server.address
        if host == HOST:
            data.server.address = ("127.0.0.1", port)


addons = [Resolve()]
