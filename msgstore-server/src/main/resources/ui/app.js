// msgstore web UI (ADR 0021, docs/ui.md). Preact as ES modules from the WebJar, no build step.
// Every read and write goes through the JSON API of docs/http-api.md with the browser session;
// writes carry the session's CSRF token. No save rule is implemented here: conflict choices are
// the API's own (If-Match: *, onConflict=saveElsewhere, merge=ALWAYS_OVERWRITE).
import { h, render } from 'preact';
import { useState, useEffect, useRef, useCallback } from 'preact/hooks';

const PAGE = 50;
const COLUMNS = ['PidTagSenderName', 'PidTagSubject', 'PidTagMessageDeliveryTime', 'PidTagLastModificationTime',
  'PidTagMessageSize', 'PidTagMessageFlags', 'PidTagHasAttachments'];
const MSGFLAG_READ = 1;
const RECIPIENT_TYPE = { 1: 'To', 2: 'Cc', 3: 'Bcc' };

let csrf = null;

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
    this.status = status;
    this.problem = problem;
  }
}

async function call(method, path, { body, headers = {}, raw = false, url } = {}) {
  const hs = { ...headers };
  if (method !== 'GET' && csrf) hs['X-CSRF-Token'] = csrf;
  let payload;
  if (body instanceof Blob) {
    payload = body;
  } else if (body !== undefined) {
    hs['Content-Type'] = hs['Content-Type'] || 'application/json';
    payload = JSON.stringify(body);
  }
  const r = await fetch(url || ('/api/v1' + path), { method, headers: hs, body: payload, credentials: 'same-origin' });
  const type = r.headers.get('Content-Type') || '';
  const data = r.status === 204 ? null : (type.includes('json') ? await r.json() : await r.text());
  if (!r.ok) throw new ApiError(r.status, typeof data === 'object' ? data : { detail: data });
  return raw ? { data, etag: r.headers.get('ETag'), status: r.status } : data;
}

const prop = (o, name) => (o && o.properties && o.properties[name] ? o.properties[name].value : undefined);
const enc = encodeURIComponent;
const fmtDate = (s) => (s ? new Date(s).toLocaleString() : '');
const fmtShort = (s) => (s ? new Date(s).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '');
const fmtSize = (n) => (n == null ? '' : n < 1024 ? n + ' B' : n < 1048576 ? Math.round(n / 1024) + ' KB' : (n / 1048576).toFixed(1) + ' MB');
const unquote = (etag) => (etag || '').replace(/^W\//, '').replace(/"/g, '');

function showValue(v) {
  if (v == null) return '(none)';
  if (v.value !== undefined) {
    const x = v.value;
    if (typeof x === 'string') return x.length > 200 ? x.slice(0, 200) + '…' : x;
    return JSON.stringify(x);
  }
  if (v.properties) {
    const name = prop(v, 'PidTagDisplayName') || prop(v, 'PidTagEmailAddress') || prop(v, 'PidTagAttachLongFilename')
      || prop(v, 'PidTagAttachFilename');
    return name || '(row)';
  }
  return JSON.stringify(v);
}

const FRIENDLY = {
  PidTagSubject: 'Subject', PidTagBody: 'Body', PidTagBodyHtml: 'HTML body', PidTagHtml: 'HTML body',
  PidTagImportance: 'Importance', PidTagSensitivity: 'Sensitivity', PidTagDisplayTo: 'To (display)',
  PidTagDisplayCc: 'Cc (display)', PidTagSenderName: 'Sender', PidTagMessageFlags: 'Flags',
  PidTagFlagStatus: 'Follow-up flag', PidTagCategories: 'Categories',
};

function unitLabel(u) {
  const canonical = unitName(u);
  const friendly = u.kind === 'property' ? FRIENDLY[canonical] : null;
  return friendly ? [friendly, h('small', { class: 'canon' }, ' ' + canonical)] : canonical;
}

function unitName(u) {
  if (u.kind === 'property') return u.name || u.tag;
  if (u.kind === 'recipient') return 'Recipient ' + u.rowId;
  return 'Attachment ' + u.attachNum;
}

// ---- sign in

function SignIn({ onSignedIn }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const s = await call('POST', '', { url: '/session', body: { user, password } });
      onSignedIn(s);
    } catch (err) {
      setError(err.status === 401 ? 'The user name or password is wrong.' : err.message);
    } finally {
      setBusy(false);
    }
  };
  return h('main', { class: 'signin' },
    h('h1', null, 'Sign in to msgstore'),
    h('form', { onSubmit: submit },
      h('label', { for: 'signin-user' }, 'User name'),
      h('input', { id: 'signin-user', name: 'user', autocomplete: 'username', value: user, required: true,
        onInput: (e) => setUser(e.target.value) }),
      h('label', { for: 'signin-password' }, 'Password'),
      h('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password',
        value: password, required: true, onInput: (e) => setPassword(e.target.value) }),
      h('p', { role: 'alert', class: 'error' }, error),
      h('button', { type: 'submit', class: 'primary', disabled: busy }, 'Sign in')));
}

// ---- folders

function Folders({ folders, current, onPick }) {
  return h('nav', { class: 'folders', 'aria-label': 'Folders' },
    h('ul', null, folders.filter((f) => f.parentId != null).map((f) =>
      h('li', { key: f.id, class: f.id === current ? 'current' : '', style: { paddingLeft: (6 + 12 * Math.max(0, (f.depth || 1) - 1)) + 'px' } },
        h('a', { href: '#' + f.id, 'aria-current': f.id === current ? 'page' : undefined,
          onClick: (e) => { e.preventDefault(); onPick(f.id); } }, f.displayName),
        f.unreadCount > 0 ? h('span', { class: 'count', 'aria-label': f.unreadCount + ' unread' }, f.unreadCount) : null))));
}

// ---- message list

function MessageList({ list, selected, sort, onSort, onOpen, onPage, search, onSearch }) {
  const [q, setQ] = useState(search);
  const header = (label, col, cls) => {
    const active = sort.replace(/^-/, '') === col;
    const desc = sort.startsWith('-');
    return h('th', { class: cls, 'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none' },
      h('button', { onClick: () => onSort(active && !desc ? '-' + col : col) }, label, active ? (desc ? ' ▼' : ' ▲') : ''));
  };
  const from = list.rowCount === 0 ? 0 : list.offset + 1;
  const to = Math.min(list.offset + list.rows.length, list.rowCount);
  return h('section', { class: 'list', 'aria-label': 'Messages' },
    h('form', { class: 'list-tools', role: 'search', onSubmit: (e) => { e.preventDefault(); onSearch(q); } },
      h('label', { for: 'search', class: 'visually-hidden' }, 'Search'),
      h('input', { id: 'search', type: 'search', placeholder: 'Search subject and sender', value: q,
        onInput: (e) => setQ(e.target.value) }),
      h('button', { type: 'submit' }, 'Search')),
    h('table', { class: 'messages' },
      h('thead', null, h('tr', null,
        h('th', null, h('span', { class: 'visually-hidden' }, 'Status')),
        header('From', 'PidTagSenderName'),
        header('Subject', 'PidTagSubject'),
        header('Date', 'PidTagMessageDeliveryTime', 'col-date'),
        header('Size', 'PidTagMessageSize', 'col-size'))),
      h('tbody', null, list.rows.map((r) => {
        const unread = ((prop(r, 'PidTagMessageFlags') || 0) & MSGFLAG_READ) === 0;
        const att = prop(r, 'PidTagHasAttachments');
        const subject = prop(r, 'PidTagSubject') || '(no subject)';
        return h('tr', { key: r.id, class: (unread ? 'unread ' : '') + (r.id === selected ? 'selected' : ''),
          'data-id': r.id, 'aria-selected': r.id === selected ? 'true' : 'false', onClick: () => onOpen(r.id) },
          h('td', null, unread ? h('span', { title: 'Unread' }, '● ', h('span', { class: 'visually-hidden' }, 'Unread')) : '',
            att ? h('span', { title: 'Has attachments' }, h('svg', { class: 'clip', viewBox: '0 0 16 16', 'aria-hidden': 'true' },
              h('path', { d: 'M10.5 4.5v6a2.5 2.5 0 0 1-5 0V3.8a1.8 1.8 0 0 1 3.6 0v6.4a.9.9 0 0 1-1.8 0V4.5', fill: 'none',
                stroke: 'currentColor', 'stroke-width': '1.3', 'stroke-linecap': 'round' })),
            h('span', { class: 'visually-hidden' }, 'Has attachments')) : ''),
          h('td', null, prop(r, 'PidTagSenderName') || ''),
          h('td', null, h('button', { class: 'open', onClick: (e) => { e.stopPropagation(); onOpen(r.id); } }, subject)),
          h('td', { class: 'col-date' }, fmtShort(prop(r, 'PidTagMessageDeliveryTime') || prop(r, 'PidTagLastModificationTime'))),
          h('td', { class: 'col-size' }, fmtSize(prop(r, 'PidTagMessageSize'))));
      }))),
    h('div', { class: 'pager' },
      h('button', { disabled: list.offset === 0, onClick: () => onPage(Math.max(0, list.offset - PAGE)) }, 'Previous page'),
      h('span', { role: 'status' }, `${from}–${to} of ${list.rowCount}`),
      h('button', { disabled: to >= list.rowCount, onClick: () => onPage(list.offset + PAGE) }, 'Next page')));
}

// ---- reading pane

function Recipients({ message }) {
  const groups = {};
  for (const r of message.recipients || []) {
    const t = RECIPIENT_TYPE[prop(r, 'PidTagRecipientType')] || 'To';
    const name = prop(r, 'PidTagDisplayName');
    const addr = prop(r, 'PidTagSmtpAddress') || prop(r, 'PidTagEmailAddress');
    (groups[t] = groups[t] || []).push(name && addr && name !== addr ? `${name} <${addr}>` : (name || addr || ''));
  }
  return Object.entries(groups).map(([t, list]) => [h('dt', null, t), h('dd', null, list.join(', '))]);
}

function hasHtml(m) {
  return prop(m, 'PidTagBodyHtml') !== undefined || prop(m, 'PidTagHtml') !== undefined;
}

function MessageView({ storeId, message, embeddedPath, onOpenEmbedded, remote, setRemote }) {
  const id = message.id;
  const base = `/api/v1/stores/${enc(storeId)}/messages/${enc(id)}`;
  return h('div', null,
    h('h2', null, prop(message, 'PidTagSubject') || '(no subject)'),
    h('dl', null,
      h('dt', null, 'From'), h('dd', null, [prop(message, 'PidTagSenderName'), prop(message, 'PidTagSenderEmailAddress')]
        .filter(Boolean).join(' ') || '—'),
      h(Recipients, { message }),
      h('dt', null, 'Date'), h('dd', null, fmtDate(prop(message, 'PidTagMessageDeliveryTime')
        || prop(message, 'PidTagLastModificationTime')))),
    (message.attachments || []).length > 0 ? h('section', { 'aria-label': 'Attachments' },
      h('h3', null, 'Attachments'),
      h('ul', { class: 'attachments' }, message.attachments.map((a) => {
        const name = prop(a, 'PidTagAttachLongFilename') || prop(a, 'PidTagAttachFilename')
          || prop(a, 'PidTagDisplayName') || ('attachment ' + a.attachNum);
        if (a.embedded) {
          return h('li', { key: a.attachNum }, h('button', { onClick: () => onOpenEmbedded(a) },
            'Open embedded message: ' + (prop(a.embedded, 'PidTagSubject') || name)));
        }
        return h('li', { key: a.attachNum }, embeddedPath
          ? name
          : h('a', { href: `${base}/attachments/${a.attachNum}/content`, download: name }, 'Download ' + name),
        a.content ? ' (' + fmtSize(a.content.size) + ')' : '');
      }))) : null,
    hasHtml(message) && !embeddedPath
      ? h('div', null,
        remote ? null : h('button', { onClick: () => setRemote(true) }, 'Show remote images'),
        h('iframe', { class: 'html-body', title: 'Message body', sandbox: '', referrerpolicy: 'no-referrer',
          src: `${base}/html${remote ? '?remote=true' : ''}` }))
      : h('pre', { class: 'body', 'aria-label': 'Message body' }, prop(message, 'PidTagBody') || ''));
}

// ---- editor

/** A recipient field's text: "Name <address>" (the name quoted when it holds a comma), or the address alone. */
function recipientsText(m, type) {
  return (m.recipients || []).filter((r) => (prop(r, 'PidTagRecipientType') || 1) === type)
    .map((r) => {
      const addr = prop(r, 'PidTagSmtpAddress') || prop(r, 'PidTagEmailAddress') || '';
      const name = prop(r, 'PidTagDisplayName') || '';
      if (!addr) return name;
      if (!name || name === addr) return addr;
      return `${/[,"<>]/.test(name) ? '"' + name.replace(/"/g, '') + '"' : name} <${addr}>`;
    })
    .join(', ');
}

/** Splits a recipient field on the commas outside double quotes. */
function splitRecipients(text) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

function draftOf(m) {
  return {
    subject: prop(m, 'PidTagSubject') || '',
    body: prop(m, 'PidTagBody') || '',
    to: recipientsText(m, 1),
    cc: recipientsText(m, 2),
    bcc: recipientsText(m, 3),
    attachments: (m.attachments || []).map((a) => ({ ...a })),
  };
}

/** The whole view to PUT: the version the editor opened, with the person's edits on top. */
function viewOf(original, draft) {
  const start = draftOf(original);
  const properties = { ...(original.properties || {}) };
  properties.PidTagSubject = draft.subject;
  properties.PidTagBody = draft.body;
  if (draft.body !== start.body) {
    delete properties.PidTagBodyHtml;
    delete properties.PidTagHtml;
    delete properties.PidTagRtfCompressed;
  }
  let recipients = original.recipients || [];
  if (draft.to !== start.to || draft.cc !== start.cc || draft.bcc !== start.bcc) {
    // A row whose address and type are still there is kept whole (its display name and every other
    // property); only addresses typed anew become new rows, "Name <addr>" giving the name.
    const existing = recipients.map((r) => ({
      r, type: prop(r, 'PidTagRecipientType') || 1,
      addr: (prop(r, 'PidTagSmtpAddress') || prop(r, 'PidTagEmailAddress') || prop(r, 'PidTagDisplayName') || '').toLowerCase(),
    }));
    const used = new Set();
    const rows = [];
    const add = (text, type) => splitRecipients(text).forEach((entry) => {
      const m = entry.match(/^(.*?)\s*<([^<>]+)>$/);
      const addr = m ? m[2].trim() : entry;
      const name = m && m[1] ? m[1].replace(/^"(.*)"$/, '$1').trim() : addr;
      const i = existing.findIndex((e, k) => !used.has(k) && e.type === type && e.addr === addr.toLowerCase());
      if (i >= 0) {
        used.add(i);
        rows.push(existing[i].r);
      } else {
        rows.push({ properties: { PidTagDisplayName: name, PidTagEmailAddress: addr, PidTagAddressType: 'SMTP',
          PidTagRecipientType: type } });
      }
    });
    add(draft.to, 1);
    add(draft.cc, 2);
    add(draft.bcc, 3);
    recipients = rows;
  }
  const attachments = draft.attachments.map((a) => {
    const out = { properties: a.properties };
    if (a.attachNum !== undefined) out.attachNum = a.attachNum;
    if (a.content && a.attachNum === undefined) out.content = a.content;
    if (a.embedded && a.attachNum === undefined) out.embedded = a.embedded;
    return out;
  });
  return { properties, recipients, attachments };
}

function Editor({ storeId, draft, setDraft, isNew, onSave, onCancel, busy, notice }) {
  const fileRef = useRef(null);
  const set = (k) => (e) => setDraft({ ...draft, [k]: e.target.value });
  const addFiles = async (e) => {
    const files = [...e.target.files];
    const added = [];
    for (const f of files) {
      const c = await call('POST', `/stores/${enc(storeId)}/content`, { body: f, headers: { 'Content-Type': 'application/octet-stream' } });
      added.push({ properties: { PidTagAttachLongFilename: f.name, PidTagAttachFilename: f.name, PidTagAttachMethod: 1,
        PidTagAttachMimeTag: f.type || 'application/octet-stream' }, content: c });
    }
    setDraft({ ...draft, attachments: [...draft.attachments, ...added] });
    e.target.value = '';
  };
  return h('form', { class: 'editor', 'aria-label': isNew ? 'New message' : 'Edit message',
    onSubmit: (e) => { e.preventDefault(); onSave(); } },
    h('h2', null, isNew ? 'New message' : 'Edit message'),
    notice ? h('div', { class: 'banner', role: 'status' }, notice) : null,
    h('label', { for: 'ed-to' }, 'To'),
    h('input', { id: 'ed-to', type: 'text', value: draft.to, onInput: set('to') }),
    h('label', { for: 'ed-cc' }, 'Cc'),
    h('input', { id: 'ed-cc', type: 'text', value: draft.cc, onInput: set('cc') }),
    h('label', { for: 'ed-bcc' }, 'Bcc'),
    h('input', { id: 'ed-bcc', type: 'text', value: draft.bcc, onInput: set('bcc') }),
    h('label', { for: 'ed-subject' }, 'Subject'),
    h('input', { id: 'ed-subject', type: 'text', value: draft.subject, onInput: set('subject') }),
    h('label', { for: 'ed-body' }, 'Body'),
    h('textarea', { id: 'ed-body', value: draft.body, onInput: set('body') }),
    h('h3', null, 'Attachments'),
    h('ul', { class: 'attachments' }, draft.attachments.map((a, i) => {
      const name = prop(a, 'PidTagAttachLongFilename') || prop(a, 'PidTagAttachFilename')
        || (a.properties && typeof a.properties.PidTagAttachLongFilename === 'string' ? a.properties.PidTagAttachLongFilename : null)
        || ('attachment ' + (a.attachNum ?? i));
      return h('li', { key: i }, name, ' ', h('button', { type: 'button', 'aria-label': 'Remove ' + name,
        onClick: () => setDraft({ ...draft, attachments: draft.attachments.filter((_, j) => j !== i) }) }, 'Remove'));
    })),
    h('label', { for: 'ed-file' }, 'Add attachment'),
    h('input', { id: 'ed-file', type: 'file', multiple: true, ref: fileRef, onChange: addFiles }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', disabled: busy }, 'Save'),
      h('button', { type: 'button', onClick: onCancel }, 'Discard')));
}

// ---- conflict dialog

function ConflictDialog({ conflict, folders, currentFolder, onChoice, onCancel, busy, error }) {
  const who = prop(conflict.current, 'PidTagLastModifierName');
  const when = prop(conflict.current, 'PidTagLastModificationTime');
  const ref = useRef(null);
  const changes = (conflict.mergePreview && conflict.mergePreview.changes) || [];
  const [picks, setPicks] = useState({});
  const [folder, setFolder] = useState(currentFolder);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const cancel = (e) => { e.preventDefault(); onCancel(); };
    d.addEventListener('cancel', cancel);
    return () => d.removeEventListener('cancel', cancel);
  }, []);
  const sideText = { OURS: 'You', THEIRS: 'Someone else', BOTH: 'Both' };
  return h('dialog', { ref, class: 'conflict', 'aria-labelledby': 'conflict-title', 'aria-describedby': 'conflict-desc' },
    h('h2', { id: 'conflict-title' }, 'This message was changed by someone else'),
    h('p', { id: 'conflict-desc' }, (who ? who : 'Someone') + ' saved this message' + (when ? ' at ' + fmtDate(when) : '')
      + ' after you opened it. Here is what each side changed. Choose what to keep; what you typed is not lost until you choose.'),
    h('table', null,
      h('thead', null, h('tr', null, h('th', null, 'What'), h('th', null, 'Changed by'), h('th', null, 'Before'),
        h('th', null, 'Their version'), h('th', null, 'Your version'), h('th', null, 'Keep'))),
      h('tbody', null, changes.map((c) => {
        const key = JSON.stringify(c.unit);
        const name = unitName(c.unit);
        return h('tr', { key, class: c.side === 'BOTH' ? 'both' : '' },
          h('th', { scope: 'row' }, unitLabel(c.unit)),
          h('td', { 'data-label': 'Changed by' }, sideText[c.side] || c.side),
          h('td', { 'data-label': 'Before' }, showValue(c.base)),
          h('td', { 'data-label': 'Their version' }, showValue(c.theirs)),
          h('td', { 'data-label': 'Your version' }, showValue(c.ours)),
          h('td', { 'data-label': 'Keep' }, c.side === 'BOTH' && c.unit.kind === 'property'
            ? h('fieldset', null, h('legend', { class: 'visually-hidden' }, 'Keep for ' + name),
              ['OURS', 'THEIRS'].map((side) => h('label', { key: side },
                h('input', { type: 'radio', name: 'pick-' + key, checked: (picks[key] || 'OURS') === side,
                  onChange: () => setPicks({ ...picks, [key]: side }) }), side === 'OURS' ? ' Mine ' : ' Theirs ')))
            : (c.side === 'THEIRS' ? 'Theirs' : 'Yours')));
      }))),
    error ? h('p', { role: 'alert', class: 'error' }, error) : null,
    h('div', { class: 'choices' },
      h('button', { disabled: busy, onClick: () => onChoice('keep') }, 'Keep original'),
      h('button', { disabled: busy, onClick: () => onChoice('overwrite') }, 'Overwrite'),
      h('span', null,
        h('label', { for: 'copy-folder' }, 'Folder for the copy '),
        h('select', { id: 'copy-folder', value: folder, onChange: (e) => setFolder(e.target.value) },
          folders.filter((f) => f.parentId != null).map((f) => h('option', { key: f.id, value: f.id }, f.displayName))),
        ' ',
        h('button', { disabled: busy, onClick: () => onChoice('copy', { folder }) }, 'Save as copy')),
      h('button', { disabled: busy, class: 'primary', onClick: () => onChoice('merge', { picks, changes }) }, 'Merge'),
      h('button', { disabled: busy, onClick: onCancel }, 'Cancel')));
}

// ---- history and properties

function History({ storeId, message, onRestored, onClose }) {
  const [versions, setVersions] = useState(null);
  const [shown, setShown] = useState(null);
  const [error, setError] = useState('');
  const base = `/stores/${enc(storeId)}/messages/${enc(message.id)}`;
  const [changed, setChanged] = useState({}); // changeNumber -> names of the properties it changed
  const load = async () => {
    try {
      const vs = await call('GET', base + '/versions');
      setVersions(vs);
      // What each version changed: its properties against the version before it (the newest 20).
      const recent = vs.slice(0, 21);
      const bodies = await Promise.all(recent.map((v) => call('GET', `${base}/versions/${v.changeNumber}`).catch(() => null)));
      const out = {};
      for (let i = 0; i < recent.length; i++) {
        const now = bodies[i];
        const before = bodies[i + 1];
        if (!now) continue;
        if (i + 1 >= bodies.length || !before) {
          out[recent[i].changeNumber] = i + 1 < vs.length ? '' : 'created';
          continue;
        }
        const names = new Set([...Object.keys(now.properties || {}), ...Object.keys(before.properties || {})]);
        const diff = [...names].filter((n) => !VOLATILE.has(n)
          && JSON.stringify(prop(now, n)) !== JSON.stringify(prop(before, n))).map((n) => FRIENDLY[n] || n);
        if (JSON.stringify(now.recipients || []) !== JSON.stringify(before.recipients || [])) diff.push('Recipients');
        if ((now.attachments || []).length !== (before.attachments || []).length) diff.push('Attachments');
        out[recent[i].changeNumber] = diff.join(', ') || 'nothing';
      }
      setChanged(out);
    } catch (e) {
      setError(e.message);
    }
  };
  useEffect(() => { load(); }, [message.changeKey]);
  const restore = async (cn) => {
    try {
      await call('POST', `${base}/versions/${cn}/restore`, { body: {} });
      await onRestored();
    } catch (e) {
      setError(e.message);
    }
  };
  return h('section', { 'aria-label': 'History' },
    h('h3', null, 'History'),
    error ? h('p', { role: 'alert', class: 'error' }, error) : null,
    versions == null ? h('p', null, 'Loading…') : h('table', { class: 'props' },
      h('thead', null, h('tr', null, h('th', null, 'Version'), h('th', null, 'Kind'), h('th', null, 'Who'),
        h('th', null, 'When'), h('th', null, 'What changed'), h('th', null, ''))),
      h('tbody', null, versions.map((v, i) => h('tr', { key: v.changeNumber },
        h('td', null, v.changeNumber, i === 0 ? ' (current)' : ''),
        h('td', null, v.kind === 'FORCED' && v.basedOn != null ? `FORCED: replaced version ${v.basedOn}` : v.kind),
        h('td', null, v.committedBy),
        h('td', null, fmtDate(v.committedAt)),
        h('td', null, changed[v.changeNumber] ?? ''),
        h('td', null,
          h('button', { 'aria-label': 'View version ' + v.changeNumber, onClick: async () =>
            setShown({ cn: v.changeNumber, m: await call('GET', `${base}/versions/${v.changeNumber}`) }) }, 'View'),
          ' ',
          i === 0 ? null : h('button', { 'aria-label': 'Restore version ' + v.changeNumber,
            onClick: () => restore(v.changeNumber) }, 'Restore')))))),
    shown ? h('div', null, h('h4', null, 'Version ' + shown.cn + ' compared with the current one'),
      h(Compare, { older: shown.m, current: message }),
      h('pre', { class: 'body', 'aria-label': 'Version ' + shown.cn + ' body' }, prop(shown.m, 'PidTagBody') || '')) : null,
    h('button', { onClick: onClose }, 'Close history'));
}

const VOLATILE = new Set(['PidTagChangeKey', 'PidTagPredecessorChangeList', 'PidTagLastModificationTime',
  'PidTagChangeNumber', 'PidTagMessageSize', 'PidTagLastModifierName', 'PidTagLastModifierEntryId']);

/** The properties that differ between a history version and the current version. */
function Compare({ older, current }) {
  const names = new Set([...Object.keys(older.properties || {}), ...Object.keys(current.properties || {})]);
  const rows = [...names].filter((n) => !VOLATILE.has(n)).filter((n) =>
    JSON.stringify(prop(older, n)) !== JSON.stringify(prop(current, n))).sort();
  if (rows.length === 0) return h('p', null, 'Same properties as the current version.');
  return h('table', { class: 'props' },
    h('thead', null, h('tr', null, h('th', null, 'Property'), h('th', null, 'In this version'), h('th', null, 'Now'))),
    h('tbody', null, rows.map((n) => h('tr', { key: n }, h('th', { scope: 'row' }, FRIENDLY[n] || n),
      h('td', null, showValue(older.properties[n])), h('td', null, showValue(current.properties[n]))))));
}

function Properties({ storeId, message, onSaved, onClose }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const entries = Object.entries(message.properties || {});
  const save = async (e) => {
    e.preventDefault();
    setError('');
    try {
      let v = value;
      try { v = JSON.parse(value); } catch (_) { /* a plain string */ }
      await call('PATCH', `/stores/${enc(storeId)}/messages/${enc(message.id)}`, {
        body: { properties: { [name]: value === '' ? null : v } }, headers: { 'If-Match': '"' + message.changeKey + '"' } });
      await onSaved();
    } catch (err) {
      setError(err.message);
    }
  };
  return h('section', { 'aria-label': 'Properties' },
    h('h3', null, 'Properties'),
    h('table', { class: 'props' },
      h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Tag'), h('th', null, 'Type'), h('th', null, 'Value'))),
      h('tbody', null, entries.map(([k, v]) => h('tr', { key: k }, h('td', null, k), h('td', null, v.tag),
        h('td', null, v.type), h('td', null, showValue(v)))))),
    message.accessLevel === 'MODIFY' ? h('form', { onSubmit: save },
      h('label', { for: 'prop-name' }, 'Property name '),
      h('input', { id: 'prop-name', value: name, onInput: (e) => setName(e.target.value), required: true }),
      h('label', { for: 'prop-value' }, ' Value (JSON; empty deletes) '),
      h('input', { id: 'prop-value', value, onInput: (e) => setValue(e.target.value) }),
      ' ', h('button', { type: 'submit' }, 'Set property')) : null,
    error ? h('p', { role: 'alert', class: 'error' }, error) : null,
    h('button', { onClick: onClose }, 'Close properties'));
}

// ---- the mail view

function Mail({ session, onSignOut }) {
  const [storeId, setStoreId] = useState(null);
  const [stores, setStores] = useState([]);
  const [folders, setFolders] = useState([]);
  const [folderId, setFolderId] = useState(null);
  const [sort, setSort] = useState('-PidTagMessageDeliveryTime');
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const [list, setList] = useState({ rows: [], rowCount: 0, offset: 0 });
  const [openId, setOpenId] = useState(null);
  const [message, setMessage] = useState(null);
  const [embedded, setEmbedded] = useState(null);
  const [remote, setRemote] = useState(false);
  const [editor, setEditor] = useState(null); // {original, draft, isNew}
  const [conflict, setConflict] = useState(null);
  const [panel, setPanel] = useState(null); // 'history' | 'properties'
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState('');
  const [notice, setNotice] = useState('');
  const [undo, setUndo] = useState(null);
  const [moveTo, setMoveTo] = useState('');
  const [undoOverwrite, setUndoOverwrite] = useState(null); // {id, cn}: the version a forced save replaced
  const state = useRef({});
  state.current = { storeId, folderId, openId, editor, message };

  const loadFolders = useCallback(async (sid) => {
    const fs = await call('GET', `/stores/${enc(sid)}/folders`);
    setFolders(fs);
    return fs;
  }, []);

  const pickStore = useCallback(async (id) => {
    setOpenId(null);
    setMessage(null);
    setEditor(null);
    setOffset(0);
    setFolders([]);
    setFolderId(null);
    setStoreId(id);
    const fs = await loadFolders(id);
    const inbox = fs.find((f) => f.parentId != null && /^inbox$/i.test(f.displayName)) || fs.find((f) => f.parentId != null) || fs[0];
    setFolderId(inbox && inbox.id);
  }, []);

  // The person's own store first; stores shared with them (a folder with rights) are one pick away.
  useEffect(() => {
    (async () => {
      const all = await call('GET', '/stores');
      setStores(all);
      const mine = all.find((s) => s.owner === session.user) || all[0];
      if (!mine) { setStatus('You have no store yet.'); return; }
      await pickStore(mine.id);
    })().catch((e) => setStatus(e.message));
  }, []);

  const loadList = useCallback(async () => {
    const { storeId: sid, folderId: fid } = state.current;
    if (!sid || !fid) return;
    // One sort key: the contents table serves a single indexed key fast on 100,000 messages (a
    // second key made the first page take seconds there; docs/BENCHMARKS.md, "Web UI").
    let qs = `columns=${COLUMNS.join(',')}&sort=${enc(sort)}`
      + `&offset=${offset}&limit=${PAGE}`;
    if (search.trim()) {
      const text = search.trim();
      qs += '&restriction=' + enc(JSON.stringify({ or: ['PidTagSubject', 'PidTagSenderName', 'PidTagBody'].map((tag) =>
        ({ content: { tag, text, match: 'SUBSTRING', ignoreCase: true } })) }));
    }
    const r = await call('GET', `/stores/${enc(sid)}/folders/${enc(fid)}/messages?${qs}`);
    setList({ rows: r.rows, rowCount: r.rowCount, offset });
  }, [sort, search, offset]);

  useEffect(() => { loadList().catch((e) => setStatus(e.message)); }, [folderId, storeId, loadList]);

  const openMessage = useCallback(async (id) => {
    const { storeId: sid } = state.current;
    setOpenId(id);
    setEmbedded(null);
    setRemote(false);
    setPanel(null);
    const r = await call('GET', `/stores/${enc(sid)}/messages/${enc(id)}?open=BEST_ACCESS`, { raw: true });
    setMessage(r.data);
    if (!r.data.read) {
      // The list and the unread counts follow from the read change's event (below), not a reload here.
      await call('PUT', `/stores/${enc(sid)}/messages/${enc(id)}/read`, { body: { read: true } }).catch(() => {});
    }
  }, [loadList]);

  const refreshOpen = async () => {
    const { storeId: sid, openId: id } = state.current;
    if (!id) return;
    try {
      setMessage(await call('GET', `/stores/${enc(sid)}/messages/${enc(id)}?open=BEST_ACCESS`));
    } catch (e) {
      if (e.status === 404 || e.status === 410) { setMessage(null); setOpenId(null); }
    }
  };

  // Live: the store's event stream (the cookie goes with it); list and open message follow it.
  useEffect(() => {
    if (!storeId) return undefined;
    const es = new EventSource(`/api/v1/stores/${enc(storeId)}/events`);
    let timer = null;
    const onEvent = async (ev) => {
      let e;
      try { e = JSON.parse(ev.data); } catch (_) { return; }
      clearTimeout(timer);
      timer = setTimeout(() => { loadList().catch(() => {}); loadFolders(storeId).catch(() => {}); }, 50);
      const { openId: id, editor: ed } = state.current;
      if (e.objectKind === 'MESSAGE' && id && (e.id === id || e.oldId === id)) {
        if (ed && !ed.isNew) {
          if (e.changeKey && ed.original.changeKey === e.changeKey) return; // our own save
          let who = 'someone';
          let when = e.at;
          try {
            const vs = await call('GET', `/stores/${enc(storeId)}/messages/${enc(id)}/versions`);
            if (vs[0]) { who = vs[0].committedBy; when = vs[0].committedAt; }
          } catch (_) { /* deleted */ }
          if (!state.current.editor || state.current.editor.justSaved === e.changeKey) return;
          setNotice(`This message was changed by ${who} at ${fmtDate(when)} while you edit it. `
            + 'Your text is kept; saving will ask what to do.');
        } else if (!(e.changeKey && state.current.message && state.current.message.changeKey === e.changeKey)) {
          refreshOpen(); // a new version (a read change keeps the version: nothing to re-read)
        }
      }
    };
    ['NEW_MAIL', 'OBJECT_MODIFIED', 'OBJECT_CREATED', 'OBJECT_DELETED', 'OBJECT_MOVED', 'OBJECT_COPIED', 'message'].forEach((t) =>
      es.addEventListener(t, onEvent));
    return () => { clearTimeout(timer); es.close(); };
  }, [storeId, loadList]);

  // Keyboard (docs/ui.md): j / k (or Alt+Down / Alt+Up) next / previous message, n new message,
  // e edit, # delete; off while typing and while a dialog is open.
  useEffect(() => {
    const onKey = (e) => {
      const t = e.target;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      if (state.current.editor || document.querySelector('dialog[open]')) return;
      if (e.ctrlKey || e.metaKey) return;
      const m = state.current.message;
      if (e.key === 'n') { e.preventDefault(); startNew(); return; }
      if (e.key === 'e' && m && m.accessLevel === 'MODIFY') { e.preventDefault(); startEdit().catch((err) => setStatus(err.message)); return; }
      if (e.key === '#' && m && m.accessLevel === 'MODIFY') { e.preventDefault(); remove().catch((err) => setStatus(err.message)); return; }
      const rows = list.rows;
      const i = rows.findIndex((r) => r.id === state.current.openId);
      if (e.key === 'j' || (e.altKey && e.key === 'ArrowDown')) {
        const next = rows[Math.min(rows.length - 1, i + 1)];
        if (next) { e.preventDefault(); openMessage(next.id); }
      } else if (e.key === 'k' || (e.altKey && e.key === 'ArrowUp')) {
        const prev = rows[Math.max(0, i - 1)];
        if (prev) { e.preventDefault(); openMessage(prev.id); }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [list, openMessage]);

  const startNew = () => {
    setPanel(null);
    setNotice('');
    setEditor({ original: { properties: {}, recipients: [], attachments: [] }, draft: draftOf({}), isNew: true });
  };
  const startEdit = async () => {
    const { storeId: sid, openId: id } = state.current; // also called from the keyboard handler
    const r = await call('GET', `/stores/${enc(sid)}/messages/${enc(id)}?open=BEST_ACCESS`, { raw: true });
    setPanel(null);
    setNotice('');
    setEditor({ original: r.data, draft: draftOf(r.data), isNew: false });
  };
  const setDraft = (d) => setEditor({ ...state.current.editor, draft: d });

  const afterSave = async (id, text) => {
    setUndoOverwrite(null);
    setUndo(null);
    setEditor(null);
    setConflict(null);
    setNotice('');
    setStatus(text);
    await loadList();
    await loadFolders(storeId);
    if (id) await openMessage(id);
  };

  const save = async () => {
    const ed = state.current.editor;
    setBusy(true);
    try {
      const view = viewOf(ed.original, ed.draft);
      if (ed.isNew) {
        // Written here: delivered to this folder now (so it sorts by date with the mail around it).
        view.properties.PidTagMessageDeliveryTime = new Date().toISOString();
        const r = await call('POST', `/stores/${enc(storeId)}/folders/${enc(folderId)}/messages`, { body: view });
        await afterSave(r.messageId, 'Saved.');
      } else {
        const r = await call('PUT', `/stores/${enc(storeId)}/messages/${enc(ed.original.id)}?onConflict=ask`,
          { body: view, headers: { 'If-Match': '"' + ed.original.changeKey + '"' } });
        await afterSave(r.messageId, r.committed ? 'Saved.' : 'Nothing to save.');
      }
    } catch (e) {
      if (e.status === 412 && e.problem) {
        setDialogError('');
        setConflict({ ...(e.problem.conflict || {}), currentChangeKey: e.problem.currentChangeKey });
      } else {
        setStatus('Not saved: ' + e.message);
      }
    } finally {
      setBusy(false);
    }
  };

  const choose = async (choice, extra = {}) => {
    const ed = state.current.editor;
    const path = `/stores/${enc(storeId)}/messages/${enc(ed.original.id)}`;
    const ifBase = { 'If-Match': '"' + ed.original.changeKey + '"' };
    setBusy(true);
    setDialogError('');
    try {
      if (choice === 'keep') {
        await afterSave(ed.original.id, 'Your edits were dropped; this is the current version.');
      } else if (choice === 'overwrite') {
        const r = await call('PUT', path, { body: viewOf(ed.original, ed.draft), headers: { 'If-Match': '*' } });
        await afterSave(r.messageId, r.replaced ? `Overwritten: your version replaced version ${r.replaced.changeNumber}.`
          : 'Saved.');
        if (r.replaced) setUndoOverwrite({ id: r.messageId, cn: r.replaced.changeNumber });
      } else if (choice === 'copy') {
        const r = await call('PUT', `${path}?onConflict=saveElsewhere&folderId=${enc(extra.folder)}`,
          { body: viewOf(ed.original, ed.draft), headers: ifBase });
        const name = (folders.find((f) => f.id === extra.folder) || {}).displayName || extra.folder;
        await afterSave(ed.original.id, `Your version was saved as a copy in ${name}; the original is unchanged.`);
        return r;
      } else if (choice === 'merge') {
        // Conflicting properties the person gave to the other side: the edit is taken back (the
        // view holds the base value), so the API's merge keeps theirs; the rest of the view wins.
        const view = viewOf(ed.original, ed.draft);
        for (const c of extra.changes) {
          const key = JSON.stringify(c.unit);
          if (c.side === 'BOTH' && extra.picks[key] === 'THEIRS' && c.unit.kind === 'property') {
            const name = c.unit.name || c.unit.tag;
            if (c.base == null) delete view.properties[name];
            else view.properties[name] = c.base;
          }
        }
        const r = await call('PUT', `${path}?merge=ALWAYS_OVERWRITE`, { body: view, headers: ifBase });
        await afterSave(r.messageId, 'Merged.');
      }
    } catch (e) {
      setDialogError('That did not work: ' + e.message);
    } finally {
      setBusy(false);
    }
    return null;
  };

  const remove = async () => {
    const { storeId: sid, openId: id } = state.current; // also called from the keyboard handler
    await call('DELETE', `/stores/${enc(sid)}/messages/${enc(id)}?mode=SOFT`);
    setMessage(null);
    setOpenId(null);
    setUndo(id);
    setStatus('Message deleted.');
    await loadList();
    await loadFolders(sid);
  };
  const markUnread = async () => {
    const { storeId: sid, openId: id } = state.current;
    await call('PUT', `/stores/${enc(sid)}/messages/${enc(id)}/read`, { body: { read: false } });
    setStatus('Marked unread.');
  };
  const move = async () => {
    const { storeId: sid, openId: id } = state.current;
    const target = moveTo;
    const name = (folders.find((f) => f.id === target) || {}).displayName || target;
    await call('POST', `/stores/${enc(sid)}/messages/${enc(id)}/move`, { body: { folderId: target } });
    setMoveTo('');
    setMessage(null);
    setOpenId(null);
    setStatus(`Moved to ${name}.`);
  };
  const undoDelete = async () => {
    const id = undo;
    await call('POST', `/stores/${enc(storeId)}/messages/${enc(id)}/undelete`, { body: {} });
    setUndo(null);
    setStatus('Message restored.');
    await loadList();
    await loadFolders(storeId);
    await openMessage(id);
  };

  const signOut = async () => {
    await call('DELETE', '', { url: '/session' }).catch(() => {});
    csrf = null;
    onSignOut();
  };

  const shown = embedded || message;
  return h('div', { class: 'shell' },
    h('header', { class: 'top' },
      h('h1', null, 'msgstore'),
      stores.length > 1 ? h('span', null,
        h('label', { for: 'store-pick' }, 'Store '),
        h('select', { id: 'store-pick', value: storeId || '', onChange: (e) => pickStore(e.target.value).catch((err) => setStatus(err.message)) },
          stores.map((st) => h('option', { key: st.id, value: st.id }, st.displayName + (st.owner !== session.user ? ` (${st.owner})` : ''))))) : null,
      h('button', { class: 'primary', onClick: startNew, disabled: !folderId }, 'New message'),
      h('span', { class: 'who' }, 'Signed in as ', session.user),
      h('button', { onClick: signOut }, 'Sign out')),
    h('div', { class: 'panes' },
      h(Folders, { folders, current: folderId, onPick: (id) => { setFolderId(id); setOffset(0); setOpenId(null); setMessage(null); } }),
      h(MessageList, { list, selected: openId, sort, onSort: (s) => { setSort(s); setOffset(0); }, onOpen: (id) => openMessage(id)
        .catch((e) => setStatus(e.message)), onPage: setOffset, search, onSearch: (q) => { setSearch(q); setOffset(0); } }),
      h('main', { class: 'reading', 'aria-label': 'Reading pane' },
        h('p', { class: 'status', role: 'status' }, status,
          undo ? h('span', null, ' ', h('button', { onClick: () => undoDelete().catch((e) => setStatus(e.message)) }, 'Undo')) : null,
          undoOverwrite ? h('span', null, ' ', h('button', { onClick: () => call('POST', `/stores/${enc(storeId)}/messages/`
            + `${enc(undoOverwrite.id)}/versions/${undoOverwrite.cn}/restore`, { body: {} })
            .then(async () => { setUndoOverwrite(null); setStatus(`Version ${undoOverwrite.cn} restored.`); await refreshOpen(); await loadList(); },
              (e) => setStatus(e.message)) }, 'Undo overwrite')) : null),
        editor
          ? h(Editor, { storeId, draft: editor.draft, setDraft, isNew: editor.isNew, onSave: save, busy, notice,
            onCancel: () => { setEditor(null); setNotice(''); } })
          : shown ? h('article', { 'aria-label': 'Message' },
            embedded ? h('div', { class: 'actions' }, h('button', { onClick: () => setEmbedded(null) }, 'Back to the message')) : null,
            !embedded ? h('div', { class: 'actions' },
              message.accessLevel === 'MODIFY' ? h('button', { onClick: () => startEdit().catch((e) => setStatus(e.message)) }, 'Edit') : null,
              h('button', { onClick: () => setPanel(panel === 'history' ? null : 'history') }, 'History'),
              h('button', { onClick: () => setPanel(panel === 'properties' ? null : 'properties') }, 'Properties'),
              message.accessLevel === 'MODIFY' ? h('button', { onClick: () => remove().catch((e) => setStatus(e.message)) }, 'Delete') : null,
              h('button', { onClick: () => markUnread().catch((e) => setStatus(e.message)) }, 'Mark unread'),
              message.accessLevel === 'MODIFY' ? h('span', null,
                h('label', { for: 'move-to', class: 'visually-hidden' }, 'Move to folder'),
                h('select', { id: 'move-to', value: moveTo, onChange: (e) => setMoveTo(e.target.value) },
                  h('option', { value: '' }, 'Move to…'),
                  folders.filter((f) => f.parentId != null && f.id !== folderId).map((f) => h('option', { key: f.id, value: f.id }, f.displayName))),
                ' ', h('button', { disabled: !moveTo, onClick: () => move().catch((e) => setStatus(e.message)) }, 'Move')) : null)
              : null,
            panel === 'history' && !embedded ? h(History, { storeId, message, onClose: () => setPanel(null),
              onRestored: async () => { setStatus('Version restored.'); await refreshOpen(); await loadList(); } }) : null,
            panel === 'properties' && !embedded ? h(Properties, { storeId, message, onClose: () => setPanel(null),
              onSaved: async () => { setStatus('Property saved.'); await refreshOpen(); } }) : null,
            h(MessageView, { storeId, message: shown, embeddedPath: !!embedded, remote, setRemote,
              onOpenEmbedded: (a) => setEmbedded({ ...a.embedded, id: message.id }) }))
            : h('p', null, 'Select a message to read it.'))),
    conflict && editor ? h(ConflictDialog, { conflict, folders, currentFolder: folderId, busy, error: dialogError,
      onChoice: choose, onCancel: () => setConflict(null) }) : null);
}

// ---- root

function App() {
  const [session, setSession] = useState(undefined);
  useEffect(() => {
    fetch('/session', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .then((s) => { csrf = s ? s.csrfToken : null; setSession(s); }, () => setSession(null));
  }, []);
  if (session === undefined) return h('main', null, h('p', null, 'Loading…'));
  if (!session) return h(SignIn, { onSignedIn: (s) => { csrf = s.csrfToken; setSession(s); } });
  return h(Mail, { session, onSignOut: () => setSession(null) });
}

render(h(App, null), document.getElementById('app'));
