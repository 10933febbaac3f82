-- Client store, schema version 4: "ß" is searched as "ss" ("strasse" finds "Straße" and
-- "straße" finds "Strasse"). FTS5's unicode61 tokenizer folds case and diacritics but keeps
-- "ß" (U+00DF) and "ẞ" (U+1E9E) as letters of their own, so the index gets the text with both
-- spelled "ss" instead, and MessageSearch folds the query the same way (search.cpp,
-- foldForSearch()). The folded text is only what the index reads: messages.content keeps the
-- original, and MessageSearch maps highlight and snippet offsets back onto it.
--
-- The expression below appears four times and must stay identical in all of them: the
-- 'delete' commands of an external-content index must hand FTS5 exactly the text it indexed.

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP VIEW messages_search_content;

-- The FTS5 content (read for highlight(), snippet() and 'rebuild'): the folded text.
CREATE VIEW messages_search_content AS
    SELECT k.key AS key, replace(replace(m.content, 'ß', 'ss'), 'ẞ', 'ss') AS content
    FROM search_keys k JOIN messages m ON m.rowid = k.message_rowid;

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO search_keys (key, message_rowid) VALUES (
        CASE WHEN EXISTS (SELECT 1 FROM search_keys
                          WHERE key = ((new.ts << 21) | (new.rowid & 2097151)))
             THEN NULL
             ELSE ((new.ts << 21) | (new.rowid & 2097151)) END,
        new.rowid);
    INSERT INTO messages_fts (rowid, content)
        VALUES ((SELECT key FROM search_keys WHERE message_rowid = new.rowid),
                replace(replace(new.content, 'ß', 'ss'), 'ẞ', 'ss'));
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        SELECT 'delete', key, replace(replace(old.content, 'ß', 'ss'), 'ẞ', 'ss')
        FROM search_keys WHERE message_rowid = old.rowid;
    DELETE FROM search_keys WHERE message_rowid = old.rowid;
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        SELECT 'delete', key, replace(replace(old.content, 'ß', 'ss'), 'ẞ', 'ss')
        FROM search_keys WHERE message_rowid = old.rowid;
    INSERT INTO messages_fts (rowid, content)
        SELECT key, replace(replace(new.content, 'ß', 'ss'), 'ẞ', 'ss')
        FROM search_keys WHERE message_rowid = new.rowid;
END;

-- Stores written by schema 3 hold messages indexed unfolded: index them again.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
