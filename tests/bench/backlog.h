// Backlog: a reader who was offline while a writer posted N messages round-robin into M group
// conversations with them — the starting point of every catch-up benchmark (chat-bench-engine,
// chat-bench-desktop-catchup). Everything goes through the protocol.
#pragma once

#include "population.h"

namespace chat::bench {

struct Backlog {
    Account writer, reader;
    QStringList conversations;
};

// Creates the two accounts and the conversations, closes the reader's connection, writes
// `messages` 64-byte messages (256 in flight) and waits for every ack. False + *error on
// failure.
bool writeBacklog(const Target &target, int messages, int conversations, Backlog *out,
                  QString *error);

} // namespace chat::bench
