// The project's logging categories, declared in one place. Enable with QT_LOGGING_RULES,
// e.g. QT_LOGGING_RULES="chat.net.*=true;chat.sync.store.debug=true".
#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcNetWs)          // chat.net.ws: socket lifecycle, frames in/out
Q_DECLARE_LOGGING_CATEGORY(lcNetHeartbeat)   // chat.net.heartbeat: ping/pong, dead links
Q_DECLARE_LOGGING_CATEGORY(lcNetProtocol)    // chat.net.protocol: decode errors
Q_DECLARE_LOGGING_CATEGORY(lcSync)           // chat.sync: engine decisions
Q_DECLARE_LOGGING_CATEGORY(lcSyncStore)      // chat.sync.store: SQLite, migrations
Q_DECLARE_LOGGING_CATEGORY(lcSyncOutbox)     // chat.sync.outbox: queued sends, acks, retries
Q_DECLARE_LOGGING_CATEGORY(lcModel)          // chat.model: list models and QML facade
Q_DECLARE_LOGGING_CATEGORY(lcServer)         // chat.server: process lifecycle
Q_DECLARE_LOGGING_CATEGORY(lcServerSession)  // chat.server.session: auth, limits, closes
Q_DECLARE_LOGGING_CATEGORY(lcServerStore)    // chat.server.store: SQL, group commit
Q_DECLARE_LOGGING_CATEGORY(lcServerRouter)   // chat.server.router: fan-out, Redis
Q_DECLARE_LOGGING_CATEGORY(lcServerPush)     // chat.server.push: push gateway
Q_DECLARE_LOGGING_CATEGORY(lcServerAdmin)    // chat.server.admin: QA control frames
