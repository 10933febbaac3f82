// chat-cli search: offline full-text search of the profile's local store
// (chat::sync::MessageSearch), printed as JSON lines, newest first.
#pragma once

#include "sync/syncengine.h"

namespace chat::cli {

// Prints one JSON line per hit (the message fields of messageJson() plus "snippet" and
// "matches": [[start, length], ...] in "content", UTF-16 units). `conversationRef` (optional)
// is resolved like send's CONVERSATION. Returns the process exit code: 0, 5 (no such
// conversation) or 7 (the store failed).
int runSearch(chat::sync::SyncEngine &engine, const QString &query, const QString &conversationRef,
              int limit);

} // namespace chat::cli
