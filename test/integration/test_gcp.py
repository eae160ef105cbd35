"""[gcp]: Google Cloud credentials from a service-account key the sandbox never sees.

The supervisor's CA process reads the key and signs the RS256 JWT grant; the proxy posts
it to the key's token_uri (a local TLS token endpoint that verifies the signature with
the key's public half, via openssl) and keeps the access token; inside, a metadata
server on 127.0.0.1:3129 answers Google's auth libraries with the placeholder
openshell:resolve:env:GCP_ACCESS_TOKEN, which the proxy swaps for the real token only
on requests to the bound (Vertex AI) hosts. Clients: plain urllib, Google's Node
library (google-auth-library from the npm registry, installed once into out/), and
Debian's python3-google-auth (1.5, which reads GCE_METADATA_ROOT).
"""
import json
import os
import subprocess
import textwrap

import pytest

from conftest import TOP
from tlsservers import TLSServer
from test_mitm import (PY, box, box_ca, clean_env, pki, sandbox, use_pki)  # noqa: F401

PH = "openshell:resolve:env:GCP_ACCESS_TOKEN"
EMAIL = "runner@airlock-test.iam.gserviceaccount.com"
VERTEX = "us-east5-aiplatform.googleapis.com"
NPM_DIR = TOP / "out" / "npm-google-auth"
GAL_VERSION = "9.15.1"  # google-auth-library: the CLI's line, runs on Debian's Node 18


def make_key(box):
    """A 2048-bit service-account key file with token_uri at
    https://oauth2.example.test/jwt-token, world-readable on the host (so only airlock's
    mask keeps it from the sandbox); returns (key path, public key PEM path, a line of
    the private key)."""
    d = os.path.join(box, "vertex")
    os.mkdir(d)
    pem, pub = os.path.join(box, "sa.pem"), os.path.join(box, "sa.pub")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                    "rsa_keygen_bits:2048", "-out", pem], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", pem, "-pubout", "-out", pub], check=True,
                   capture_output=True)
    with open(pem) as f:
        private = f.read()
    os.unlink(pem)
    doc = {"type": "service_account", "project_id": "airlock-test",
           "private_key_id": "0123456789abcdef", "private_key": private,
           "client_email": EMAIL, "client_id": "1",
           "token_uri": "https://oauth2.example.test/jwt-token"}
    key = os.path.join(d, "key.json")
    with open(key, "w") as f:
        json.dump(doc, f)
    os.chmod(key, 0o644)
    return key, pub, private.strip().splitlines()[1]


def gcp_policy(box, token_port, vertex_port, other_port, extra=""):
    path = os.path.join(box, "policy.ini")
    with open(path, "w") as f:
        f.write(textwrap.dedent(f"""\
            [sandbox]
            user = 65534:65534
            [filesystem]
            read_only = /usr /lib /lib64 /bin /sbin /etc {box} {TOP / "test"} {NPM_DIR.parent}
            read_write = /tmp
            [network]
            allow = {VERTEX} other.example.test
            map = {VERTEX} 127.0.0.1:{vertex_port}
            map = other.example.test 127.0.0.1:{other_port}
            map = oauth2.example.test 127.0.0.1:{token_port}
            trust = {box_ca(box)}
            [gcp]
            service_account = {box}/vertex/key.json
            """) + textwrap.dedent(extra))
    return path


@pytest.fixture
def world(box, pki):
    """The key, the token endpoint, a Vertex AI stand-in and an unbound host."""
    use_pki(box, pki)
    key, pub, key_line = make_key(box)
    tcrt, tkey = pki.leaf("oauth2.example.test")
    vcrt, vkey = pki.leaf(VERTEX)
    ocrt, okey = pki.leaf("other.example.test")
    with TLSServer(tcrt, tkey) as token, TLSServer(vcrt, vkey) as vertex, \
            TLSServer(ocrt, okey) as other:
        token.srv.jwt_pubkey = pub
        yield {"box": box, "key": key, "key_line": key_line, "token": token,
               "vertex": vertex, "other": other,
               "policy": gcp_policy(box, token.port, vertex.port, other.port)}


def bearers(server):
    return [v for q in server.requests for k, v in q["headers"]
            if k.lower() == "authorization"]


def check_grants(w, n):
    """n grants reached the token endpoint, each a JWT signed by the key, for it."""
    grants = w["token"].grants
    assert len(grants) == n, grants
    for g in grants:
        assert g["verified"], g
        assert g["header"] == {"alg": "RS256", "typ": "JWT", "kid": "0123456789abcdef"}
        c = g["claims"]
        assert c["iss"] == EMAIL and c["aud"] == "https://oauth2.example.test/jwt-token"
        assert c["scope"] == "https://www.googleapis.com/auth/cloud-platform"
        assert c["exp"] - c["iat"] == 3600


def check_nothing_leaked(w, *texts):
    for t in texts:
        for tok in getattr(w["token"].srv, "issued", []):
            assert tok not in t, "a real access token reached the sandbox's side"
        assert w["key_line"] not in t, "the private key reached the sandbox's side"


URLLIB = textwrap.dedent("""\
    import json, os, urllib.request
    root = 'http://' + os.environ['GCE_METADATA_HOST'] + '/computeMetadata/v1/'
    def md(path, flavor=True):
        req = urllib.request.Request(root + path)
        if flavor:
            req.add_header('Metadata-Flavor', 'Google')
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            r = direct.open(req, timeout=20)
            return r.status, r.headers.get('Metadata-Flavor'), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get('Metadata-Flavor'), e.read().decode()
    print('instance', md('instance'))
    print('noflavor', md('instance', flavor=False))
    print('project', md('project/project-id'))
    print('email', md('instance/service-accounts/default/email'))
    st, fl, body = md('instance/service-accounts/default/token')
    tok = json.loads(body)
    print('token', st, fl, tok['access_token'], tok['token_type'], tok['expires_in'])
    st2, _, body2 = md('instance/service-accounts/default/token')
    print('again', st2, json.loads(body2)['access_token'])
    for host in ('""" + VERTEX + """', 'other.example.test'):
        req = urllib.request.Request('https://' + host + '/v1/projects/p/predict',
                                     headers={'Authorization': 'Bearer ' + tok['access_token']})
        try:
            r = urllib.request.urlopen(req, timeout=20)
            print('call', host, r.status)
        except urllib.error.HTTPError as e:
            print('call', host, e.code, e.headers.get('X-Airlock-Deny'))
    for k in ('GOOGLE_APPLICATION_CREDENTIALS', 'GCE_METADATA_IP', 'GCE_METADATA_ROOT',
              'METADATA_SERVER_DETECTION'):
        print('env', k, os.environ.get(k))
    try:
        print('key readable', len(open(os.environ['KEYFILE']).read()))
    except OSError as e:
        print('key', type(e).__name__, os.stat(os.environ['KEYFILE']).st_size)
    """)


def test_metadata_server_gives_a_placeholder_and_the_bound_host_the_real_token(world):
    """Python urllib inside asks the metadata server as Google's libraries do: it
    answers with Metadata-Flavor: Google (refusals too), the project and e-mail from the
    key, and a token that is the placeholder with a real expires_in (one grant, signed
    by the key, serves both token requests); a request with it reaches the Vertex host
    with the real token, and an unbound host is refused; GOOGLE_APPLICATION_CREDENTIALS
    is gone, the metadata variables are set, and the key file cannot be read inside."""
    w = world
    env = clean_env(PYCODE=URLLIB, KEYFILE=w["key"],
                    GOOGLE_APPLICATION_CREDENTIALS=w["key"])
    r, audit = sandbox(w["box"], w["policy"], f'{PY} -c "$PYCODE"', env=env)
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    assert "instance (200, 'Google'," in out, out
    assert "noflavor (403, 'Google'," in out, out
    assert "project (200, 'Google', 'airlock-test')" in out, out
    assert f"email (200, 'Google', '{EMAIL}')" in out, out
    line = [x for x in out.splitlines() if x.startswith("token ")][0].split()
    assert line[1:5] == ["200", "Google", PH, "Bearer"], line
    assert 600 < int(line[5]) <= 3599, line
    assert f"again 200 {PH}" in out, out
    assert f"call {VERTEX} 200" in out, out
    assert "call other.example.test 403 secret-not-bound" in out, out
    assert "env GOOGLE_APPLICATION_CREDENTIALS None" in out, out
    assert "env GCE_METADATA_IP 127.0.0.1:3129" in out, out
    assert "env GCE_METADATA_ROOT 127.0.0.1:3129" in out, out
    assert "env METADATA_SERVER_DETECTION assume-present" in out, out
    assert "key PermissionError 0" in out, out
    md = [a for a in audit if a["host"] == "metadata"]
    assert [a["status"] for a in md] == [200, 403, 200, 200, 200, 200], md
    assert all(a["decision"] == "metadata" and a["port"] == 3129 for a in md), md
    fetched = [a for a in md if a["reason"].startswith("a token was fetched")]
    assert [a["path"] for a in fetched] == [
        "/computeMetadata/v1/instance/service-accounts/default/token"], md
    check_grants(w, 1)
    issued = w["token"].srv.issued
    assert bearers(w["vertex"]) == ["Bearer " + issued[0]], bearers(w["vertex"])
    assert bearers(w["other"]) == []
    check_nothing_leaked(w, out, r.stderr, json.dumps(audit))


def test_a_key_the_ca_cannot_use_stops_the_sandbox(box, pki):
    """A [gcp] key that is not a service-account key: 125 before CMD runs, naming the
    file and the reason, and never a byte of the file."""
    use_pki(box, pki)
    os.mkdir(os.path.join(box, "vertex"))
    key = os.path.join(box, "vertex", "key.json")
    with open(key, "w") as f:
        json.dump({"type": "authorized_user", "client_secret": "s3cr3t-do-not-print"}, f)
    pol = gcp_policy(box, 1, 2, 3)
    r, _ = sandbox(box, pol, "echo ran")
    assert r.returncode == 125, r.stdout + r.stderr
    assert "ran" not in r.stdout
    assert f"[gcp] service_account {key}" in r.stderr, r.stderr
    assert "s3cr3t-do-not-print" not in r.stderr


def test_a_refused_grant_is_an_answer_that_says_so(world):
    """The token endpoint refuses the grant (a key whose public half it does not know):
    the metadata token request gets a 502 with Metadata-Flavor that names the endpoint
    and the status; nothing is injected."""
    w = world
    other = os.path.join(w["box"], "other.pub")
    subprocess.run(f"openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 | "
                   f"openssl pkey -pubout -out {other}", shell=True, check=True,
                   capture_output=True)
    w["token"].srv.jwt_pubkey = other
    code = textwrap.dedent("""\
        import os, urllib.request
        req = urllib.request.Request('http://' + os.environ['GCE_METADATA_HOST'] +
            '/computeMetadata/v1/instance/service-accounts/default/token',
            headers={'Metadata-Flavor': 'Google'})
        try:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=30)
        except urllib.error.HTTPError as e:
            print(e.code, e.headers.get('Metadata-Flavor'), e.read().decode())
        """)
    r, _ = sandbox(w["box"], w["policy"], f'{PY} -c "$PYCODE"', env=clean_env(PYCODE=code))
    assert r.stdout.startswith("502 Google airlock: the token endpoint "
                               "https://oauth2.example.test/jwt-token answered 400"), \
        r.stdout + r.stderr
    assert len(w["token"].grants) == 1 and not w["token"].grants[0]["verified"]
    assert bearers(w["vertex"]) == []


@pytest.fixture(scope="module")
def google_auth_library():
    """google-auth-library from the npm registry, installed once into out/ (the
    machine's npm, as set up here)."""
    mod = NPM_DIR / "node_modules" / "google-auth-library" / "package.json"
    if not mod.exists() or json.loads(mod.read_text())["version"] != GAL_VERSION:
        NPM_DIR.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["npm", "install", "--prefix", str(NPM_DIR), "--no-audit",
                            "--no-fund", "--no-save", f"google-auth-library@{GAL_VERSION}"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, "npm install google-auth-library: " + r.stdout + r.stderr
    os.chmod(NPM_DIR, 0o755)
    return NPM_DIR / "node_modules"


# gcp-metadata (under google-auth-library) asks os.networkInterfaces() whether this is
# GCE hardware: that takes a route netlink socket, which the sandbox's filter allows
# (it shows only lo there).
NODE = textwrap.dedent("""\
    const {GoogleAuth} = require('google-auth-library');
    (async () => {
      const auth = new GoogleAuth({scopes: ['https://www.googleapis.com/auth/cloud-platform']});
      const client = await auth.getClient();
      console.log('project', await auth.getProjectId());
      const {token} = await client.getAccessToken();
      console.log('token', token);
      const res = await client.request({method: 'POST', data: {instances: []},
        url: 'https://""" + VERTEX + """/v1/projects/airlock-test/locations/us-east5/x:rawPredict'});
      console.log('call', res.status);
    })().catch((e) => { console.log('error', e.message); process.exit(3); });
    """)


def test_google_auth_library_for_node_reaches_vertex_without_the_key(world,
                                                                     google_auth_library):
    """Google's Node library (what the Claude Code CLI uses on Vertex), inside with only
    the metadata variables: new GoogleAuth().getClient() finds the metadata server, its
    token is the placeholder, and its authorized request reaches the Vertex host with
    the token the endpoint issued for a grant signed by the key; nothing real inside."""
    w = world
    env = clean_env(JSCODE=NODE, NODE_PATH=str(google_auth_library),
                    GOOGLE_APPLICATION_CREDENTIALS=w["key"])
    r, audit = sandbox(w["box"], w["policy"], 'cd /tmp && node -e "$JSCODE"', env=env,
                       timeout=180)
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    assert "project airlock-test" in out, out
    assert f"token {PH}" in out, out
    assert "call 200" in out, out
    check_grants(w, 1)
    assert bearers(w["vertex"]) == ["Bearer " + w["token"].srv.issued[0]]
    check_nothing_leaked(w, out, r.stderr, json.dumps(audit))


PY_GOOGLE_AUTH = textwrap.dedent("""\
    import google.auth, google.auth.transport.requests as tr
    creds, project = google.auth.default(
        scopes=['https://www.googleapis.com/auth/cloud-platform'])
    session = tr.AuthorizedSession(creds)
    r = session.post('https://""" + VERTEX + """/v1/projects/airlock-test/x:predict',
                     json={'instances': []}, timeout=30)
    print('project', project)
    print('token', creds.token)
    print('call', r.status_code)
    """)


def test_debian_python_google_auth_reaches_vertex_without_the_key(world):
    """Debian's python3-google-auth (1.5: GCE_METADATA_ROOT and GCE_METADATA_IP) finds
    the metadata server through google.auth.default(), and an AuthorizedSession's
    request reaches the Vertex host with the real token; inside, only the placeholder."""
    w = world
    env = clean_env(PYCODE=PY_GOOGLE_AUTH, HOME="/tmp")
    r, audit = sandbox(w["box"], w["policy"], f'{PY} -c "$PYCODE"', env=env)
    out = r.stdout
    assert r.returncode == 0, out + r.stderr
    assert "project airlock-test" in out, out
    assert f"token {PH}" in out, out
    assert "call 200" in out, out
    check_grants(w, 1)
    assert bearers(w["vertex"]) == ["Bearer " + w["token"].srv.issued[0]]
    check_nothing_leaked(w, out, r.stderr, json.dumps(audit))
