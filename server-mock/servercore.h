// ServerCore: what every session and handler shares — configuration, the store, the
// router, presence, notifier, faults, counters and clocks. Owned by ChatServer; passed
// explicitly (no global locator).
#pragma once

#include "faults.h"
#include "serverconfig.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QSet>
#include <QThreadPool>

namespace chat::server {

class Store;
class Router;
class Presence;
class Notifier;
class Dispatcher;
class Session;

struct Counters {
    quint64 framesIn = 0, framesOut = 0, badFrames = 0, messagesAcked = 0, duplicates = 0,
            pushesDropped = 0, connectionsAccepted = 0;
};

struct ServerCore {
    ServerConfig config;
    Store *store = nullptr;
    Router *router = nullptr;
    Presence *presence = nullptr;
    Notifier *notifier = nullptr;
    Dispatcher *dispatcher = nullptr;
    Faults faults;
    Counters counters;
    QElapsedTimer clock;
    QThreadPool hashPool;     // Argon2id off the network thread
    QSet<Session *> sessions; // every open session, authenticated or not

    qint64 monoMs() const { return clock.elapsed(); }
    static qint64 wallMs() { return QDateTime::currentMSecsSinceEpoch(); }
};

} // namespace chat::server
