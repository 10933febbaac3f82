-- The same as resources/server/sqlite/002_username_index.sql: login, register and username
-- lookups compare lower(username) (the UNIQUE index on username cannot serve it), and sync
-- walks a user's conversations by activity.
CREATE INDEX users_by_lower_username ON users (lower(username));
CREATE INDEX conversations_by_activity ON conversations (activity_seq);
