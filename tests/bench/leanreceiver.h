// The receiving half of `chat-bench fanout`: `chat-bench fanout-worker` holds many authenticated
// protocol-v1 connections in a process of its own and counts the `message` pushes they receive
// at a small fraction of the server's cost per delivery, so that a fan-out figure measures the
// server and not its receivers. No QWebSocket and no JSON parse per message: a plain epoll loop
// reads each socket in 256 KiB chunks and walks the RFC 6455 frame headers (server frames are
// unmasked); a text frame is a delivery when its type is "message" (the type key comes first or
// last in both servers' encodings). For a sample of the frames (every Nth per connection) the
// sender's timestamp ("content":"t<ns> …", CLOCK_MONOTONIC) is read for delivery latency.
//
// Line protocol with the parent (stdin / stdout):
//   → "ready <open> <failed> [first error]"  once every connection is authenticated or failed
//   → "count <messages> <last_ns> <other_frames> <closed>"  at most every 10 ms while it changes
//   ← "stats"  → "stats <n> <d1> … <dn> | <s1> … <sm>": per connection (token file order) the
//              messages since the previous "stats", then the latency samples (ns) since then;
//              with rawSamples each sample is "<sent_ns>,<read_ns>" (the caller corrects the
//              send time, e.g. to its planned moment)
//   ← end of stdin or "quit": closes every connection and exits 0.
#pragma once

#include <QString>
#include <QUrl>

namespace chat::bench {

// Opens one connection per line of tokenFile ("user_id token username"), authenticates each
// with `auth`, reports "ready", then counts until told to quit. Returns the exit code.
// coalesceUs > 0: at most one pass over the ready sockets per coalesceUs (fewer, larger reads).
// Used by `fanout` and `latency` (through ReceiverPool, receiverpool.h).
int runFanoutWorker(const QUrl &url, const QString &tokenFile, int sampleEvery, int coalesceUs,
                    bool rawSamples);

} // namespace chat::bench
