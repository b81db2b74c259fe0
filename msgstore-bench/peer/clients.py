#!/usr/bin/env python3
"""Closed-loop clients for the peer comparison (msgstore-bench/http-vs-dovecot, docs/BENCHMARKS.md).

  clients.py msgstore URL USER PASSWORD MODE CLIENTS SECONDS [SERVER_PID]
  clients.py imap     PORT USER PASSWORD MODE CLIENTS SECONDS [SERVER_PID]

Each client is its own process with one keep-alive connection, started together behind a barrier,
running back to back for SECONDS. MODE:
  save  conditional saves of random messages: msgstore PATCH of the subject with If-Match (the
        client keeps each message's ETag; on 412 it reads the message again), IMAP
        UID STORE ... (UNCHANGEDSINCE m) FLAGS ... (the client keeps each UID's MODSEQ; on
        [MODIFIED] it fetches it again)
  get   msgstore GET of a random message (JSON); IMAP UID FETCH of a random message's header
  hot   save, every client on the same message
Prints one JSON line: ok, conflicts and errors per second, and "stale": successes that were based on
a version another success had already replaced (a lost update; must be 0). An IMAP success that
wrote nothing (its MODSEQ did not move: the flags already were as asked) replaced no one's update
and is not counted.
msgstore sends HTTP Basic credentials on every request, as the issue's clients did.

The line also gives the CPU (user + system) the clients spent per successful operation, each client
from the barrier to its end ("client_cpu_us_per_ok"), and with SERVER_PID (a process on this
machine) the CPU of that process and of every process under it over the same span
("server_cpu_us_per_ok"): for msgstore the JVM, for Dovecot its master process, whose imap
processes (one per connection, ended with it) and login, auth and index processes are counted
whether they are running, ended or reaped (a reaped child's CPU is in its parent's cutime/cstime).
On a machine whose cores run both sides, the two figures say which side bounds a rate.
"""
import base64, http.client, imaplib, json, multiprocessing as mp, os, random, re, resource, sys, time, urllib.parse


def cpu_seconds():
    """The CPU (user + system) this process has used."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def tree_cpu_seconds(root):
    """The CPU of process ROOT and of its descendants, ended ones included (see the module comment)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent, cpu = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()  # from field 3 (state) on: comm may hold spaces
        except OSError:
            continue  # ended meanwhile: its CPU is in its parent's cutime/cstime now
        parent[int(name)] = int(fields[1])
        cpu[int(name)] = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    if root not in cpu:
        raise SystemExit(f"no process {root} to measure")
    children = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += cpu[pid]
        todo += children.get(pid, [])
    return total / tick


def msgstore_ids(url, auth):
    """Every message id of the user's Inbox, with the store id."""
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port)
    def get(path):
        c.request("GET", "/api/v1" + path, headers={"Authorization": auth})
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit(f"GET {path}: {r.status} {body[:200]!r}")
        return json.loads(body)
    store = get("/stores")[0]["id"]
    inbox = next(f["id"] for f in get(f"/stores/{store}/folders") if f.get("displayName") == "Inbox")
    ids, offset = [], 0
    while True:
        page = get(f"/stores/{store}/folders/{inbox}/messages?columns=PidTagSubject&offset={offset}&limit=1000")
        ids += [r["id"] for r in page["rows"]]
        offset += len(page["rows"])
        if not page["rows"] or offset >= page["rowCount"]:
            return store, ids


def msgstore_client(url, auth, store, ids, mode, seconds, barrier, out):
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port)
    etags, ok, conflicts, errors, pairs = {}, 0, 0, 0, []
    rnd = random.Random(os.getpid())
    hdr = {"Authorization": auth}

    def read(m):
        c.request("GET", f"/api/v1/stores/{store}/messages/{m}", headers=hdr)
        r = c.getresponse()
        r.read()
        if r.status != 200:
            raise RuntimeError(f"GET {m}: {r.status}")
        etags[m] = r.getheader("ETag")

    barrier.wait()  # every client set up; main reads the server's CPU
    barrier.wait()  # go
    cpu0 = cpu_seconds()
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        m = ids[0] if mode == "hot" else rnd.choice(ids)
        try:
            if mode == "get":
                read(m)
                ok += 1
                continue
            if m not in etags:
                read(m)
            n += 1
            base = etags[m]
            body = json.dumps({"properties": {"PidTagSubject": f"subject {os.getpid()} {n}"}})
            c.request("PATCH", f"/api/v1/stores/{store}/messages/{m}", body=body,
                      headers={**hdr, "If-Match": base, "Content-Type": "application/merge-patch+json"})
            r = c.getresponse()
            r.read()
            if r.status == 200:
                ok += 1
                etags[m] = r.getheader("ETag")
                if mode == "hot":
                    pairs.append((base, etags[m]))
            elif r.status == 412:
                conflicts += 1
                read(m)
            else:
                errors += 1
                etags.pop(m, None)
        except (OSError, http.client.HTTPException, RuntimeError):
            errors += 1
            c.close()
            c = http.client.HTTPConnection(u.hostname, u.port)
            etags.pop(m, None)
    out.put((ok, conflicts, errors, pairs, cpu_seconds() - cpu0))


FLAGS = re.compile(rb"FLAGS \(([^)]*)\)")


def imap_login(port, user, password):
    m = imaplib.IMAP4("127.0.0.1", port)
    m.login(user, password)
    m.enable("CONDSTORE")
    m.select("INBOX")
    return m


def imap_uids(port, user, password):
    m = imap_login(port, user, password)
    typ, data = m.uid("SEARCH", "ALL")
    m.logout()
    return [int(x) for x in data[0].split()]


def imap_client(port, user, password, uids, mode, seconds, barrier, out):
    m = imap_login(port, user, password)
    state, ok, conflicts, errors, pairs = {}, 0, 0, 0, []  # uid -> (modseq, flagged)
    rnd = random.Random(os.getpid())

    def read(uid):
        typ, data = m.uid("FETCH", str(uid), "(FLAGS MODSEQ)")
        line = b" ".join(d if isinstance(d, bytes) else d[0] for d in data if d)
        state[uid] = (int(re.search(rb"MODSEQ \((\d+)\)", line).group(1)), b"\\Flagged" in FLAGS.search(line).group(1))

    barrier.wait()  # every client set up; main reads the server's CPU
    barrier.wait()  # go
    cpu0 = cpu_seconds()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        uid = uids[0] if mode == "hot" else rnd.choice(uids)
        m.untagged_responses.clear()  # unsolicited FETCH/EXISTS of other sessions' changes
        try:
            if mode == "get":
                m.uid("FETCH", str(uid), "(BODY.PEEK[HEADER])")
                ok += 1
                continue
            if uid not in state:
                read(uid)
            base, flagged = state[uid]
            # To the other flag state, so that a success always changes the message (and its MODSEQ).
            typ, tagged = m._simple_command("UID", "STORE", str(uid), f"(UNCHANGEDSINCE {base})", "FLAGS",
                                            "()" if flagged else "(\\Flagged)")
            fetched = b" ".join(d for d in m.untagged_responses.pop("FETCH", []) if isinstance(d, bytes))
            if typ == "OK" and b"MODIFIED" not in b" ".join(t for t in tagged if t):
                seqs = [int(x) for x in re.findall(rb"MODSEQ \((\d+)\)", fetched)]
                state[uid] = (max(seqs) if seqs else base, not flagged)
                if not seqs:
                    state.pop(uid)  # no FETCH came back: read it before the next store
                ok += 1
                if mode == "hot" and (not seqs or max(seqs) > base):
                    # A success whose MODSEQ did not move wrote nothing (the flags already were
                    # so, its client's view of them having gone stale): it replaced no one's update.
                    pairs.append((base, seqs[-1] if seqs else None))
            elif typ == "OK":
                conflicts += 1
                read(uid)
            else:
                errors += 1
                state.pop(uid, None)
        except (OSError, imaplib.IMAP4.error):
            errors += 1
            m = imap_login(port, user, password)
            state.pop(uid, None)
    out.put((ok, conflicts, errors, pairs, cpu_seconds() - cpu0))


def guarded(target, args):
    """Runs one client; a client that cannot start breaks the barrier instead of hanging the others."""
    barrier, out = args[-2], args[-1]
    try:
        target(*args)
    except BaseException:
        barrier.abort()
        out.put(None)
        raise


def main():
    kind, where, user, password, mode, clients, seconds = sys.argv[1:8]
    clients, seconds = int(clients), float(seconds)
    server = int(sys.argv[8]) if len(sys.argv) > 8 else None
    if server is not None and not os.path.exists(f"/proc/{server}"):
        raise SystemExit(f"no process {server} to measure")  # before any client waits at the barrier
    barrier, out = mp.Barrier(clients + 1), mp.Queue()
    if kind == "msgstore":
        auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        store, ids = msgstore_ids(where, auth)
        target, args = msgstore_client, (where, auth, store, ids, mode, seconds, barrier, out)
    else:
        uids = imap_uids(int(where), user, password)
        target, args = imap_client, (int(where), user, password, uids, mode, seconds, barrier, out)
    procs = [mp.Process(target=guarded, args=(target, args)) for _ in range(clients)]
    for p in procs:
        p.start()
    try:
        barrier.wait(timeout=60)
        server_cpu0 = tree_cpu_seconds(server) if server else None
        barrier.wait(timeout=60)
    except Exception:
        for p in procs:
            p.kill()
        raise SystemExit(f"{kind} {mode}: a client did not start (its error is above)")
    results = [out.get() for _ in procs]
    if any(r is None for r in results):
        raise SystemExit(f"{kind} {mode}: a client failed (its error is above)")
    for p in procs:
        p.join()
    server_cpu = tree_cpu_seconds(server) - server_cpu0 if server else None
    ok = sum(r[0] for r in results)
    conflicts = sum(r[1] for r in results)
    errors = sum(r[2] for r in results)
    bases = {}
    for r in results:
        for base, _ in r[3]:
            bases[base] = bases.get(base, 0) + 1
    stale = sum(n - 1 for n in bases.values())
    per_ok = lambda cpu: round(cpu / ok * 1e6) if ok and cpu is not None else None
    print(json.dumps({"kind": kind, "mode": mode, "clients": clients, "ok_per_s": ok / seconds,
                      "conflicts_per_s": conflicts / seconds, "errors": errors, "stale": stale,
                      "client_cpu_us_per_ok": per_ok(sum(r[4] for r in results)),
                      "server_cpu_us_per_ok": per_ok(server_cpu)}))


if __name__ == "__main__":
    mp.set_start_method("fork")
    main()
