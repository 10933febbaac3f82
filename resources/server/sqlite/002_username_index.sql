-- Login, register and username lookups compare lower(username): index that expression
-- (the UNIQUE index on username cannot serve it), and sync walks a user's conversations
-- by activity.
CREATE INDEX users_by_lower_username ON users (lower(username));
CREATE INDEX conversations_by_activity ON conversations (activity_seq);
