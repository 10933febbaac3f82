-- Client store, schema version 2: local full-text search (chat::sync::MessageSearch).
-- An external-content FTS5 index over messages.content: the text lives once, in messages;
-- the index holds only tokens and is kept in step by triggers, so every writer (sync,
-- history, acks) indexes in the same transaction as its insert without knowing about it.
-- unicode61 with remove_diacritics 2 folds case and diacritics ("Müller" ~ "muller",
-- "café" ~ "cafe"); prefix indexes on 2 and 3 characters keep search-as-you-type fast.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content,
    content = 'messages',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        VALUES ('delete', old.rowid, old.content);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        VALUES ('delete', old.rowid, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;

-- Stores created at version 1 already hold messages: index them now.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');

-- Newest-first ordering and date lookups within a conversation.
CREATE INDEX messages_conversation_ts ON messages (conversation_id, ts);
