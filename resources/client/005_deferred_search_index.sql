-- Client store, schema version 5: the search index is written after the insert, not in it.
-- Until 004 a trigger indexed every message inside the transaction that stored it: a search
-- key row, FTS5 terms and prefix terms, ≈4 page writes per message, which made a catch-up
-- ingest ≈10× slower than the plain insert. Now messages go in alone and LocalStore's search
-- indexer (localstore.cpp, "Search index") indexes them afterwards in batches of rowids:
-- search_state.indexed_upto is the cursor, every message with rowid <= indexed_upto has its
-- search key and its FTS5 entry, none above it has. A batch indexes (indexed_upto, end] and
-- moves the cursor in the same transaction, so it survives a restart and nothing is indexed
-- twice. A search first indexes whatever is still pending (LocalStore::indexSearchPending()),
-- so results are the same as with the trigger.
--
-- The delete and update triggers of 004 stay: they touch only messages that have a search key
-- (indexed ones); a message above the cursor has none and is indexed with its current text.

DROP TRIGGER messages_fts_insert;

CREATE TABLE search_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_upto INTEGER NOT NULL
);

-- Every message stored so far was indexed by the trigger.
INSERT INTO search_state (id, indexed_upto) SELECT 1, IFNULL(MAX(rowid), 0) FROM messages;

-- messages is a rowid table without AUTOINCREMENT: once the row with the highest rowid is
-- deleted, the next insert may get that rowid again. The cursor then moves down to the
-- highest rowid left, so a reused rowid is above it and gets indexed.
CREATE TRIGGER search_state_delete AFTER DELETE ON messages BEGIN
    UPDATE search_state SET indexed_upto = (SELECT IFNULL(MAX(rowid), 0) FROM messages)
        WHERE indexed_upto > (SELECT IFNULL(MAX(rowid), 0) FROM messages);
END;

-- Stored ingest pays a B-tree write per index on messages. This one served a single lookup,
-- the first message at a date (MessageSearch::positionAtDate), which now binary-searches the
-- primary key (conversation_id, seq) instead: within a conversation seq order is time order.
DROP INDEX messages_conversation_ts;
