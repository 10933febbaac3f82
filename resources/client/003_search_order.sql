-- Client store, schema version 3: newest-first search without sorting every match.
-- 002 keyed the FTS5 index by messages.rowid (arrival order). Sorting matches by time then
-- meant reading every match of a frequent word (hundreds of ms at 1M messages). Here the
-- index is keyed by a time-ordered search key - (ts << 21) | (rowid & 0x1FFFFF), unique per
-- message - so FTS5 walks its doclist newest first (ORDER BY rowid DESC) and a page of 50
-- stops after 50 matches; a date range is a key range. 21 low bits keep ts (ms) in range
-- until about the year 2109. Should a key be taken (two messages in the same millisecond
-- whose rowids are 2^21 apart), the message gets the next free key (newest position)
-- instead: it stays searchable, only its rank is off.

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;

CREATE TABLE search_keys (
    key           INTEGER PRIMARY KEY,
    message_rowid INTEGER NOT NULL UNIQUE
);

-- The FTS5 content: what the index reads for highlight() and snippet().
CREATE VIEW messages_search_content AS
    SELECT k.key AS key, m.content AS content
    FROM search_keys k JOIN messages m ON m.rowid = k.message_rowid;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    content,
    content = 'messages_search_content',
    content_rowid = 'key',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO search_keys (key, message_rowid) VALUES (
        CASE WHEN EXISTS (SELECT 1 FROM search_keys
                          WHERE key = ((new.ts << 21) | (new.rowid & 2097151)))
             THEN NULL
             ELSE ((new.ts << 21) | (new.rowid & 2097151)) END,
        new.rowid);
    INSERT INTO messages_fts (rowid, content)
        VALUES ((SELECT key FROM search_keys WHERE message_rowid = new.rowid), new.content);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        SELECT 'delete', key, old.content FROM search_keys WHERE message_rowid = old.rowid;
    DELETE FROM search_keys WHERE message_rowid = old.rowid;
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        SELECT 'delete', key, old.content FROM search_keys WHERE message_rowid = old.rowid;
    INSERT INTO messages_fts (rowid, content)
        SELECT key, new.content FROM search_keys WHERE message_rowid = new.rowid;
END;

-- Existing messages: their keys (a taken key gets the next free one), then the index.
INSERT OR IGNORE INTO search_keys (key, message_rowid)
    SELECT (ts << 21) | (rowid & 2097151), rowid FROM messages;
INSERT INTO search_keys (key, message_rowid)
    SELECT NULL, rowid FROM messages WHERE rowid NOT IN (SELECT message_rowid FROM search_keys);
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
