// DispatchHarness: the server's dispatch driven in process, without sockets, for the libFuzzer
// target fuzz_dispatch and its corpus replay test. A real ChatServer (SQLite store in a
// temporary folder, on tmpfs when there is one) serves MemoryTransport sessions: alice, bob
// and carol logged in, one unauthenticated connection and one QA admin connection. The fixture has
// a group $G (alice, bob, dave), a direct conversation $AB (alice, bob) and one $BC (bob, carol);
// dave never connects (his messages go to the push notifier).
//
// Input: up to kMaxFrames frames, one per line. The first byte of a line picks the connection
// (modulo 5: '0' alice, '1' bob, '2' carol, '3' unauthenticated, '4' admin), the rest is the
// frame text, in which placeholders become real ids: $G $AB $BC (conversations), $a $b $c $d
// (users). A frame starting with "#bin " is sent as a binary frame (the rest of the line).
// Sessions persist across inputs (like long-lived clients) and are re-authenticated when the
// server closed them. Not sent (tests/server and tests/reliability cover them): login and
// register on the unauthenticated connection (an Argon2id hash each, and failures are
// throttled for seconds by design), admin_fault and admin_kick (held acks, delays and aborts
// are what they are for, and what the invariants below forbid).
//
// Invariants, checked on every input; a violation prints what happened and aborts:
//  - every request with an id gets exactly one answer with that id, or its connection is
//    closed with a protocol close code; never two answers;
//  - connections end only with the protocol's close codes, never aborted;
//  - every frame out decodes as a server frame with the client's own decoder;
//  - a connection never receives a conversation its user is not in: no secret message content
//    of it anywhere, no non-error frame naming its conversation_id ($AB and $BC are direct, so
//    nobody can be added to them; the unauthenticated connection sees no conversation at all).
// Plus whatever ASan and UBSan find in the fuzz build.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <memory>

class QTemporaryDir;

namespace chat::server {
class ChatServer;
}

namespace fuzz {

struct Connection;

class DispatchHarness
{
public:
    static constexpr int kMaxFrames = 16;
    static constexpr int kSlots = 5; // alice, bob, carol, unauthenticated, admin
    static constexpr int kAnonymous = 3, kAdmin = 4;

    DispatchHarness();
    ~DispatchHarness();

    // Starts the server, logs the users in, learns the fixture's ids. false + a sentence.
    bool init(QString *error);
    // Runs one input to completion (every answer in or its connection closed); aborts on a
    // violated invariant.
    void run(const QByteArray &input);

    // Answers seen by frame type, over the harness' life (the replay test checks that inputs
    // reach past authorization).
    const QHash<QString, int> &answersByType() const { return m_answersByType; }
    // Sessions the harness opened again after the server closed one; password logins (an
    // Argon2id hash each: only the first per user, later tokens come from the store).
    int reconnects() const { return m_reconnects; }
    int passwordLogins() const { return m_passwordLogins; }
    qint64 passwordLoginMs() const { return m_passwordLoginMs; }

private:
    struct Slot {
        QString username, password, userId;
        QString token;         // last issued; empty once the server refused it
        QStringList sealedIds; // conversations this connection must never see
        QStringList secrets;   // message content of those conversations
        std::shared_ptr<Connection> conn;
    };

    std::shared_ptr<Connection> connect(int slot);
    void deliver(Connection &c, const QString &frame);
    bool settle(int timeoutMs);
    bool ensureLoggedIn(int slot, QString *error);
    QString issueToken(const QString &userId);
    QString request(int slot, const QString &id, const QString &frame);
    void onFrameOut(Connection &c, const QString &frame);
    void onClosed(Connection &c, int code, const QString &reason);
    QByteArray substitute(QByteArray text) const;
    [[noreturn]] void violation(const Connection &c, const QString &what) const;

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<chat::server::ChatServer> m_server;
    Slot m_slots[kSlots];
    QString m_group, m_ab, m_bc, m_dave;
    QList<std::shared_ptr<Connection>> m_live; // connections of the current input
    QString m_adminToken;
    QStringList m_secrets; // every conversation's secret: inputs containing one are skipped
    QHash<QString, int> m_answersByType;
    QByteArray m_input; // the current input, for violation reports
    int m_peerCounter = 0;
    int m_reconnects = 0, m_passwordLogins = 0;
    qint64 m_passwordLoginMs = 0;
    bool m_stopping = false;
};

} // namespace fuzz
