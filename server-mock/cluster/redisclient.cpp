#include "redisclient.h"

#include "logging.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QSocketNotifier>
#include <QUrlQuery>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

using namespace Qt::StringLiterals;

namespace chat::server::cluster {

bool RedisEndpoint::parse(const QUrl &url, RedisEndpoint *out, QString *errorMessage)
{
    if (!url.isValid() || url.scheme() != "redis"_L1 || url.host().isEmpty()) {
        *errorMessage = u"expected redis://HOST:PORT[/DB], got '%1'"_s.arg(url.toString());
        return false;
    }
    RedisEndpoint e;
    e.host = url.host();
    e.port = quint16(url.port(6379));
    const QString path = url.path().mid(1);
    if (!path.isEmpty()) {
        bool ok = false;
        e.db = path.toInt(&ok);
        if (!ok || e.db < 0) {
            *errorMessage = u"the Redis database in '%1' is not a number"_s.arg(url.toString());
            return false;
        }
    }
    *out = e;
    return true;
}

namespace {

RedisReply convert(const redisReply *r)
{
    RedisReply out;
    switch (r->type) {
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::Status;
        out.str = QByteArray(r->str, int(r->len));
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::Error;
        out.str = QByteArray(r->str, int(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::String;
        out.str = QByteArray(r->str, int(r->len));
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        for (size_t i = 0; i < r->elements; ++i)
            out.elements.append(convert(r->element[i]));
        break;
    default: out.type = RedisReply::Type::Nil;
    }
    return out;
}

// The event-loop adapter of one hiredis context: two QSocketNotifiers on its fd. hiredis calls
// add/del while it runs inside our own read/write handlers, so notifiers are only ever
// enabled/disabled there and deleted later (deleting a notifier inside its own activation is
// what makes the adapter shipped with hiredis fragile).
class Adapter : public QObject
{
public:
    explicit Adapter(redisAsyncContext *ac) : m_ac(ac)
    {
        m_read = new QSocketNotifier(ac->c.fd, QSocketNotifier::Read, this);
        m_write = new QSocketNotifier(ac->c.fd, QSocketNotifier::Write, this);
        m_read->setEnabled(false);
        m_write->setEnabled(false);
        QObject::connect(m_read, &QSocketNotifier::activated, this, [this] {
            if (m_ac)
                redisAsyncHandleRead(m_ac);
        });
        QObject::connect(m_write, &QSocketNotifier::activated, this, [this] {
            if (m_ac)
                redisAsyncHandleWrite(m_ac);
        });
        ac->ev.data = this;
        ac->ev.addRead = [](void *p) { static_cast<Adapter *>(p)->setRead(true); };
        ac->ev.delRead = [](void *p) { static_cast<Adapter *>(p)->setRead(false); };
        ac->ev.addWrite = [](void *p) { static_cast<Adapter *>(p)->setWrite(true); };
        ac->ev.delWrite = [](void *p) { static_cast<Adapter *>(p)->setWrite(false); };
        ac->ev.cleanup = [](void *p) { static_cast<Adapter *>(p)->cleanup(); };
    }

private:
    void setRead(bool on)
    {
        if (m_ac)
            m_read->setEnabled(on);
    }
    void setWrite(bool on)
    {
        if (m_ac)
            m_write->setEnabled(on);
    }
    // The context is being freed: never touch it again.
    void cleanup()
    {
        m_ac = nullptr;
        m_read->setEnabled(false);
        m_write->setEnabled(false);
        deleteLater();
    }

    redisAsyncContext *m_ac;
    QSocketNotifier *m_read, *m_write;
};

struct PendingCommand {
    QPointer<RedisClient> client;
    QPointer<QObject> context;
    bool hadContext = false;
    RedisCallback callback;
    bool watchdogPing = false;
};

} // namespace

// One hiredis async context and its reconnect loop. ac->data points back here while the
// context is ours; it is cleared before we free a context ourselves, so hiredis' callbacks
// during that free are ignored.
class RedisLink
{
public:
    RedisLink(RedisClient *client, bool subscriber) : m_client(client), m_subscriber(subscriber)
    {
        m_retry.setSingleShot(true);
        QObject::connect(&m_retry, &QTimer::timeout, client, [this] { connectNow(); });
        m_connectTimer.setSingleShot(true);
        QObject::connect(&m_connectTimer, &QTimer::timeout, client,
                         [this] { drop(u"connecting to Redis timed out"_s); });
    }
    ~RedisLink() { shutdown(); }

    bool isUp() const { return m_ac && m_up; }
    redisAsyncContext *context() const { return m_up ? m_ac : nullptr; }
    bool subscriber() const { return m_subscriber; }

    void start()
    {
        m_wanted = true;
        m_attempt = 0;
        if (!m_ac)
            connectNow();
    }

    void shutdown()
    {
        m_wanted = false;
        m_retry.stop();
        m_connectTimer.stop();
        if (m_ac) {
            redisAsyncContext *ac = m_ac;
            const bool wasUp = m_up;
            m_ac = nullptr;
            m_up = false;
            ac->data = nullptr;
            redisAsyncFree(ac); // pending callbacks run with NULL replies -> failures
            if (wasUp)
                m_client->linkDown(this, u"closed"_s);
        }
    }

    // The link is considered dead (watchdog): free it and reconnect.
    void drop(const QString &why)
    {
        if (!m_ac)
            return;
        redisAsyncContext *ac = m_ac;
        const bool wasUp = m_up;
        m_ac = nullptr;
        m_up = false;
        m_connectTimer.stop();
        ac->data = nullptr;
        redisAsyncFree(ac);
        lost(why, wasUp);
    }

private:
    static RedisLink *of(const redisAsyncContext *ac) { return static_cast<RedisLink *>(ac->data); }

    void connectNow()
    {
        if (!m_wanted || m_ac)
            return;
        const RedisEndpoint &e = m_client->endpoint();
        redisAsyncContext *ac = redisAsyncConnect(e.host.toUtf8().constData(), e.port);
        if (!ac) {
            lost(u"cannot allocate a Redis context"_s, false);
            return;
        }
        if (ac->err) {
            const QString why = QString::fromUtf8(ac->errstr);
            redisAsyncFree(ac);
            lost(u"cannot connect to Redis at %1:%2: %3"_s.arg(e.host).arg(e.port).arg(why), false);
            return;
        }
        m_ac = ac;
        ac->data = this;
        new Adapter(ac);
        redisAsyncSetConnectCallback(ac, &RedisLink::onConnect); // after the adapter: arms write
        redisAsyncSetDisconnectCallback(ac, &RedisLink::onDisconnect);
        m_connectTimer.start(m_client->m_options.connectTimeoutMs);
    }

    static void onConnect(const redisAsyncContext *ac, int status)
    {
        RedisLink *self = of(ac);
        if (!self)
            return;
        self->m_connectTimer.stop();
        if (status != REDIS_OK) {
            // hiredis frees the context itself after this callback.
            const QString why = QString::fromUtf8(ac->errstr);
            self->m_ac = nullptr;
            const RedisEndpoint &e = self->m_client->endpoint();
            self->lost(u"cannot connect to Redis at %1:%2: %3"_s.arg(e.host).arg(e.port).arg(why),
                       false);
            return;
        }
        self->m_up = true;
        self->m_attempt = 0;
        const RedisEndpoint &e = self->m_client->endpoint();
        if (e.db != 0 && !self->m_subscriber) {
            const QByteArray db = QByteArray::number(e.db);
            redisAsyncCommand(self->m_ac, nullptr, nullptr, "SELECT %b", db.constData(),
                              size_t(db.size()));
        }
        self->m_client->linkUp(self);
    }

    static void onDisconnect(const redisAsyncContext *ac, int status)
    {
        RedisLink *self = of(ac);
        if (!self)
            return;
        // hiredis frees the context after this callback.
        const QString why =
            status == REDIS_OK
                ? u"disconnected"_s
                : u"connection to Redis lost: %1"_s.arg(QString::fromUtf8(ac->errstr));
        const bool wasUp = self->m_up;
        self->m_ac = nullptr;
        self->m_up = false;
        self->lost(why, wasUp);
    }

    void lost(const QString &why, bool wasUp)
    {
        if (wasUp)
            m_client->linkDown(this, why);
        else
            m_client->m_lastError = why;
        if (!m_wanted)
            return;
        const auto &b = m_client->m_options.backoffMs;
        const int base = b.isEmpty() ? 1000 : b.at(qMin(m_attempt, int(b.size()) - 1));
        ++m_attempt;
        const double j = m_client->m_options.jitter;
        const double f = 1.0 + j * (2.0 * QRandomGenerator::global()->generateDouble() - 1.0);
        qCDebug(lcServerRouter) << (m_subscriber ? "subscriber" : "command") << "link:" << why
                                << "- retrying in" << int(base * f) << "ms";
        m_retry.start(qMax(1, int(base * f)));
    }

    RedisClient *m_client;
    bool m_subscriber;
    redisAsyncContext *m_ac = nullptr;
    bool m_up = false;
    bool m_wanted = false;
    int m_attempt = 0;
    QTimer m_retry, m_connectTimer;
};

RedisClient::RedisClient(RedisEndpoint endpoint, QObject *parent)
    : RedisClient(std::move(endpoint), Options{}, parent)
{ }

RedisClient::RedisClient(RedisEndpoint endpoint, Options options, QObject *parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_options(std::move(options))
{
    m_cmd = std::make_unique<RedisLink>(this, false);
    m_sub = std::make_unique<RedisLink>(this, true);
    connect(&m_watchdog, &QTimer::timeout, this, &RedisClient::watchdog);
}

RedisClient::~RedisClient()
{
    m_open = false;
    m_destroying = true;
    // Free the contexts while this object is whole; failures of pending commands are posted
    // to their contexts' threads and dropped there if this client is gone (they hold QPointers).
    m_cmd->shutdown();
    m_sub->shutdown();
}

void RedisClient::open()
{
    m_open = true;
    m_cmd->start();
    m_sub->start();
    m_watchdog.start(m_options.watchdogIntervalMs);
    updateState();
}

void RedisClient::close()
{
    m_open = false;
    m_watchdog.stop();
    m_cmd->shutdown();
    m_sub->shutdown();
    updateState();
}

RedisClient::State RedisClient::state() const
{
    if (m_cmd->isUp() && m_sub->isUp())
        return State::Connected;
    return m_open ? State::Connecting : State::Disconnected;
}

void RedisClient::linkUp(RedisLink *link)
{
    ++m_counters.connects;
    if (link->subscriber()) {
        for (const QByteArray &ch : std::as_const(m_channels)) {
            redisAsyncCommand(link->context(), &RedisClient::onSubscriberReply, this,
                              "SUBSCRIBE %b", ch.constData(), size_t(ch.size()));
        }
    } else {
        m_pingSentAt = 0;
    }
    updateState();
}

void RedisClient::linkDown(RedisLink *link, const QString &why)
{
    ++m_counters.disconnects;
    m_lastError = why;
    qCInfo(lcServerRouter).noquote()
        << "redis" << (link->subscriber() ? "subscriber" : "command") << "link down:" << why;
    if (!link->subscriber())
        m_pingSentAt = 0;
    updateState();
}

void RedisClient::updateState()
{
    if (m_destroying)
        return;
    const State s = state();
    if (s == m_state)
        return;
    const State before = m_state;
    m_state = s;
    Q_EMIT stateChanged(s);
    if (s == State::Connected) {
        qCInfo(lcServerRouter).noquote()
            << "redis connected at" << m_endpoint.host << m_endpoint.port;
        Q_EMIT connected();
    } else if (before == State::Connected) {
        Q_EMIT disconnected(m_lastError);
    }
}

void RedisClient::deliverFailure(QPointer<QObject> context, bool hadContext, RedisCallback cb,
                                 const QString &why)
{
    ++m_counters.commandsFailed;
    if (!cb || (hadContext && !context))
        return;
    RedisResult r;
    r.error = why;
    // Queued: a failure can surface inside hiredis (while a context is freed), where the
    // caller must not issue new commands.
    QObject *target = hadContext ? context.data() : this;
    QMetaObject::invokeMethod(
        target,
        [context, hadContext, cb = std::move(cb), r] {
            if (hadContext && !context)
                return;
            cb(r);
        },
        Qt::QueuedConnection);
}

// hiredis reply callback for ordinary commands; privdata is a PendingCommand we own.
void RedisClient::onCommandReply(redisAsyncContext *, void *reply, void *privdata)
{
    std::unique_ptr<PendingCommand> p(static_cast<PendingCommand *>(privdata));
    RedisClient *client = p->client.data();
    if (p->watchdogPing) {
        if (client && reply)
            client->m_pingSentAt = 0;
        return;
    }
    if (!reply) {
        if (client)
            client->deliverFailure(p->context, p->hadContext, std::move(p->callback),
                                   client->m_lastError.isEmpty() ? u"connection to Redis lost"_s
                                                                 : client->m_lastError);
        return;
    }
    if (!p->callback || (p->hadContext && !p->context))
        return;
    RedisResult r;
    r.reply = convert(static_cast<redisReply *>(reply));
    r.ok = r.reply.type != RedisReply::Type::Error;
    if (!r.ok) {
        r.error = QString::fromUtf8(r.reply.str);
        if (client)
            ++client->m_counters.commandsFailed;
    }
    p->callback(r);
}

// hiredis callback of the subscriber link, for every SUBSCRIBE confirmation and message;
// privdata is the client (the link is freed before the client).
void RedisClient::onSubscriberReply(redisAsyncContext *, void *reply, void *privdata)
{
    if (!reply)
        return;
    auto *self = static_cast<RedisClient *>(privdata);
    const auto *r = static_cast<redisReply *>(reply);
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3)
        return;
    const redisReply *kind = r->element[0];
    if (kind->type != REDIS_REPLY_STRING
        || QByteArrayView(kind->str, qsizetype(kind->len)) != "message")
        return;
    const QByteArray channel(r->element[1]->str, int(r->element[1]->len));
    const QByteArray payload(r->element[2]->str, int(r->element[2]->len));
    ++self->m_counters.messagesReceived;
    Q_EMIT self->message(channel, payload);
}

bool RedisClient::sendArgv(redisAsyncContext *ac, const QList<QByteArray> &args, void *privdata)
{
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    argv.reserve(size_t(args.size()));
    lens.reserve(size_t(args.size()));
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    return redisAsyncCommandArgv(ac, &RedisClient::onCommandReply, privdata, int(args.size()),
                                 argv.data(), lens.data())
           == REDIS_OK;
}

void RedisClient::command(const QList<QByteArray> &args, QObject *context, RedisCallback callback)
{
    const bool hadContext = context != nullptr;
    redisAsyncContext *ac = m_cmd->context();
    if (!ac || args.isEmpty()) {
        deliverFailure(context, hadContext, std::move(callback),
                       args.isEmpty() ? u"empty Redis command"_s
                                      : u"Redis is unavailable: %1"_s.arg(m_lastError));
        return;
    }
    auto *p = new PendingCommand{this, context, hadContext, std::move(callback), false};
    if (!sendArgv(ac, args, p)) {
        RedisCallback cb = std::move(p->callback);
        delete p;
        deliverFailure(context, hadContext, std::move(cb),
                       u"Redis refused the command: %1"_s.arg(QString::fromUtf8(ac->errstr)));
        return;
    }
    ++m_counters.commandsSent;
}

void RedisClient::transaction(const QList<QList<QByteArray>> &commands, QObject *context,
                              RedisCallback callback)
{
    if (!m_cmd->context()) {
        deliverFailure(context, context != nullptr, std::move(callback),
                       u"Redis is unavailable: %1"_s.arg(m_lastError));
        return;
    }
    // One link, commands pipelined in order: MULTI ... EXEC is atomic on the server.
    command({"MULTI"_ba});
    for (const auto &c : commands)
        command(c);
    command({"EXEC"_ba}, context, std::move(callback));
}

void RedisClient::subscribe(const QByteArray &channel)
{
    if (m_channels.contains(channel))
        return;
    m_channels.insert(channel);
    if (redisAsyncContext *ac = m_sub->context())
        redisAsyncCommand(ac, &RedisClient::onSubscriberReply, this, "SUBSCRIBE %b",
                          channel.constData(), size_t(channel.size()));
}

void RedisClient::unsubscribe(const QByteArray &channel)
{
    if (!m_channels.remove(channel))
        return;
    if (redisAsyncContext *ac = m_sub->context())
        redisAsyncCommand(ac, &RedisClient::onSubscriberReply, this, "UNSUBSCRIBE %b",
                          channel.constData(), size_t(channel.size()));
}

void RedisClient::watchdog()
{
    redisAsyncContext *ac = m_cmd->context();
    if (!ac)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_pingSentAt != 0) {
        if (now - m_pingSentAt > m_options.watchdogTimeoutMs) {
            m_pingSentAt = 0;
            // A server that keeps the socket but does not answer is as good as gone; the
            // subscriber link shares its fate.
            m_lastError =
                u"Redis did not answer PING within %1 ms"_s.arg(m_options.watchdogTimeoutMs);
            m_cmd->drop(m_lastError);
            m_sub->drop(m_lastError);
        }
        return;
    }
    auto *p = new PendingCommand{this, nullptr, false, {}, true};
    if (sendArgv(ac, {"PING"_ba}, p))
        m_pingSentAt = now;
    else
        delete p;
}

} // namespace chat::server::cluster
