-- Client store, schema version 6: the newest stored message of every conversation, kept beside
-- the conversation so that the conversation list (the first thing the app shows) is read from
-- two small tables instead of a B-tree walk into messages per conversation.
-- Until 005 LocalStore::conversations() found each conversation's newest message with an index
-- seek into messages (index interior and leaf pages, then the table's leaf): ~550 distinct
-- pages for 200 conversations in a 1M-message store, read from disk on a cold start (≈ 40 ms of
-- a 160 ms start). LocalStore::insertMessages() keeps this table up to date, once per
-- conversation per batch (the newest message it stored there, if newer than the row here);
-- clearCache() empties it with messages. Messages are never updated or deleted one by one.

CREATE TABLE conversation_last (
    conversation_id TEXT PRIMARY KEY NOT NULL,
    seq             INTEGER NOT NULL,
    message_id      TEXT NOT NULL,
    sender_id       TEXT NOT NULL,
    client_msg_id   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    content         TEXT NOT NULL,
    ts              INTEGER NOT NULL,
    local_id        TEXT NOT NULL
) WITHOUT ROWID;

-- Existing stores: one index seek per conversation (milliseconds at 1M messages), not a scan.
INSERT INTO conversation_last (conversation_id, seq, message_id, sender_id, client_msg_id, kind,
                               content, ts, local_id)
    SELECT m.conversation_id, m.seq, m.message_id, m.sender_id, m.client_msg_id, m.kind,
           m.content, m.ts, m.local_id
    FROM conversations c
    JOIN messages m ON m.conversation_id = c.conversation_id
        AND m.seq = (SELECT MAX(seq) FROM messages x WHERE x.conversation_id = c.conversation_id);
