// RedisClient: Redis from the Qt event loop, on hiredis' async API with a small QSocketNotifier
// adapter. It keeps two connections to one server: one for commands, one for Pub/Sub (a
// subscribed hiredis context accepts nothing but (UN)SUBSCRIBE). Both reconnect by themselves
// with backoff and jitter when Redis goes away; channels are re-subscribed on reconnect.
//
// Nothing is queued while Redis is down: a command issued then fails at once (its callback
// gets an error value), because everything the chat server keeps in Redis is either refreshed
// periodically (registry, presence) or allowed to be lost (routing pushes; clients converge
// through sync). A watchdog PING detects a server that holds the socket open but stops
// answering. Lives in one thread; callbacks run in it.
#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QString>
#include <QTimer>
#include <QUrl>
#include <functional>
#include <memory>

struct redisAsyncContext;

namespace chat::server::cluster {

struct RedisReply {
    enum class Type { Nil, Status, Error, Integer, String, Array };
    Type type = Type::Nil;
    QByteArray str; // Status, Error, String
    qint64 integer = 0;
    QList<RedisReply> elements;

    bool isNil() const { return type == Type::Nil; }
};

// A command's outcome: a reply (which may itself be a Redis error reply) or a transport
// failure (not connected, connection lost before the answer).
struct RedisResult {
    bool ok = false; // a reply arrived and it is not an error reply
    RedisReply reply;
    QString error; // why not ok, in a sentence
};

using RedisCallback = std::function<void(const RedisResult &)>;

struct RedisEndpoint {
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    int db = 0;
    // redis://host:port[/db]; false + a sentence for anything else.
    static bool parse(const QUrl &url, RedisEndpoint *out, QString *errorMessage);
};

class RedisLink;

class RedisClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected };
    Q_ENUM(State)

    struct Options {
        int connectTimeoutMs = 2000;
        int watchdogIntervalMs = 1000; // PING this often on the command link
        int watchdogTimeoutMs = 3000;  // no answer within this: the link is dead
        QList<int> backoffMs{50, 100, 250, 500, 1000, 2000};
        double jitter = 0.25;
    };

    explicit RedisClient(RedisEndpoint endpoint, QObject *parent = nullptr);
    RedisClient(RedisEndpoint endpoint, Options options, QObject *parent = nullptr);
    ~RedisClient() override;

    // Starts connecting and keeps the links up until close(). Never blocks.
    void open();
    // Drops both links; pending commands fail (their callbacks run queued).
    void close();

    State state() const; // Connected when both links are up
    bool isConnected() const { return state() == State::Connected; }
    QString lastError() const { return m_lastError; }
    const RedisEndpoint &endpoint() const { return m_endpoint; }

    // Sends a command (argv form, binary-safe). The callback runs once, in this thread, only
    // if `context` still exists; with a null context the reply is discarded.
    void command(const QList<QByteArray> &args, QObject *context = nullptr,
                 RedisCallback callback = {});
    // Several commands in one MULTI/EXEC transaction; the callback gets EXEC's reply.
    void transaction(const QList<QList<QByteArray>> &commands, QObject *context = nullptr,
                     RedisCallback callback = {});

    // Channels stay subscribed across reconnects until unsubscribe().
    void subscribe(const QByteArray &channel);
    void unsubscribe(const QByteArray &channel);
    QSet<QByteArray> channels() const { return m_channels; }

    struct Counters {
        qint64 commandsSent = 0, commandsFailed = 0, messagesReceived = 0, connects = 0,
               disconnects = 0;
    };
    Counters counters() const { return m_counters; }

Q_SIGNALS:
    void connected();                      // both links up, channels re-subscribed
    void disconnected(const QString &why); // left the Connected state
    void stateChanged(chat::server::cluster::RedisClient::State state);
    void message(const QByteArray &channel, const QByteArray &payload);

private:
    friend class RedisLink;
    void linkUp(RedisLink *link);
    void linkDown(RedisLink *link, const QString &why);
    void updateState();
    void deliverFailure(QPointer<QObject> context, bool hadContext, RedisCallback cb,
                        const QString &why);
    void watchdog();
    bool sendArgv(redisAsyncContext *ac, const QList<QByteArray> &args, void *privdata);
    static void onCommandReply(redisAsyncContext *ac, void *reply, void *privdata);
    static void onSubscriberReply(redisAsyncContext *ac, void *reply, void *privdata);

    RedisEndpoint m_endpoint;
    Options m_options;
    std::unique_ptr<RedisLink> m_cmd, m_sub;
    QSet<QByteArray> m_channels;
    State m_state = State::Disconnected;
    QString m_lastError;
    Counters m_counters;
    QTimer m_watchdog;
    qint64 m_pingSentAt = 0; // 0 = no ping outstanding
    bool m_open = false;
    bool m_destroying = false;
};

} // namespace chat::server::cluster
