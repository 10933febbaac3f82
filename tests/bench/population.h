// Population: creates the users and conversations a scenario needs, through the protocol
// (register + create_conversation) or, given --admin-token, through the reference server's
// admin_seed with a generated fixture. Every run uses a fresh random username prefix, so runs
// against a long-lived server never collide.
#pragma once

#include "benchclient.h"

#include <QList>
#include <QObject>
#include <QUrl>
#include <optional>

namespace chat::bench {

// The server under test: where it listens and, if known, its pid (for /proc figures).
struct Target {
    QString label;
    QList<QUrl> urls; // several destinations (127.0.0.x / ports) for many connections
    qint64 pid = 0;
    QString adminToken;
    QUrl url(int i = 0) const { return urls.at(i % urls.size()); }
};

struct Account {
    QString username, password, userId, token;
};

class Population
{
public:
    explicit Population(Target target, QObject *owner);

    // Registers n accounts (at most `concurrency` handshakes in flight) and returns their
    // authenticated connections. With an admin token the users are seeded and logged in.
    bool createAccounts(int n, QList<Account> *accounts, QList<BenchClient *> *clients,
                        int concurrency = 8);
    // Opens and authenticates (by token) one connection per account, paced at `perSecond`.
    bool connectAccounts(const QList<Account> &accounts, QList<BenchClient *> *clients,
                         int concurrency = 64, int perSecond = 0);
    // Creates one conversation per request; returns ids in the same order.
    struct ConvRequest {
        BenchClient *creator;
        bool group;
        QString title;
        QStringList memberIds;
    };
    bool createConversations(const QList<ConvRequest> &requests, QStringList *ids,
                             int concurrency = 32);

    QString error() const { return m_error; }
    QString prefix() const { return m_prefix; }

private:
    bool fail(const QString &why);
    BenchClient *openOne(int index);

    Target m_target;
    QObject *m_owner;
    QString m_prefix;
    QString m_error;
};

// Token files hand logged-in accounts to worker processes (connections-worker,
// fanout-worker): one "userId token username" line per account, in order.
bool writeTokenFile(const QString &path, const QList<Account> &accounts);
// The accounts of a token file (no passwords), or nullopt if it cannot be read.
std::optional<QList<Account>> readTokenFile(const QString &path);

} // namespace chat::bench
