"""run.py: the measuring half of test/bench/many.sh (which makes the PKI, the nginx
server and one policy per sandbox, then runs this).

  run.py AIRLOCK DIR N SECS BOMBERS STARTS

DIR holds policy.N.ini for sandboxes 0..N-1 (sandbox i talks to b<i>.bench.test:PORT,
listed in DIR/targets, one a line), policy.start.ini (for the start-up runs),
client.py and the limits in DIR/limits (one a line). Prints the human-readable report;
appends the summary rows to $BENCH_SUMMARY when that is set.
"""
import atexit
import json
import os
import statistics
import subprocess
import sys
import time

airlock, d, n, secs, bombers, starts = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
py = "/usr/bin/python3"
targets = open(f"{d}/targets").read().split()
limits = [int(x) for x in open(f"{d}/limits").read().split()]
bombers = min(bombers, n)
env = {k: v for k, v in os.environ.items() if k.lower() not in
       ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}


def say(s):
    print(f"many: {s}", flush=True)


start_failures = []


def startup_ms(k):
    """Wall times of k runs of `sandbox-exec -- /bin/true`, in ms (failed runs are kept
    in start_failures and left out)."""
    cmd = [airlock, "sandbox-exec", "--policy", f"{d}/policy.start.ini", "--", "/bin/true"]
    out = []
    for _ in range(k):
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        if r.returncode:
            start_failures.append(f"exit {r.returncode}: {r.stderr.strip()[-200:]}")
        else:
            out.append((time.perf_counter() - t) * 1e3)
    return out or [float("nan")]


air = os.stat(airlock)


def airlock_procs(roots):
    """{pid: (comm, VmRSS kB, Pss kB)} for every process whose executable is the airlock
    binary, and the set of those that are (descendants of) one of roots."""
    procs, parent = {}, {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        pid = int(p)
        try:
            with open(f"/proc/{p}/stat") as f:
                parent[pid] = int(f.read().rsplit(")", 1)[1].split()[1])
            st = os.stat(f"/proc/{p}/exe")
            if (st.st_dev, st.st_ino) != (air.st_dev, air.st_ino):
                continue
            rss = pss = 0
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1])
            comm = open(f"/proc/{p}/comm").read().strip()
            procs[pid] = (comm, rss, pss)
        except (OSError, ValueError, IndexError):
            continue
    ours = set()
    for pid in procs:
        q = pid
        while q > 1:
            if q in roots:
                ours.add(pid)
                break
            q = parent.get(q, 0)
    return procs, ours


def role(comm, pid, roots):
    if pid in roots:
        return "sandbox-exec (monitor)"
    if comm.startswith("airlock-"):
        return comm
    return "sandbox PID 1 (reaper)"


# 1. Idle start-up, before anything else runs.
startup_ms(2)  # warm up
idle = startup_ms(starts)

# 2. The N sandboxes (killed if this script fails before they end).
go = f"{d}/go"
sandboxes = []


def kill_all(*_):
    for p in sandboxes:
        if p.poll() is None:
            p.kill()


atexit.register(kill_all)
for i in range(n):
    cmd = [airlock, "sandbox-exec", "--policy", f"{d}/policy.{i}.ini", "--", py, f"{d}/client.py",
           "--target", targets[i], "--go", go]
    if i < bombers:
        cmd += ["--bomb", str(limits[i])]
    out = open(f"{d}/out.{i}", "w")
    err = open(f"{d}/err.{i}", "w")
    sandboxes.append(subprocess.Popen(cmd, stdout=out, stderr=err, env=env))
roots = {p.pid for p in sandboxes}


def lines(i):
    try:
        return [json.loads(x) for x in open(f"{d}/out.{i}") if x.startswith("{")]
    except (OSError, ValueError):
        return []


deadline = time.time() + 120
while time.time() < deadline:
    ready = sum(any(x["kind"] == "ready" for x in lines(i)) for i in range(n))
    dead = [i for i, p in enumerate(sandboxes) if p.poll() is not None]
    if ready == n or dead:
        break
    time.sleep(0.1)
if ready < n:
    say(f"note: only {ready} of {n} sandboxes got ready (exited early: {dead})")
    for i in dead[:3]:
        for line in open(f"{d}/err.{i}").read().splitlines()[-5:]:
            say(f"  sandbox {i}: {line}")

t0 = time.time() + 0.5
t_end = t0 + secs
bomb_at, bomb_until = t0 + secs * 0.5, t0 + secs * 0.5 + min(4.0, secs * 0.25)
with open(f"{go}.tmp", "w") as f:
    f.write(f"{t0} {t_end} {bomb_at} {bomb_until}\n")
os.rename(f"{go}.tmp", go)


def sleep_until(t):
    time.sleep(max(0.0, t - time.time()))


# 3. Memory, once serving has begun and again near the end (after the fork loops).
sleep_until(t0 + 1.5)
snap1 = airlock_procs(roots)
# 4. Start-up while the N serve.
loaded = startup_ms(starts)
if time.time() > bomb_at:
    say("note: the start-up runs under load overlapped the fork loops")
sleep_until(t_end - 1.0)
snap2 = airlock_procs(roots)

for p in sandboxes:
    try:
        p.wait(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()

# --- report ---------------------------------------------------------------------------
summary = os.environ.get("BENCH_SUMMARY")


def row(*cols):
    if summary:
        with open(summary, "a") as f:
            f.write("\t".join(str(c).replace("\t", " ").replace("\n", " ") for c in cols) + "\n")


def mem(snap):
    procs, ours = snap
    by = {}
    for pid in ours:
        comm, rss, pss = procs[pid]
        r = by.setdefault(role(comm, pid, roots), [0, 0, 0])
        r[0] += 1
        r[1] += rss
        r[2] += pss
    rss = sum(procs[p][1] for p in ours)
    pss = sum(procs[p][2] for p in ours)
    others = len(procs) - len(ours)
    return rss, pss, len(ours), by, others


say(f"{n} concurrent sandboxes, each its own policy (own uid, allow + map + trust, "
    f"max_processes {limits[0]}..{limits[-1]}), each a keep-alive HTTPS client through its "
    f"own proxy for {secs} s; {bombers} of them run a fork loop from +{bomb_at - t0:.1f} s "
    f"to +{bomb_until - t0:.1f} s")
readings = []
for name, snap in (("+1.5 s", snap1), (f"+{secs - 1} s", snap2)):
    rss, pss, count, by, others = mem(snap)
    readings.append(rss)
    say(f"memory at {name}: {count} airlock processes, RSS {rss / 1024:.1f} MiB total, "
        f"{rss / 1024 / n:.2f} MiB per sandbox (PSS {pss / 1024:.1f} MiB, "
        f"{pss / 1024 / n:.2f} MiB per sandbox)"
        + (f"; {others} other airlock processes not counted" if others else ""))
    for r in sorted(by):
        c, rs, ps = by[r]
        say(f"    {r:24s} x{c:3d}  RSS {rs / c:7.0f} kB each  PSS {ps / c:7.0f} kB each")
rss_max = max(readings)
say("    (RSS counts the shared pages of the one static binary in every process; PSS "
    "splits them)")

mi, ml = statistics.median(idle), statistics.median(loaded)
say(f"start-up of sandbox-exec -- /bin/true: idle median {mi:.1f} ms (p90 "
    f"{sorted(idle)[int(len(idle) * 0.9)]:.1f}), with the {n} serving median {ml:.1f} ms "
    f"(p90 {sorted(loaded)[int(len(loaded) * 0.9)]:.1f}); ratio {ml / mi:.2f} ({starts} runs each)")
if start_failures:
    say(f"    {len(start_failures)} start-up runs failed; the first: {start_failures[0]}")

serve, bomb, rcs = {}, {}, {}
for i, p in enumerate(sandboxes):
    rcs[i] = p.returncode
    for x in lines(i):
        if x["kind"] == "serve":
            serve[i] = x
        elif x["kind"] == "bomb":
            bomb[i] = x
ok = sum(s["ok"] for s in serve.values())
failed = sum(s["failed"] for s in serve.values())
missing = [i for i in range(n) if i not in serve]
bad = [i for i in range(n) if i in serve and (serve[i]["failed"] or not serve[i]["ok"])]
per = [serve[i]["ok"] / secs for i in sorted(serve)]
say(f"requests: {ok} in {secs} s = {ok / secs:.0f}/s total; per sandbox median "
    f"{statistics.median(per) if per else 0:.0f}/s (min {min(per, default=0):.0f}, max "
    f"{max(per, default=0):.0f}); failed {failed}"
    + (f"; no result from sandboxes {missing}" if missing else ""))
say("    per sandbox (req/s, sandbox 0 first): "
    + " ".join(f"{serve[i]['ok'] / secs:.0f}" if i in serve else "-" for i in range(n)))
meds = [serve[i]["median_us"] for i in serve if serve[i]["median_us"]]
if meds:
    say(f"    request latency under load: median of the sandboxes' medians "
        f"{statistics.median(meds):.0f} us, worst p99 "
        f"{max(serve[i]['p99_us'] for i in serve if serve[i]['p99_us']):.0f} us")
for i in bad + missing:
    s = serve.get(i, {})
    say(f"    sandbox {i}: ok {s.get('ok', '-')}, failed {s.get('failed', '-')}, exit "
        f"{rcs[i]}: {s.get('first_error')}")
    if i in missing:
        for line in open(f"{d}/err.{i}").read().splitlines()[-3:]:
            say(f"      {line}")
nonzero = [i for i in range(n) if rcs[i] != 0]
if nonzero:
    say(f"    sandbox-exec exited non-zero for sandboxes {nonzero}")

held, why = True, []
for i in range(bombers):
    b = bomb.get(i)
    if not b:
        held = False
        why.append(f"sandbox {i}: no fork-loop result")
        say(f"limits: sandbox {i}: the fork loop reported nothing")
        continue
    good = (b["error"] == "EAGAIN" and b["tasks"] == b["limit"] and b["again_failed"]
            and b["recovered"])
    say(f"limits: sandbox {i} (max_processes {b['limit']}): fork loop stopped after "
        f"{b['forked']} children with {b['error'] or 'no error (cap reached!)'}, "
        f"{b['tasks']} tasks in the sandbox, a fork 0.5 s later "
        f"{'failed too' if b['again_failed'] else 'succeeded'}; after release fork "
        f"{'works' if b['recovered'] else 'still fails'}; its own requests meanwhile: "
        f"{serve.get(i, {}).get('failed', '?')} failed")
    if not good:
        held = False
        why.append(f"sandbox {i}: {b['tasks']} tasks of {b['limit']}, {b['error']}")
others_failed = sum(serve[i]["failed"] for i in serve if i >= bombers)
others_missing = [i for i in missing if i >= bombers]
say(f"limits: the other {n - bombers} sandboxes meanwhile: {others_failed} failed requests"
    + (f", no result from {others_missing}" if others_missing else ""))
if others_failed or others_missing:
    held = False
    why.append(f"others failed {others_failed}")
say(f"own limits held: {'yes' if held else 'no (' + '; '.join(why) + ')'}")

row(f"{n} sandboxes: total RSS", f"{rss_max / 1024:.1f} MiB",
    f"per sandbox {rss_max / 1024 / n:.2f} MiB", "", "")
row(f"{n} sandboxes: start-up under load", f"{ml:.1f} ms", f"idle {mi:.1f} ms",
    f"{ml / mi:.2f}", "")
row(f"{n} sandboxes: requests served", f"{ok / secs:.0f}/s", f"failed {failed}"
    + (f", {len(missing)} sandboxes without result" if missing else ""), "", "")
row(f"{n} sandboxes: own limits held", "yes" if held else "no: " + "; ".join(why), "", "", "")
