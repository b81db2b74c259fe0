// Drives imapflow (its public API only) with QRESYNC against a server.
// Usage: node imapflow_qresync.js PORT USER PASSWORD MAILBOX; prints one JSON object.
const { ImapFlow } = require('imapflow');

const [port, user, pass, box] = process.argv.slice(2);
const connect = async () => {
  const c = new ImapFlow({ host: '127.0.0.1', port: Number(port), secure: false, auth: { user, pass },
    logger: false, qresync: true });
  await c.connect();
  return c;
};

(async () => {
  const out = {};
  const a = await connect();
  const b = await connect();
  out.enabled = [...a.enabled];
  await a.mailboxCreate(box);
  const raw = 'From: flow@example.org\r\nSubject: from imapflow\r\n\r\nhello from node\r\n';
  const appended = await a.append(box, raw, ['\\Seen']);
  out.appendUid = appended.uid;
  const lock = await a.getMailboxLock(box);
  out.opened = { exists: a.mailbox.exists, highestModseq: String(a.mailbox.highestModseq) };
  const msg = await a.fetchOne(String(appended.uid), { uid: true, flags: true, source: true }, { uid: true });
  out.source = msg.source.toString();
  out.flags = [...msg.flags];
  out.modseq = String(msg.modseq);
  const events = [];
  a.on('flags', e => events.push({ type: 'flags', uid: e.uid, flags: [...e.flags] }));
  a.on('expunge', e => events.push({ type: 'expunge', uid: e.uid, vanished: e.vanished }));
  // a is idle (imapflow IDLEs on its own); a NOOP every half second covers one that has not yet.
  const heard = async type => {
    const deadline = Date.now() + 20000;
    while (!events.some(e => e.type === type) && Date.now() < deadline) {
      await new Promise(r => setTimeout(r, 500));
      if (!events.some(e => e.type === type)) {
        await a.noop();
      }
    }
  };
  const other = await b.getMailboxLock(box);
  await b.messageFlagsAdd(String(appended.uid), ['\\Flagged'], { uid: true });
  await heard('flags');
  await b.messageDelete(String(appended.uid), { uid: true });
  other.release();
  await heard('expunge');
  out.events = events;
  lock.release();
  await a.logout();
  await b.logout();
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
