#!/usr/bin/env python3
"""Server CPU per request, one client (docs/BENCHMARKS.md: "The writer's page cache", "A message's
JSON written without a tree").

  cpu-per-request.py URL USER PASSWORD SERVER_PID save SECONDS ROUNDS
  cpu-per-request.py URL USER PASSWORD SERVER_PID first-read ROUNDS
  cpu-per-request.py URL USER PASSWORD SERVER_PID get SECONDS ROUNDS

One process, one keep-alive connection, HTTP Basic credentials on every request (as clients.py).
The server must run on this machine: its CPU (user + system) is read from /proc/SERVER_PID/stat.
  save        GETs every message of the user's Inbox for its ETag (not measured), then runs ROUNDS
              points of SECONDS each of PATCHes of a random message's subject with If-Match. Unlike
              clients.py's save mode no point includes the first read of a message: the save path
              alone.
  first-read  each round changes every message once (PATCH with If-Match: *, not measured), then
              GETs each: every GET is the first read of a new version (rendered, not cached).
  get         runs ROUNDS points of SECONDS each of GETs of a random message (after the first round,
              mostly answered from the rendered bodies, ADR 0031); each point also gives this
              client's own CPU per request.
Prints one line: per point, requests per second and the server's CPU per request.
"""
import base64, http.client, json, random, sys, time, urllib.parse

from clients import cpu_seconds, tree_cpu_seconds


class Client:
    def __init__(self, url, user, password, pid):
        u = urllib.parse.urlsplit(url)
        self.c = http.client.HTTPConnection(u.hostname, u.port)
        self.hdr = {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
        self.pid = int(pid)

    def get(self, path):
        self.c.request("GET", "/api/v1" + path, headers=self.hdr)
        r = self.c.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit(f"GET {path}: {r.status} {body[:200]!r}")
        return r, body

    def patch_subject(self, store, m, subject, if_match):
        self.c.request("PATCH", f"/api/v1/stores/{store}/messages/{m}",
                       body=json.dumps({"properties": {"PidTagSubject": subject}}),
                       headers={**self.hdr, "If-Match": if_match, "Content-Type": "application/merge-patch+json"})
        r = self.c.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"PATCH {m}: {r.status}")
        return r.getheader("ETag")

    def inbox(self):
        store = json.loads(self.get("/stores")[1])[0]["id"]
        inbox = next(f["id"] for f in json.loads(self.get(f"/stores/{store}/folders")[1])
                     if f.get("displayName") == "Inbox")
        ids, offset = [], 0
        while True:
            page = json.loads(self.get(f"/stores/{store}/folders/{inbox}/messages"
                                       f"?columns=PidTagSubject&offset={offset}&limit=1000")[1])
            ids += [r["id"] for r in page["rows"]]
            offset += len(page["rows"])
            if not page["rows"] or offset >= page["rowCount"]:
                return store, ids

    def point(self, run, client_cpu=False):
        """Runs one measured point; returns 'N/s CPU us/request' (and the client's CPU if asked)."""
        cpu0, t0, own0 = tree_cpu_seconds(self.pid), time.monotonic(), cpu_seconds()
        n = run()
        elapsed, cpu, own = time.monotonic() - t0, tree_cpu_seconds(self.pid) - cpu0, cpu_seconds() - own0
        return f"{n / elapsed:.0f}/s {cpu * 1e6 / n:.0f} us/request" + (
            f" (client {own * 1e6 / n:.0f} us)" if client_cpu else "")


def main():
    url, user, password, pid, mode = sys.argv[1:6]
    c = Client(url, user, password, pid)
    store, ids = c.inbox()
    points = []
    if mode == "save":
        seconds, rounds = float(sys.argv[6]), int(sys.argv[7])
        etags = {m: c.get(f"/stores/{store}/messages/{m}")[0].getheader("ETag") for m in ids}

        def saves():
            n, end = 0, time.monotonic() + seconds
            while time.monotonic() < end:
                m = random.choice(ids)
                n += 1
                etags[m] = c.patch_subject(store, m, f"subject {n}", etags[m])
            return n

        points = [c.point(saves) for _ in range(rounds)]
    elif mode == "first-read":
        for k in range(int(sys.argv[6])):
            for m in ids:
                c.patch_subject(store, m, f"round {k}", "*")
            points.append(c.point(lambda: sum(1 for m in ids if c.get(f"/stores/{store}/messages/{m}"))))
    elif mode == "get":
        seconds, rounds = float(sys.argv[6]), int(sys.argv[7])

        def gets():
            n, end = 0, time.monotonic() + seconds
            while time.monotonic() < end:
                c.get(f"/stores/{store}/messages/{random.choice(ids)}")
                n += 1
            return n

        points = [c.point(gets, client_cpu=True) for _ in range(rounds)]
    else:
        raise SystemExit(f"unknown mode {mode!r}: save, first-read or get")
    print(", ".join(points))


if __name__ == "__main__":
    main()
