"""The folders depend one way (issue 10): a module includes headers of its own folder and
of folders below it, never above. Bottom to top:

    net/base      shared leaves: log, addresses, percent and base64 codecs, safe_open
    proxy/proto   protocol code: HTTP/1.1 framing and heads, SNI, JSON
    proxy/tls     certificates and TLS: DER, PEM, the CA and leaves, trust, the engines
    policy        the policy: model, loader, matching, printing
    net           the event loop, the resolver, namespaces' network, fd passing
    init/sandbox  sandbox enforcement: Landlock, seccomp, privileges, identity switching,
                  the file system, limits, isolation modes, the sandbox's PID 1
    proxy         the proxy
    init          the commands: main, init, sandbox-exec's monitor and helpers, doctor

Headers form no circle anywhere. A grep over the #include lines is the whole check.
"""
import pathlib
import re

from conftest import TOP

LAYERS = ["net/base", "proxy/proto", "proxy/tls", "policy", "net", "init/sandbox",
          "proxy", "init"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for layer in LAYERS:
        for f in sorted((TOP / layer).glob("*.[ch]")):
            yield layer, f


def includes(f):
    return [i for i in INCLUDE.findall(f.read_text()) if "/" in i]


def test_the_makefile_builds_the_same_layers():
    mk = (TOP / "airlock.mk").read_text()
    line = re.search(r"^LAYERS\s*:=\s*(.*)$", mk, re.M).group(1).split()
    assert line == LAYERS


def test_every_module_lives_in_a_layer():
    known = {f for _, f in sources()}
    for top in ("init", "policy", "net", "proxy"):
        for f in (TOP / top).rglob("*.[ch]"):
            if "gen" in f.relative_to(TOP).parts:
                continue  # build-time generators, not modules
            assert f in known, f"{f.relative_to(TOP)} is in no layer of {LAYERS}"


def test_no_module_includes_a_layer_above_its_own():
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    bad = []
    for layer, f in sources():
        for inc in includes(f):
            folder = str(pathlib.PurePosixPath(inc).parent)
            if folder not in rank:
                if folder.split("/")[0] in ("init", "policy", "net", "proxy"):
                    bad.append(f"{f.relative_to(TOP)}: {inc} is in no layer")
                continue  # generated headers, system headers with a slash
            if rank[folder] > rank[layer]:
                bad.append(f"{f.relative_to(TOP)} ({layer}) includes {inc} ({folder})")
    assert not bad, "\n".join(bad)


def test_headers_form_no_circle():
    graph = {}
    for _, f in sources():
        name = str(f.relative_to(TOP))
        graph[name] = [i for i in includes(f) if (TOP / i).exists()]
    state = {}

    def visit(n, path):
        if state.get(n) == 1:
            raise AssertionError("include circle: " + " -> ".join(path + [n]))
        if state.get(n) == 2:
            return
        state[n] = 1
        for m in graph.get(n, []):
            if m.endswith(".h"):
                visit(m, path + [n])
        state[n] = 2

    for n in sorted(graph):
        if n.endswith(".h"):
            visit(n, [])


def test_loader_internal_names_carry_the_module_prefix():
    # policy/'s loader exports its helpers as policy_load_* (once load_fail, load_key)
    for f in (TOP / "policy").glob("*.h"):
        text = f.read_text()
        for name in re.findall(r"^\w[\w\s\*]*?\b(\w+)\s*\(", text, re.M):
            assert not name.startswith("load_"), f"{f.name}: {name} lacks a prefix"


def test_a_connections_phase_is_assigned_in_one_place():
    # the state machine (proxy/state.c) assigns it, in enter(); no other file writes it
    writes = []
    for f in sorted((TOP / "proxy").glob("*.c")):
        for n, line in enumerate(f.read_text().splitlines(), 1):
            if re.search(r"\bphase\s*=[^=]", line):
                writes.append(f"{f.name}:{n}: {line.strip()}")
    assert len(writes) == 1 and writes[0].startswith("state.c:"), writes
    assert "c->phase = next;" in writes[0]


# The connection's handlers and what each exports (their prefixes, proxy_int.h).
HANDLERS = {"decide.c": "decide_", "tunnel.c": "tunnel_", "forward.c": "forward_",
            "dial.c": "dial_", "mitm.c": "mitm_", "redirect.c": "redirect_"}


def calls(text, prefix):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # comments name other modules
    return set(re.findall(r"\b(" + prefix + r"\w+)\s*\(", text))


def test_handlers_return_outcomes_and_never_call_each_other():
    # a handler works on its part and says what follows; state.c chains them, moves the
    # connection on, closes it and writes its audit lines
    for name, own in HANDLERS.items():
        text = (TOP / "proxy" / name).read_text()
        for other, prefix in HANDLERS.items():
            if other != name:
                assert not calls(text, prefix), f"{name} calls {other}: {calls(text, prefix)}"
        for prefix in ("state_", "record_", "io_", "conn_close", "conn_fail", "audit_write"):
            assert not calls(text, prefix), f"{name} calls {calls(text, prefix)}"


def test_the_state_machine_alone_ends_records_and_io_alone_touches_the_loop():
    proxy = TOP / "proxy"
    for f in sorted(proxy.glob("*.c")):
        text = f.read_text()
        if f.name not in ("state.c", "record.c"):
            assert not calls(text, "record_end") and not calls(text, "record_close"), f.name
        # audit lines of connections come from record.c; proxy.c writes the one for a
        # connection refused before it exists (too many)
        if f.name not in ("record.c", "proxy.c", "audit.c"):
            assert not calls(text, "audit_write"), f.name
        # the loop's callbacks (io.c) and the proxy's teardown (proxy.c) call it
        if f.name not in ("state.c", "io.c", "proxy.c"):
            assert not calls(text, "state_"), f.name + " reaches into the state machine"


def test_no_connection_code_asks_which_transport_a_side_has():
    # the transport table (proxy/transport.h) answers; only mitm.c switches it
    for f in sorted((TOP / "proxy").glob("*.c")):
        if f.name in ("mitm.c", "transport.c"):
            continue
        text = f.read_text()
        assert "mitm_on(" not in text and "transport_tls" not in text, f.name
