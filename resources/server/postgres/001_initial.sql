-- Reference server schema, version 1 (PostgreSQL). The same tables, keys and semantics as
-- resources/server/sqlite/001_initial.sql; only the types differ (BIGINT for every seq,
-- counter and millisecond timestamp). One statement per ';'-terminated block.
-- change_seq: one global, monotonically increasing change counter (see the SQLite file). In
-- PostgreSQL its row in `counters` is also the cluster-wide write lock: every write
-- transaction locks it first (PgDialect::beginWrite), so seq assignment, the idempotency
-- check and the insert are serialized across nodes exactly as SQLite's BEGIN IMMEDIATE
-- serializes them inside one process.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);
CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_ts BIGINT NOT NULL
);
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (user_id),
    device TEXT NOT NULL DEFAULT '',
    created_ts BIGINT NOT NULL,
    expires_ts BIGINT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_by_user ON tokens (user_id);
CREATE TABLE conversations (
    conversation_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    direct_key TEXT UNIQUE,
    fixture_key TEXT UNIQUE,
    created_ts BIGINT NOT NULL,
    last_seq BIGINT NOT NULL DEFAULT 0,
    change_seq BIGINT NOT NULL,
    activity_seq BIGINT NOT NULL
);
CREATE TABLE members (
    conversation_id TEXT NOT NULL REFERENCES conversations (conversation_id),
    user_id TEXT NOT NULL REFERENCES users (user_id),
    role TEXT NOT NULL DEFAULT 'member',
    active INTEGER NOT NULL DEFAULT 1,
    delivered_seq BIGINT NOT NULL DEFAULT 0,
    read_seq BIGINT NOT NULL DEFAULT 0,
    change_seq BIGINT NOT NULL,
    joined_ts BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id, active);
CREATE TABLE messages (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (conversation_id),
    seq BIGINT NOT NULL,
    sender_id TEXT NOT NULL REFERENCES users (user_id),
    client_msg_id TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'text',
    content TEXT NOT NULL,
    ts BIGINT NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (sender_id, client_msg_id)
);
