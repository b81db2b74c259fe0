#!/usr/bin/env python3
"""Server CPU per conditional save, one client (docs/BENCHMARKS.md, "The writer's page cache").

  cpu-per-save.py URL USER PASSWORD SERVER_PID SECONDS ROUNDS

One process, one keep-alive connection, HTTP Basic credentials on every request (as clients.py).
It first GETs every message of the user's Inbox for its ETag (not measured), then runs ROUNDS
points of SECONDS each of PATCHes of a random message's subject with If-Match, and prints, per
point, the saves per second and the server's CPU (user + system, from /proc/SERVER_PID/stat) per
save. Unlike clients.py's save mode no point includes the first read of a message, so the figure
is the save path alone. The server must run on this machine.
"""
import base64, http.client, json, os, random, sys, time, urllib.parse


def main():
    url, user, password, pid, seconds, rounds = sys.argv[1:7]
    seconds, rounds = float(seconds), int(rounds)
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port)
    hdr = {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    tick = os.sysconf("SC_CLK_TCK")

    def get(path):
        c.request("GET", "/api/v1" + path, headers=hdr)
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit(f"GET {path}: {r.status} {body[:200]!r}")
        return r, body

    def cpu_seconds():
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    store = json.loads(get("/stores")[1])[0]["id"]
    inbox = next(f["id"] for f in json.loads(get(f"/stores/{store}/folders")[1]) if f.get("displayName") == "Inbox")
    ids, offset = [], 0
    while True:
        page = json.loads(get(f"/stores/{store}/folders/{inbox}/messages?columns=PidTagSubject&offset={offset}&limit=1000")[1])
        ids += [r["id"] for r in page["rows"]]
        offset += len(page["rows"])
        if not page["rows"] or offset >= page["rowCount"]:
            break
    etags = {m: get(f"/stores/{store}/messages/{m}")[0].getheader("ETag") for m in ids}
    points = []
    for _ in range(rounds):
        n, cpu0, t0 = 0, cpu_seconds(), time.monotonic()
        while time.monotonic() < t0 + seconds:
            m = random.choice(ids)
            n += 1
            c.request("PATCH", f"/api/v1/stores/{store}/messages/{m}",
                      body=json.dumps({"properties": {"PidTagSubject": f"subject {n}"}}),
                      headers={**hdr, "If-Match": etags[m], "Content-Type": "application/merge-patch+json"})
            r = c.getresponse()
            r.read()
            if r.status != 200:
                raise SystemExit(f"PATCH {m}: {r.status}")
            etags[m] = r.getheader("ETag")
        elapsed = time.monotonic() - t0
        points.append(f"{n / elapsed:.0f} saves/s {(cpu_seconds() - cpu0) * 1e6 / n:.0f} us/save")
    print(", ".join(points))


if __name__ == "__main__":
    main()
