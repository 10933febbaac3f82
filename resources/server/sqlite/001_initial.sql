-- Reference server schema, version 1 (SQLite). One statement per ';'-terminated block.
-- change_seq: one global, monotonically increasing change counter. A conversation's
-- change_seq is the counter value of its last change visible to every member (message,
-- receipt, membership, title); a member row's change_seq is the value of the last change
-- that only that member sees (joined, left). Sync tokens are built on it (docs/SERVER.md).
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('change_seq', 0);
CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_ts INTEGER NOT NULL
);
CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (user_id),
    device TEXT NOT NULL DEFAULT '',
    created_ts INTEGER NOT NULL,
    expires_ts INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_by_user ON tokens (user_id);
CREATE TABLE conversations (
    conversation_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    direct_key TEXT UNIQUE,
    fixture_key TEXT UNIQUE,
    created_ts INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    change_seq INTEGER NOT NULL,
    activity_seq INTEGER NOT NULL
);
CREATE TABLE members (
    conversation_id TEXT NOT NULL REFERENCES conversations (conversation_id),
    user_id TEXT NOT NULL REFERENCES users (user_id),
    role TEXT NOT NULL DEFAULT 'member',
    active INTEGER NOT NULL DEFAULT 1,
    delivered_seq INTEGER NOT NULL DEFAULT 0,
    read_seq INTEGER NOT NULL DEFAULT 0,
    change_seq INTEGER NOT NULL,
    joined_ts INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_by_user ON members (user_id, active);
CREATE TABLE messages (
    message_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (conversation_id),
    seq INTEGER NOT NULL,
    sender_id TEXT NOT NULL REFERENCES users (user_id),
    client_msg_id TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'text',
    content TEXT NOT NULL,
    ts INTEGER NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (sender_id, client_msg_id)
);
