"""Drives Python's imaplib (public calls only) through CONDSTORE against a server.

Usage: imaplib_condstore.py HOST PORT USER PASSWORD MAILBOX
Prints one JSON object: each step's status and data as text.
"""
import imaplib
import json
import re
import sys

host, port, user, password, mailbox = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
out = {}


def text(data):
    parts = []
    for d in data:
        if isinstance(d, tuple):
            parts.append(b" ".join(x for x in d if isinstance(x, bytes)).decode("utf-8", "replace"))
        elif d is not None:
            parts.append(d.decode("utf-8", "replace"))
    return " | ".join(parts)


def step(name, result):
    typ, data = result
    out[name] = [typ, text(data)]
    return typ, data


m = imaplib.IMAP4(host, port)
out["capabilities"] = sorted(m.capabilities)
step("login", m.login(user, password))
step("enable", m.enable("CONDSTORE"))
step("create", m.create(mailbox))
message = b"From: py@example.org\r\nSubject: from imaplib\r\n\r\nhello from python\r\n"
step("append", m.append(mailbox, "(\\Seen)", None, message))
step("select", m.select(mailbox))
typ, data = step("fetch", m.uid("FETCH", "1:*", "(UID MODSEQ FLAGS BODY.PEEK[])"))
header = data[0][0].decode()
uid = re.search(r"UID (\d+)", header).group(1)
modseq = int(re.search(r"MODSEQ \((\d+)\)", header).group(1))
out["body"] = data[0][1].decode()
step("store", m.uid("STORE", uid, "(UNCHANGEDSINCE %d) +FLAGS" % modseq, "(\\Flagged)"))
step("stale_store", m.uid("STORE", uid, "(UNCHANGEDSINCE %d) +FLAGS" % modseq, "(\\Answered)"))
out["stale_modified"] = text(m.response("MODIFIED")[1])
step("refetch", m.uid("FETCH", uid, "(FLAGS MODSEQ)"))
step("search", m.uid("SEARCH", None, "MODSEQ", str(modseq + 1)))
step("logout", m.logout())
print(json.dumps(out))
