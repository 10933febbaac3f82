// A third-party client written from docs/PROTOCOL.md alone, the way a newcomer would:
// plain Node.js and the `ws` package (Debian: node-ws). It starts chat-server itself
// (argv[2] = the binary), then registers, searches users, creates conversations, sends,
// retries a send, reads history and sync, marks receipts, types, pings and logs out.
// Exit 0 = everything as documented; otherwise it prints what differed and exits 1.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const WebSocket = require('ws');

const serverBin = process.argv[2];
if (!serverBin) {
    console.error('usage: node newcomer.js /path/to/chat-server');
    process.exit(2);
}
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-newcomer-'));
let server;

function fail(msg) {
    console.error('FAIL: ' + msg);
    cleanup();
    process.exit(1);
}
function cleanup() {
    if (server && server.exitCode === null) server.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
}
function check(cond, msg) { if (!cond) fail(msg); }
const timer = setTimeout(() => fail('timed out after 60 s'), 60000);

function startServer() {
    return new Promise((resolve, reject) => {
        server = spawn(serverBin, ['--listen', '127.0.0.1:0', '--data', dataDir],
                       { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        server.stdout.on('data', (d) => {
            out += d;
            const m = /^listening (ws:\/\/\S+)/m.exec(out);
            if (m) resolve(m[1]);
        });
        server.on('exit', (code) => reject(new Error('chat-server exited with ' + code)));
    });
}

// One connection: request() sends a frame with a fresh id and resolves with the answer;
// pushes (frames without our ids) are kept in `pushes`.
function connect(url) {
    return new Promise((resolve, reject) => {
        const ws = new WebSocket(url);
        const pending = new Map();
        const c = { ws, pushes: [], n: 0 };
        ws.on('message', (data) => {
            const f = JSON.parse(data.toString());
            if (typeof f.type !== 'string') fail('a frame without a string "type": ' + data);
            if (f.id && pending.has(f.id)) {
                pending.get(f.id)(f);
                pending.delete(f.id);
            } else {
                c.pushes.push(f);
            }
        });
        c.request = (frame) => new Promise((res) => {
            frame.id = 'n' + (++c.n);
            pending.set(frame.id, res);
            ws.send(JSON.stringify(frame));
        });
        c.send = (frame) => ws.send(JSON.stringify(frame));
        c.waitPush = (pred, ms = 10000) => new Promise((res, rej) => {
            const t0 = Date.now();
            (function poll() {
                const i = c.pushes.findIndex(pred);
                if (i >= 0) return res(c.pushes.splice(i, 1)[0]);
                if (Date.now() - t0 > ms) return rej(new Error('push not seen'));
                setTimeout(poll, 20);
            })();
        });
        c.closed = new Promise((res) => ws.on('close', (code) => res(code)));
        ws.on('open', () => resolve(c));
        ws.on('error', reject);
    });
}

(async () => {
    const url = await startServer();
    const suffix = Date.now().toString(36);

    // §2 session
    const dana = await connect(url);
    const r1 = await dana.request({ type: 'register', username: 'dana' + suffix, password: 'dana-password', display_name: 'Dana' });
    check(r1.type === 'auth_ok', 'register: ' + JSON.stringify(r1));
    check(r1.protocol === 1 && typeof r1.token === 'string' && r1.heartbeat_ms > 0, 'auth_ok fields');
    check(r1.user.username === 'dana' + suffix && r1.user.display_name === 'Dana', 'auth_ok user');
    const eli = await connect(url);
    const r2 = await eli.request({ type: 'register', username: 'eli' + suffix, password: 'eli-password' });
    check(r2.type === 'auth_ok', 'register eli');
    const danaId = r1.user.user_id, eliId = r2.user.user_id;

    // Before auth everything else is unauthorized.
    const anon = await connect(url);
    const u0 = await anon.request({ type: 'users', query: 'da' });
    check(u0.type === 'error' && u0.code === 'unauthorized', 'unauthenticated users: ' + JSON.stringify(u0));
    const again = await anon.request({ type: 'login', username: 'dana' + suffix, password: 'dana-password', device: 'node' });
    check(again.type === 'auth_ok' && again.token !== r1.token, 'login gives a new token');

    // §4 users and conversations
    const found = await dana.request({ type: 'users', query: 'eli' + suffix, limit: 20 });
    check(found.type === 'users' && found.users.some((u) => u.user_id === eliId), 'users search');
    const direct = await dana.request({ type: 'create_conversation', kind: 'direct', members: [eliId] });
    check(direct.type === 'conversation' && direct.conversation.kind === 'direct', 'create direct');
    const cid = direct.conversation.conversation_id;
    check(direct.conversation.members.length === 2, 'direct has two members');
    const same = await eli.request({ type: 'create_conversation', kind: 'direct', members: [danaId] });
    check(same.conversation.conversation_id === cid, 'direct is unique');
    await eli.waitPush((f) => f.type === 'conversation' && f.conversation.conversation_id === cid);
    const group = await dana.request({ type: 'create_conversation', kind: 'group', title: 'Newcomers', members: [eliId] });
    check(group.conversation.title === 'Newcomers', 'group title');
    check(group.conversation.members.find((m) => m.user_id === danaId).role === 'admin', 'creator is admin');

    // §5 messages
    const ack = await dana.request({ type: 'send', conversation_id: cid, client_msg_id: 'nc-1', content: 'hello from node' });
    check(ack.type === 'ack' && ack.seq === 1 && ack.client_msg_id === 'nc-1' && ack.conversation_id === cid, 'ack: ' + JSON.stringify(ack));
    const push = await eli.waitPush((f) => f.type === 'message');
    check(push.message.seq === 1 && push.message.content === 'hello from node' && push.message.sender_id === danaId, 'message push');
    const dup = await dana.request({ type: 'send', conversation_id: cid, client_msg_id: 'nc-1', content: 'hello from node' });
    check(dup.type === 'ack' && dup.duplicate === true && dup.seq === 1 && dup.message_id === ack.message_id, 'duplicate ack');
    for (let i = 2; i <= 5; i++) {
        const a = await eli.request({ type: 'send', conversation_id: cid, client_msg_id: 'nc-e' + i, content: 'reply ' + i });
        check(a.seq === i, 'seq grows by one');
    }

    // §6 history
    const h = await eli.request({ type: 'history', conversation_id: cid, before_seq: 5, limit: 2 });
    check(h.type === 'history' && h.messages.map((m) => m.seq).join() === '3,4' && h.has_more === true, 'history before: ' + JSON.stringify(h.messages.map((m) => m.seq)));
    const h2 = await eli.request({ type: 'history', conversation_id: cid, after_seq: 0, limit: 50 });
    check(h2.messages.length === 5 && h2.has_more === false, 'history after');

    // §7 sync, page by page
    let since = null, cursor = null, seen = [], pages = 0, res;
    do {
        res = await dana.request({ type: 'sync', since, cursor, limit: 1, recent: 3 });
        check(res.type === 'sync', 'sync: ' + JSON.stringify(res));
        pages++;
        for (const cs of res.conversations) {
            seen.push(cs.conversation.conversation_id);
            for (const m of cs.conversation.members) check(res.users.some((u) => u.user_id === m.user_id), 'sync users cover members');
        }
        cursor = res.cursor;
    } while (cursor !== null);
    check(pages === 2 && seen[0] === cid && seen.length === 2, 'sync pages, most recent first: ' + seen);
    since = res.next_since;
    const empty = await dana.request({ type: 'sync', since, cursor: null, limit: 20, recent: 20 });
    check(empty.conversations.length === 0, 'nothing new since next_since');

    // §8 receipts
    dana.send({ type: 'read', conversation_id: cid, seq: 5 });
    const rc = await eli.waitPush((f) => f.type === 'receipt' && f.user_id === danaId);
    check(rc.read_seq === 5 && rc.delivered_seq === 5, 'read raises delivered: ' + JSON.stringify(rc));
    const inc = await dana.request({ type: 'sync', since, cursor: null, limit: 20, recent: 20 });
    check(inc.conversations.length === 1, 'a receipt is a change for sync');

    // §9 typing: relayed to the others, not echoed
    eli.send({ type: 'typing', conversation_id: cid, active: true });
    const ty = await dana.waitPush((f) => f.type === 'typing');
    check(ty.user_id === eliId && ty.active === true, 'typing relayed');
    check(!eli.pushes.some((f) => f.type === 'typing'), 'typing not echoed');

    // §3 errors: unknown type and a non-member
    const unk = await dana.request({ type: 'no_such_frame' });
    check(unk.type === 'error' && unk.code === 'bad_request', 'unknown type');
    const fay = await connect(url);
    await fay.request({ type: 'register', username: 'fay' + suffix, password: 'fay-password' });
    const nm = await fay.request({ type: 'history', conversation_id: cid });
    check(nm.type === 'error' && (nm.code === 'forbidden' || nm.code === 'not_found') && !nm.messages, 'non-member gets no data');

    // §2 ping and logout
    const pong = await dana.request({ type: 'ping', ts: 42 });
    check(pong.type === 'pong' && pong.ts === 42, 'pong echoes ts');
    const out = await dana.request({ type: 'logout' });
    check(out.type === 'ok', 'logout ok');
    check((await dana.closed) === 1000, 'logout closes 1000');
    const stale = await connect(url);
    const bad = await stale.request({ type: 'auth', token: r1.token });
    check(bad.type === 'error' && bad.code === 'unauthorized', 'revoked token');
    check((await stale.closed) === 4001, 'bad token closes 4001');

    for (const c of [eli, anon, fay]) c.ws.close();
    server.kill('SIGTERM');
    const code = await new Promise((res) => server.on('exit', (c) => res(c)));
    check(code === 0, 'chat-server exits 0 on SIGTERM, got ' + code);
    clearTimeout(timer);
    fs.rmSync(dataDir, { recursive: true, force: true });
    console.log('newcomer: every step as documented in docs/PROTOCOL.md');
    process.exit(0);
})().catch((e) => fail(e.stack || String(e)));
