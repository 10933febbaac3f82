#!/usr/bin/env node
// The peer: the design's reference shape as a typical team would build it — Node.js 20, the
// `ws` package and better-sqlite3, persist before ack with one transaction per message, SQLite
// in WAL mode with synchronous=FULL. It speaks the subset of protocol v1 that chat-bench uses
// (register/login/auth, create_conversation, send/ack/message, ping/pong, sync, history,
// delivered/read). It exists to be measured beside chat-server in the same run: no tricks a
// typical team would not do, and no deliberate slowness either.
//
//   node server.js --listen 127.0.0.1:0 --data DIR [--heartbeat-ms 30000]
//
// Prints `listening ws://HOST:PORT` once it accepts connections; exits 0 on SIGTERM/SIGINT.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { WebSocketServer } = require('ws');
const Database = require('better-sqlite3');

function parseArgs(argv) {
  const out = { listen: '127.0.0.1:0', data: null, heartbeatMs: 30000 };
  for (let i = 2; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--listen') out.listen = next();
    else if (a === '--data') out.data = next();
    else if (a === '--heartbeat-ms') out.heartbeatMs = Number(next());
    else if (a === '--help' || a === '-h') usage(null);
    else usage(`unknown option ${a}`);
  }
  if (!out.data) usage('--data DIR is required');
  if (!Number.isInteger(out.heartbeatMs) || out.heartbeatMs < 100) usage('--heartbeat-ms must be an integer >= 100');
  return out;
}

function usage(err) {
  const text = 'usage: node server.js --listen HOST:PORT --data DIR [--heartbeat-ms N]\n' +
    'The Node.js + ws + better-sqlite3 peer used by chat-bench (protocol v1 subset).\n';
  if (err) { process.stderr.write(`error: ${err}\n${text}`); process.exit(2); }
  process.stdout.write(text); process.exit(0);
}

const opts = parseArgs(process.argv);
fs.mkdirSync(opts.data, { recursive: true });
const db = new Database(path.join(opts.data, 'peer.sqlite3'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, username TEXT UNIQUE NOT NULL,
  display_name TEXT NOT NULL, pw_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,
  direct_key TEXT UNIQUE, last_seq INTEGER NOT NULL DEFAULT 0, created_ts INTEGER NOT NULL,
  updated_ts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS members (conversation_id TEXT NOT NULL, user_id TEXT NOT NULL,
  role TEXT NOT NULL, delivered_seq INTEGER NOT NULL DEFAULT 0, read_seq INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (conversation_id, user_id));
CREATE INDEX IF NOT EXISTS members_by_user ON members (user_id);
CREATE TABLE IF NOT EXISTS messages (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL,
  message_id TEXT NOT NULL, sender_id TEXT NOT NULL, client_msg_id TEXT NOT NULL, kind TEXT NOT NULL,
  content TEXT NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY (conversation_id, seq),
  UNIQUE (sender_id, client_msg_id));
`);

const q = {
  userByName: db.prepare('SELECT * FROM users WHERE username = ?'),
  userById: db.prepare('SELECT * FROM users WHERE id = ?'),
  insertUser: db.prepare('INSERT INTO users (id, username, display_name, pw_hash) VALUES (?, ?, ?, ?)'),
  insertToken: db.prepare('INSERT INTO tokens (hash, user_id) VALUES (?, ?)'),
  tokenUser: db.prepare('SELECT user_id FROM tokens WHERE hash = ?'),
  convById: db.prepare('SELECT * FROM conversations WHERE id = ?'),
  convByDirectKey: db.prepare('SELECT * FROM conversations WHERE direct_key = ?'),
  insertConv: db.prepare(`INSERT INTO conversations (id, kind, title, direct_key, created_ts, updated_ts)
    VALUES (?, ?, ?, ?, ?, ?)`),
  insertMember: db.prepare('INSERT OR IGNORE INTO members (conversation_id, user_id, role) VALUES (?, ?, ?)'),
  membersOf: db.prepare('SELECT user_id, role, delivered_seq, read_seq FROM members WHERE conversation_id = ?'),
  isMember: db.prepare('SELECT 1 FROM members WHERE conversation_id = ? AND user_id = ?'),
  bumpSeq: db.prepare('UPDATE conversations SET last_seq = last_seq + 1, updated_ts = ? WHERE id = ? RETURNING last_seq'),
  insertMessage: db.prepare(`INSERT INTO messages (conversation_id, seq, message_id, sender_id, client_msg_id,
    kind, content, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
  messageByClientId: db.prepare('SELECT * FROM messages WHERE sender_id = ? AND client_msg_id = ?'),
  convsOfUser: db.prepare(`SELECT c.* FROM conversations c JOIN members m ON m.conversation_id = c.id
    WHERE m.user_id = ? AND c.updated_ts > ? ORDER BY c.updated_ts DESC, c.id LIMIT ? OFFSET ?`),
  recent: db.prepare('SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?'),
  before: db.prepare('SELECT * FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
  after: db.prepare('SELECT * FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?'),
  setDelivered: db.prepare(`UPDATE members SET delivered_seq = MAX(delivered_seq, ?)
    WHERE conversation_id = ? AND user_id = ?`),
  setRead: db.prepare(`UPDATE members SET read_seq = MAX(read_seq, ?), delivered_seq = MAX(delivered_seq, ?)
    WHERE conversation_id = ? AND user_id = ?`),
};

const newId = (prefix) => prefix + crypto.randomBytes(8).toString('hex');
const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');
const scrypt = (pw, salt) => new Promise((resolve, reject) =>
  crypto.scrypt(pw, salt, 32, (err, key) => (err ? reject(err) : resolve(key.toString('hex')))));

async function hashPassword(pw) {
  const salt = crypto.randomBytes(16).toString('hex');
  return `${salt}:${await scrypt(pw, salt)}`;
}
async function verifyPassword(stored, pw) {
  const [salt, hash] = stored.split(':');
  const got = await scrypt(pw, salt);
  return crypto.timingSafeEqual(Buffer.from(got, 'hex'), Buffer.from(hash, 'hex'));
}

const userJson = (u) => ({ user_id: u.id, username: u.username, display_name: u.display_name });
const messageJson = (m) => ({ message_id: m.message_id, conversation_id: m.conversation_id, seq: m.seq,
  sender_id: m.sender_id, client_msg_id: m.client_msg_id, kind: m.kind, content: m.content, ts: m.ts });
function conversationJson(c) {
  const members = q.membersOf.all(c.id).map((m) => ({ user_id: m.user_id, delivered_seq: m.delivered_seq,
    read_seq: m.read_seq, role: m.role }));
  return { conversation_id: c.id, kind: c.kind, title: c.title, members, last_seq: c.last_seq,
    created_ts: c.created_ts };
}

// Live connections per user id, and member ids per conversation (cached: they change only
// through create_conversation here).
const online = new Map();
const memberCache = new Map();
function memberIds(convId) {
  let ids = memberCache.get(convId);
  if (!ids) {
    ids = q.membersOf.all(convId).map((m) => m.user_id);
    memberCache.set(convId, ids);
  }
  return ids;
}
// `except` is the originating connection: it has its answer already (protocol §5: the push
// goes to every member's connections, the sender's other connections too).
function pushToUsers(userIds, frame, except) {
  const text = JSON.stringify(frame);
  for (const uid of userIds) {
    const conns = online.get(uid);
    if (conns) for (const ws of conns) if (ws !== except) ws.send(text);
  }
}

const reply = (ws, frame) => ws.send(JSON.stringify(frame));
const error = (ws, id, code, message) => reply(ws, id ? { type: 'error', id, code, message }
  : { type: 'error', code, message });
const isStr = (v, max = 4096) => typeof v === 'string' && v.length > 0 && v.length <= max;

function issueToken(userId) {
  const token = crypto.randomBytes(32).toString('base64url');
  q.insertToken.run(sha256(token), userId);
  return token;
}
function authenticated(ws, id, user, token) {
  ws.userId = user.id;
  let conns = online.get(user.id);
  if (!conns) online.set(user.id, (conns = new Set()));
  conns.add(ws);
  reply(ws, { type: 'auth_ok', id, user: userJson(user), token, heartbeat_ms: opts.heartbeatMs,
    server_time: Date.now(), protocol: 1 });
}

const sendTx = db.transaction((userId, f, ts) => {
  const dup = q.messageByClientId.get(userId, f.client_msg_id);
  if (dup) return { message: dup, duplicate: true };
  const { last_seq: seq } = q.bumpSeq.get(ts, f.conversation_id);
  const m = { conversation_id: f.conversation_id, seq, message_id: newId('m_'), sender_id: userId,
    client_msg_id: f.client_msg_id, kind: 'text', content: f.content, ts };
  q.insertMessage.run(m.conversation_id, m.seq, m.message_id, m.sender_id, m.client_msg_id, m.kind,
    m.content, m.ts);
  return { message: m, duplicate: false };
});

const createConvTx = db.transaction((creator, kind, title, others) => {
  const all = [...new Set([creator, ...others])];
  let directKey = null;
  if (kind === 'direct') {
    directKey = all.slice().sort().join('|');
    const existing = q.convByDirectKey.get(directKey);
    if (existing) return { conv: existing, created: false };
  }
  const now = Date.now();
  const id = newId('c_');
  q.insertConv.run(id, kind, title, directKey, now, now);
  for (const uid of all) q.insertMember.run(id, uid, kind === 'group' && uid === creator ? 'admin' : 'member');
  return { conv: q.convById.get(id), created: true };
});

async function handleAuth(ws, f) {
  if (f.type === 'register') {
    if (!isStr(f.username, 64) || !isStr(f.password, 1024)) return error(ws, f.id, 'bad_request', 'username and password are required');
    if (q.userByName.get(f.username)) return error(ws, f.id, 'conflict', 'username taken');
    const pwHash = await hashPassword(f.password);
    const user = { id: newId('u_'), username: f.username, display_name: isStr(f.display_name, 128) ? f.display_name : f.username };
    try {
      q.insertUser.run(user.id, user.username, user.display_name, pwHash);
    } catch (e) {
      return error(ws, f.id, 'conflict', 'username taken');
    }
    return authenticated(ws, f.id, user, issueToken(user.id));
  }
  if (f.type === 'login') {
    const user = isStr(f.username, 64) && isStr(f.password, 1024) ? q.userByName.get(f.username) : undefined;
    if (!user || !(await verifyPassword(user.pw_hash, f.password))) {
      error(ws, f.id, 'unauthorized', 'bad username or password');
      return ws.close(4001, 'unauthorized');
    }
    return authenticated(ws, f.id, user, issueToken(user.id));
  }
  // auth
  const row = isStr(f.token) ? q.tokenUser.get(sha256(f.token)) : undefined;
  if (!row) {
    error(ws, f.id, 'unauthorized', 'bad token');
    return ws.close(4001, 'unauthorized');
  }
  return authenticated(ws, f.id, q.userById.get(row.user_id), f.token);
}

function handle(ws, f) {
  const uid = ws.userId;
  switch (f.type) {
    case 'ping':
      return reply(ws, f.ts === undefined ? { type: 'pong' } : { type: 'pong', ts: f.ts });
    case 'send': {
      if (!isStr(f.conversation_id) || !isStr(f.client_msg_id, 64) || typeof f.content !== 'string' ||
          f.content.trim().length === 0 || [...f.content].length > 4000)
        return error(ws, f.id, 'bad_request', 'send needs conversation_id, client_msg_id and content');
      if (!q.isMember.get(f.conversation_id, uid)) return error(ws, f.id, 'forbidden', 'not a member of this conversation');
      const { message: m, duplicate } = sendTx(uid, f, Date.now());
      const ack = { type: 'ack', id: f.id, client_msg_id: m.client_msg_id, conversation_id: m.conversation_id,
        message_id: m.message_id, seq: m.seq, ts: m.ts };
      if (duplicate) ack.duplicate = true;
      reply(ws, ack);
      if (!duplicate) pushToUsers(memberIds(m.conversation_id), { type: 'message', message: messageJson(m) }, ws);
      return;
    }
    case 'create_conversation': {
      if ((f.kind !== 'direct' && f.kind !== 'group') || !Array.isArray(f.members) || !f.members.every((m) => isStr(m)))
        return error(ws, f.id, 'bad_request', 'create_conversation needs kind and members');
      if (f.kind === 'direct' && f.members.filter((m) => m !== uid).length !== 1)
        return error(ws, f.id, 'bad_request', 'a direct conversation has exactly one other member');
      if (f.members.length > 1000) return error(ws, f.id, 'too_large', 'at most 1000 members');
      for (const m of f.members) if (!q.userById.get(m)) return error(ws, f.id, 'not_found', `no user ${m}`);
      const { conv, created } = createConvTx(uid, f.kind, typeof f.title === 'string' ? f.title : '', f.members);
      const json = conversationJson(conv);
      reply(ws, { type: 'conversation', id: f.id, conversation: json });
      if (created) {
        memberCache.delete(conv.id);
        pushToUsers(memberIds(conv.id).filter((m) => m !== uid), { type: 'conversation', conversation: json });
      }
      return;
    }
    case 'sync': {
      const since = typeof f.since === 'string' ? Number(f.since) || 0 : 0;
      const offset = typeof f.cursor === 'string' ? Number(f.cursor) || 0 : 0;
      const limit = Math.min(Math.max(Number.isInteger(f.limit) ? f.limit : 20, 1), 100);
      const recentN = Math.min(Math.max(Number.isInteger(f.recent) ? f.recent : 20, 0), 200);
      const nextSince = String(Date.now());
      const convs = q.convsOfUser.all(uid, since, limit + 1, offset);
      const more = convs.length > limit;
      const page = convs.slice(0, limit);
      const userIds = new Set();
      const conversations = page.map((c) => {
        const conversation = conversationJson(c);
        for (const m of conversation.members) userIds.add(m.user_id);
        const recent = q.recent.all(c.id, recentN).reverse().map(messageJson);
        return { conversation, recent };
      });
      const users = [...userIds].map((id) => userJson(q.userById.get(id)));
      return reply(ws, { type: 'sync', id: f.id, conversations, users, cursor: more ? String(offset + limit) : null,
        next_since: nextSince });
    }
    case 'history': {
      if (!isStr(f.conversation_id)) return error(ws, f.id, 'bad_request', 'history needs conversation_id');
      if (!q.isMember.get(f.conversation_id, uid)) return error(ws, f.id, 'forbidden', 'not a member of this conversation');
      const limit = Math.min(Math.max(Number.isInteger(f.limit) ? f.limit : 50, 1), 200);
      let rows;
      if (Number.isInteger(f.after_seq)) rows = q.after.all(f.conversation_id, f.after_seq, limit + 1);
      else rows = q.before.all(f.conversation_id, Number.isInteger(f.before_seq) ? f.before_seq : Number.MAX_SAFE_INTEGER, limit + 1).reverse();
      const more = rows.length > limit;
      if (more) rows = Number.isInteger(f.after_seq) ? rows.slice(0, limit) : rows.slice(1);
      return reply(ws, { type: 'history', id: f.id, conversation_id: f.conversation_id,
        messages: rows.map(messageJson), has_more: more });
    }
    case 'delivered':
    case 'read': {
      if (!isStr(f.conversation_id) || !Number.isInteger(f.seq)) return error(ws, f.id, 'bad_request', `${f.type} needs conversation_id and seq`);
      if (f.type === 'read') q.setRead.run(f.seq, f.seq, f.conversation_id, uid);
      else q.setDelivered.run(f.seq, f.conversation_id, uid);
      const me = q.membersOf.all(f.conversation_id).find((m) => m.user_id === uid);
      if (me) pushToUsers(memberIds(f.conversation_id), { type: 'receipt', conversation_id: f.conversation_id,
        user_id: uid, delivered_seq: me.delivered_seq, read_seq: me.read_seq });
      return;
    }
    default:
      return error(ws, f.id, 'bad_request', `unknown type ${f.type}`);
  }
}

const [host, portText] = opts.listen.split(':');
const wss = new WebSocketServer({ host, port: Number(portText), maxPayload: 64 * 1024 });
wss.on('connection', (ws) => {
  ws.lastSeen = Date.now();
  ws.authPending = false;
  ws.on('message', (data, isBinary) => {
    ws.lastSeen = Date.now();
    let f;
    try {
      f = JSON.parse(data.toString('utf8'));
    } catch (e) {
      return error(ws, undefined, 'bad_request', 'frame is not JSON');
    }
    if (f === null || typeof f !== 'object' || typeof f.type !== 'string')
      return error(ws, undefined, 'bad_request', 'frame needs a string type');
    if (!ws.userId) {
      if (f.type !== 'register' && f.type !== 'login' && f.type !== 'auth')
        return error(ws, f.id, 'unauthorized', 'log in first');
      if (ws.authPending) return error(ws, f.id, 'bad_request', 'authentication in progress');
      ws.authPending = true;
      handleAuth(ws, f).catch((e) => error(ws, f.id, 'internal', String(e))).finally(() => { ws.authPending = false; });
      return;
    }
    try {
      handle(ws, f);
    } catch (e) {
      error(ws, f.id, 'internal', String(e && e.message));
    }
  });
  ws.on('close', () => {
    const conns = ws.userId && online.get(ws.userId);
    if (conns) {
      conns.delete(ws);
      if (conns.size === 0) online.delete(ws.userId);
    }
  });
});

// Heartbeat rule (§2): a connection silent for 2 × heartbeat_ms is closed with 4000.
const sweep = setInterval(() => {
  const deadline = Date.now() - 2 * opts.heartbeatMs;
  for (const ws of wss.clients) if (ws.lastSeen < deadline) ws.close(4000, 'heartbeat timeout');
}, opts.heartbeatMs);

wss.on('listening', () => {
  const a = wss.address();
  process.stdout.write(`listening ws://${a.address}:${a.port}\n`);
});
wss.on('error', (e) => { process.stderr.write(`error: ${e.message}\n`); process.exit(1); });

function shutdown() {
  clearInterval(sweep);
  for (const ws of wss.clients) ws.close(1001, 'server going away');
  wss.close(() => { db.close(); process.exit(0); });
  setTimeout(() => { db.close(); process.exit(0); }, 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
