#!/usr/bin/env python3
"""Writes a deterministic mboxrd file of N realistic messages (default 10,000) for the import
benchmarks (docs/BENCHMARKS.md, "Import against Dovecot").

  python3 gen-mbox.py OUT.mbox [N]

The same N always gives the same bytes (seeded; no clock, no locale). The mix: two Received
headers, Message-ID, Date, From/To (a Cc on one in 3), a reply thread (In-Reply-To/References) on
one in 4, RFC 2047 encoded subjects on one in 6; bodies are text/plain (half quoted-printable
with non-ASCII text) or multipart/alternative text + HTML (2 in 5); one in 8 has a base64
attachment of 4-96 KB (PDF, PNG or ZIP-like bytes, some with RFC 2231 names); one in 7 has body
lines starting "From " or ">From " that mboxrd quotes.
"""
import base64, email.utils, quopri, random, sys, time

out_path = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
rnd = random.Random(8)
words = ("the message store keeps every version of a mail and its change key so conflicts are found "
         "meeting tomorrow budget report please review attached draft quarterly numbers thanks again "
         "project deadline customer invoice schedule update release notes server migration").split()
uwords = ["Grüße", "café", "naïve", "Überweisung", "résumé", "Zürich", "€ 12,50", "smörgåsbord"]
names = ["Alice Martin", "Bob Müller", "Chloé Durand", "Dmitri Ivanov", "Eve O'Neil", "Fran García",
         "Gus Lee", "Hanna Schmidt", "Ivan Petrov", "Jo Smith"]

def addr(i):
    nm = names[i % len(names)]
    local = nm.split()[0].lower().replace("é", "e").replace("'", "") + str(i % 37)
    disp = email.utils.formataddr((nm, f"{local}@example.org"), charset="utf-8")
    return disp

def sentence(uni=False):
    ws = [rnd.choice(words) for _ in range(rnd.randint(6, 16))]
    if uni and rnd.random() < 0.3:
        ws[rnd.randrange(len(ws))] = rnd.choice(uwords)
    return " ".join(ws).capitalize() + "."

def paragraphs(uni, quoting):
    paras = []
    for _ in range(rnd.randint(2, 9)):
        paras.append(" ".join(sentence(uni) for _ in range(rnd.randint(1, 5))))
    if quoting:
        paras.insert(1, "From the notes of the last meeting:\n>From an older reply, already quoted")
    return paras

def wrap(text, width=72):
    lines, line = [], ""
    for w in text.split(" "):
        if line and len(line) + 1 + len(w) > width:
            lines.append(line); line = w
        else:
            line = (line + " " + w) if line else w
    lines.append(line)
    return "\n".join(lines)

def text_part(paras):
    body = "\n\n".join(wrap(p) for p in paras) + "\n\n-- \nSent from the benchmark\n"
    if any(ord(c) > 127 for c in body):
        qp = quopri.encodestring(body.encode("utf-8")).decode("ascii")
        return ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" + qp)
    return "Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n" + body

def html_part(paras):
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    html = ("<html><head><meta charset=\"utf-8\"><style>p{font-family:Arial}</style></head><body>\n"
            + "\n".join("<p>" + esc(p) + "</p>" for p in paras) + "\n<p><b>Sent from the benchmark</b></p></body></html>\n")
    qp = quopri.encodestring(html.encode("utf-8")).decode("ascii")
    return "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n" + qp

def attachment(i):
    kind = rnd.choice([("application/pdf", "report", "pdf", b"%PDF-1.4\n"),
                       ("image/png", "chart", "png", b"\x89PNG\r\n\x1a\n"),
                       ("application/zip", "archive", "zip", b"PK\x03\x04")])
    data = kind[3] + rnd.randbytes(rnd.randint(4_000, 96_000))
    b64 = base64.encodebytes(data).decode("ascii")
    fname = f"{kind[1]}-{i}.{kind[2]}"
    if i % 3 == 0:
        disp = f"attachment; filename*=utf-8''%C3%9Cbersicht-{i}.{kind[2]}"
    else:
        disp = f'attachment; filename="{fname}"'
    return (f'Content-Type: {kind[0]}; name="{fname}"\nContent-Transfer-Encoding: base64\n'
            f"Content-Disposition: {disp}\n\n" + b64)

with open(out_path, "w", newline="\n", encoding="utf-8") as out:
    for i in range(n):
        t = 1_700_000_000 + i * 97
        sender, to = addr(i), addr(i * 7 + 3)
        subj = " ".join(rnd.choice(words) for _ in range(rnd.randint(2, 7)))
        if i % 6 == 1:
            subj = "=?utf-8?q?" + quopri.encodestring(f"{rnd.choice(uwords)} ".encode(), header=True).decode() + "?= " + subj
        if i % 4 == 2 and i > 10:
            subj = "Re: " + subj
        envelope = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(t))  # asctime, as mbox wants
        h = [f"From {sender.split('<')[-1].rstrip('>')} {envelope}",
             f"Received: from mx{i % 5}.example.net (mx{i % 5}.example.net [192.0.2.{i % 250 + 1}])\n"
             f"\tby mail.example.org with ESMTPS id {i:08x}\n\tfor <alice@example.org>; {email.utils.formatdate(t + 2)}",
             f"Received: from client.example.com ([198.51.100.{i % 200 + 1}])\n\tby mx{i % 5}.example.net with ESMTPSA; {email.utils.formatdate(t)}",
             f"Message-ID: <bench-{i}.{t}@example.org>",
             f"Date: {email.utils.formatdate(t)}",
             f"From: {sender}", f"To: {to}"]
        if i % 3 == 0:
            h.append(f"Cc: {addr(i + 11)}, {addr(i + 13)}")
        h.append(f"Subject: {subj}")
        if i % 4 == 2 and i > 10:
            h.append(f"In-Reply-To: <bench-{i - 7}.{1_700_000_000 + (i - 7) * 97}@example.org>")
            h.append(f"References: <bench-{i - 9}.{1_700_000_000 + (i - 9) * 97}@example.org> "
                     f"<bench-{i - 7}.{1_700_000_000 + (i - 7) * 97}@example.org>")
        h.append("MIME-Version: 1.0")
        paras = paragraphs(i % 2 == 0, i % 7 == 3)
        alt = i % 5 in (1, 4)
        att = i % 8 == 5
        if alt:
            body = (f'Content-Type: multipart/alternative; boundary="alt-{i}"\n\n--alt-{i}\n' + text_part(paras)
                    + f"\n--alt-{i}\n" + html_part(paras) + f"\n--alt-{i}--\n")
        else:
            body = text_part(paras)
        if att:
            msg = "\n".join(h) + (f'\nContent-Type: multipart/mixed; boundary="mix-{i}"\n\nThis is a multi-part message.\n'
                                  f"--mix-{i}\n" + body + f"\n--mix-{i}\n" + attachment(i) + f"--mix-{i}--\n")
        else:
            msg = "\n".join(h) + "\n" + body
        lines = msg.split("\n")
        # mboxrd: quote every ">*From " body line (not the envelope line).
        lines = [lines[0]] + [(">" + l) if l.lstrip(">").startswith("From ") else l for l in lines[1:]]
        out.write("\n".join(lines).rstrip("\n") + "\n\n")
