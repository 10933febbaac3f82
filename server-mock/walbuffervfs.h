// WAL write coalescing for the store's writer connection: an SQLite VFS ("chat-walbuf") that
// wraps the default one and gathers the writes SQLite makes to a WAL file into one buffer,
// written with one pwrite when SQLite syncs the WAL (or reads it, resizes it, closes it, or
// writes somewhere not contiguous). SQLite writes each WAL frame as two calls (a 24-byte frame
// header and the page), so a commit of ten pages cost twenty pwrite system calls before its
// fdatasync; now it costs one (docs/SERVER.md, "The store's writer").
//
// Durability is unchanged: every byte is written before the sync that makes it durable, and
// the sync's result is the sync's (a failed write fails the sync, hence the COMMIT: nothing is
// acked). Only files SQLite opens as a WAL are buffered; the database file, journals and the
// shared-memory index go straight to the default VFS, so other connections (the reader)
// coordinate with this one exactly as before.
//
// Requirement: the connection commits with synchronous=FULL (SqliteDialect sets it), so each
// commit syncs the WAL before SQLite publishes the new frames in the wal-index; a reader thus
// never looks for a frame that is still in the buffer.
#pragma once

#include <QString>

namespace chat::server {

// Registers the VFS once per process (thread-safe, not the default VFS); returns its name
// for a "file:...?vfs=NAME" URI, or an empty string if it could not be registered.
QString walBufferVfsName();

} // namespace chat::server
