-- Client store, schema version 1. Applied by chat::sync::LocalStore in one transaction;
-- PRAGMA user_version is set to this file's number afterwards. Never edit an applied
-- migration: add NNN_next.sql instead.

-- Key/value state: sync_token (the last complete sync's next_since), user_id, username,
-- display_name, server.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    user_id      TEXT PRIMARY KEY NOT NULL,
    username     TEXT NOT NULL,
    display_name TEXT NOT NULL
) WITHOUT ROWID;

-- own_read_seq: what the user has seen (monotonic); own_read_sent_seq: what the server has
-- been told. placeholder = 1 while only a pushed message told us the conversation exists.
CREATE TABLE conversations (
    conversation_id   TEXT PRIMARY KEY NOT NULL,
    kind              TEXT NOT NULL DEFAULT 'direct' CHECK (kind IN ('direct', 'group')),
    title             TEXT NOT NULL DEFAULT '',
    last_seq          INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    created_ts        INTEGER NOT NULL DEFAULT 0,
    placeholder       INTEGER NOT NULL DEFAULT 0,
    left_conversation INTEGER NOT NULL DEFAULT 0,
    own_read_seq      INTEGER NOT NULL DEFAULT 0,
    own_read_sent_seq INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE members (
    conversation_id TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    role            TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
    delivered_seq   INTEGER NOT NULL DEFAULT 0,
    read_seq        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, user_id)
) WITHOUT ROWID;

-- Stored messages, unique by (conversation, seq). A rowid table on purpose: an FTS5
-- index can use the rowid as its content_rowid. local_id: client_msg_id for messages sent
-- from this device, message_id otherwise.
CREATE TABLE messages (
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL CHECK (seq > 0),
    message_id      TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    client_msg_id   TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL DEFAULT 'text',
    content         TEXT NOT NULL,
    ts              INTEGER NOT NULL,
    local_id        TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_local_id ON messages (local_id);

-- Known contiguous ranges: every seq in [from_seq, to_seq] is stored. Anything between 1
-- and conversations.last_seq outside every range is a gap. Ranges never overlap or touch
-- (adjacent ones are merged).
CREATE TABLE ranges (
    conversation_id TEXT NOT NULL,
    from_seq        INTEGER NOT NULL CHECK (from_seq >= 1),
    to_seq          INTEGER NOT NULL,
    CHECK (to_seq >= from_seq),
    PRIMARY KEY (conversation_id, from_seq)
) WITHOUT ROWID;

-- Durable outbox: written before a send is attempted, removed in the transaction that
-- stores the acked message. position = send order.
CREATE TABLE outbox (
    position        INTEGER PRIMARY KEY AUTOINCREMENT,
    client_msg_id   TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    sender_id       TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL DEFAULT 'text',
    content         TEXT NOT NULL,
    created_ts      INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed')),
    error_code      TEXT NOT NULL DEFAULT '',
    error_message   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE drafts (
    conversation_id TEXT PRIMARY KEY NOT NULL,
    text            TEXT NOT NULL,
    updated_ts      INTEGER NOT NULL
) WITHOUT ROWID;
