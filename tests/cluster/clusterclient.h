// ClusterClient: a protocol-level chat client for the cluster tests, on chat::net::Connection
// (reconnect with backoff, request/response by id). It does what a real client must do to
// lose nothing across a node's death: an outbox of sends that stay pending until acked and
// are sent again with the same client_msg_id after every reconnect; catch-up with `history
// after_seq` after every authentication; messages kept by (conversation, seq), so a push and
// a catch-up of the same message are one message. It records every push for the tests.
#pragma once

#include "connection.h"

#include <QMap>
#include <QObject>
#include <QSet>

namespace chat::testing {

class ClusterClient : public QObject
{
    Q_OBJECT
public:
    ClusterClient(QUrl url, QString username, QObject *parent = nullptr);

    // Registers the account on the first connection (then uses the token).
    void start();
    void stop();
    bool isOnline() const;
    QString userId() const;
    net::Connection &connection() { return m_conn; }
    int authentications() const { return m_auths; }

    // Blocking helpers (wait up to 20 s; false on failure).
    std::optional<proto::Conversation> createGroup(const QString &title,
                                                   const QStringList &members);
    bool typing(const QString &conversationId, bool active);
    bool markRead(const QString &conversationId, qint64 seq);

    // Queues a send; it goes out when online and is retried until acked.
    QString send(const QString &conversationId, const QString &content);
    int pendingSends() const { return int(m_outbox.size()); }
    // client_msg_id -> seq of every acked send, and how many acks said duplicate.
    const QMap<QString, qint64> &acked() const { return m_acked; }
    int duplicateAcks() const { return m_duplicateAcks; }

    // Interest in a conversation: it is caught up after every authentication.
    void follow(const QString &conversationId);
    // Fetches everything after the highest contiguous seq; true when complete.
    bool catchUp(const QString &conversationId);
    const QMap<qint64, proto::Message> &messages(const QString &conversationId) const;
    // The same seq arriving with a different message id (would be shown twice).
    int conflicts() const { return m_conflicts; }
    int pushesReceived() const { return m_pushes; }
    // Messages of others first seen as a push vs. first seen through catch-up (a missed push).
    int viaPush() const { return m_viaPush; }
    int viaCatchUp() const { return m_viaCatchUp; }

    QList<proto::Receipt> receipts;
    QList<proto::TypingPush> typingPushes;
    QList<proto::PresencePush> presencePushes;

private:
    void onAuthenticated();
    void onPush(const proto::ServerFrame &f);
    enum class Source { Push, CatchUp, Ack };
    void store(const proto::Message &m, Source source);
    void pump();
    template<typename T>
    std::optional<T> call(proto::ClientFrame frame, QString *error = nullptr);

    struct Pending {
        QString conversationId, clientMsgId, content;
        bool inFlight = false;
    };
    net::Connection m_conn;
    net::ConnectionOptions m_options;
    QList<Pending> m_outbox;
    QMap<QString, qint64> m_acked;
    int m_duplicateAcks = 0;
    QSet<QString> m_followed;
    QMap<QString, QMap<qint64, proto::Message>> m_messages;
    int m_conflicts = 0, m_pushes = 0, m_auths = 0, m_viaPush = 0, m_viaCatchUp = 0;
    int m_sendCounter = 0;
    QTimer *m_retry = nullptr;
};

} // namespace chat::testing
