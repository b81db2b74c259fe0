"""Sends mail over LMTP with Python's own smtplib.LMTP (a client no one in this project wrote).

Usage: python3 lmtp_send.py HOST PORT < job.json, where job.json is
  {"from": "a@b", "mail_options": ["SIZE=10"], "transactions": N (default 1),
   "rcpts": ["x@y", ...], "message_file": "/path/to/raw.eml"}
Prints one JSON object: the LHLO features, MAIL and RCPT replies, and after DATA one reply per
accepted recipient (smtplib's data() reads the first; getreply() reads each further one, RFC 2033).
With "transactions" > 1 the same transaction is repeated on the same connection (for the rate
measurement) and only the replies of the last one are printed.
"""
import json
import smtplib
import sys


def reply(code_msg):
    code, msg = code_msg
    return [code, msg.decode("utf-8", "replace")]


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    job = json.load(sys.stdin)
    with open(job["message_file"], "rb") as f:
        message = f.read()
    out = {}
    c = smtplib.LMTP(host, port, timeout=60)
    try:
        out["lhlo"] = reply(c.ehlo("python-client.example"))
        out["features"] = sorted(c.esmtp_features.keys())
        out["size"] = c.esmtp_features.get("size")
        for _ in range(int(job.get("transactions", 1))):
            out["mail"] = reply(c.mail(job["from"], job.get("mail_options", [])))
            out["rcpt"] = []
            accepted = 0
            if out["mail"][0] == 250:
                for r in job["rcpts"]:
                    rr = reply(c.rcpt(r))
                    out["rcpt"].append(rr)
                    if rr[0] == 250:
                        accepted += 1
            out["data"] = []
            if accepted:
                out["data"].append(reply(c.data(message)))
                for _ in range(accepted - 1):
                    out["data"].append(reply(c.getreply()))
            else:
                c.rset()
        out["noop"] = reply(c.noop())
        out["quit"] = reply(c.quit())
    finally:
        c.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
