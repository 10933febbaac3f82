#include "clusterclient.h"

#include <QTest>
#include <QTimer>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace chat::testing {

namespace {
constexpr int kMaxInFlight = 16;
}

ClusterClient::ClusterClient(QUrl url, QString username, QObject *parent) : QObject(parent)
{
    m_options.url = std::move(url);
    m_options.credentials.username = username;
    m_options.credentials.password = u"pw-"_s + username + u"-cluster"_s;
    m_options.credentials.displayName = username;
    m_options.credentials.registerAccount = true;
    m_options.policy = net::RetryPolicy::fastForTests();
    m_options.policy.requestTimeoutMs = 10000;
    connect(&m_conn, &net::Connection::authenticated, this, &ClusterClient::onAuthenticated);
    connect(&m_conn, &net::Connection::pushReceived, this, &ClusterClient::onPush);
    connect(&m_conn, &net::Connection::tokenChanged, this, [this](const QString &t) {
        // Reconnects (maybe to another node) resume the session with the token.
        m_options.credentials.token = t;
        m_options.credentials.registerAccount = false;
    });
    m_retry = new QTimer(this);
    m_retry->setInterval(200);
    connect(m_retry, &QTimer::timeout, this, &ClusterClient::pump);
    m_retry->start();
}

void ClusterClient::start()
{
    m_conn.open(m_options);
}

void ClusterClient::stop()
{
    m_conn.close();
}

bool ClusterClient::isOnline() const
{
    return m_conn.isOnline();
}

QString ClusterClient::userId() const
{
    return m_conn.user().userId;
}

template<typename T>
std::optional<T> ClusterClient::call(proto::ClientFrame frame, QString *error)
{
    std::optional<net::Reply> reply;
    QObject ctx;
    m_conn.request(std::move(frame), &ctx, [&](const net::Reply &r) { reply = r; });
    if (!QTest::qWaitFor([&] { return reply.has_value(); }, 20000) || !reply->ok()) {
        if (error)
            *error = reply ? reply->errorString() : u"no answer"_s;
        return std::nullopt;
    }
    if (const T *t = std::get_if<T>(&*reply->frame))
        return *t;
    return std::nullopt;
}

std::optional<proto::Conversation> ClusterClient::createGroup(const QString &title,
                                                              const QStringList &members)
{
    proto::CreateConversationRequest r;
    r.kind = proto::ConversationKind::Group;
    r.title = title;
    r.members = members;
    auto c = call<proto::ConversationUpdate>(r);
    if (!c)
        return std::nullopt;
    follow(c->conversation.conversationId);
    return c->conversation;
}

bool ClusterClient::typing(const QString &conversationId, bool active)
{
    return m_conn.post(proto::TypingRequest{conversationId, active});
}

bool ClusterClient::markRead(const QString &conversationId, qint64 seq)
{
    proto::ReadRequest r;
    r.conversationId = conversationId;
    r.seq = seq;
    return call<proto::Ok>(r).has_value();
}

QString ClusterClient::send(const QString &conversationId, const QString &content)
{
    const QString cmid = m_options.credentials.username + u'-' + QString::number(++m_sendCounter)
                         + u'-' + QUuid::createUuid().toString(QUuid::Id128).left(8);
    m_outbox.append({conversationId, cmid, content, false});
    pump();
    return cmid;
}

// Sends what is not in flight, oldest first, up to kMaxInFlight. A failed send (link lost,
// timeout, unavailable, rate limited) goes back to the outbox with the same client_msg_id.
void ClusterClient::pump()
{
    if (!m_conn.isOnline())
        return;
    int inFlight = 0;
    for (const Pending &p : std::as_const(m_outbox))
        inFlight += p.inFlight ? 1 : 0;
    for (Pending &p : m_outbox) {
        if (inFlight >= kMaxInFlight)
            break;
        if (p.inFlight)
            continue;
        p.inFlight = true;
        ++inFlight;
        proto::SendRequest r;
        r.conversationId = p.conversationId;
        r.clientMsgId = p.clientMsgId;
        r.content = p.content;
        const QString cmid = p.clientMsgId;
        m_conn.request(r, this, [this, cmid](const net::Reply &reply) {
            auto it = std::find_if(m_outbox.begin(), m_outbox.end(),
                                   [&](const Pending &x) { return x.clientMsgId == cmid; });
            if (it == m_outbox.end())
                return;
            const proto::Ack *ack = reply.ok() ? std::get_if<proto::Ack>(&*reply.frame) : nullptr;
            if (!ack) {
                it->inFlight = false; // retried by the timer or after the reconnect
                return;
            }
            if (ack->duplicate)
                ++m_duplicateAcks;
            m_acked.insert(cmid, ack->seq);
            // The sender gets an ack, not a push: the ack makes it a message here.
            proto::Message m;
            m.messageId = ack->messageId;
            m.conversationId = it->conversationId;
            m.seq = ack->seq;
            m.senderId = userId();
            m.clientMsgId = cmid;
            m.content = it->content;
            m.ts = ack->ts;
            store(m, Source::Ack);
            m_outbox.erase(it);
        });
    }
}

void ClusterClient::follow(const QString &conversationId)
{
    m_followed.insert(conversationId);
}

const QMap<qint64, proto::Message> &ClusterClient::messages(const QString &conversationId) const
{
    static const QMap<qint64, proto::Message> none;
    auto it = m_messages.constFind(conversationId);
    return it == m_messages.cend() ? none : *it;
}

void ClusterClient::store(const proto::Message &m, Source source)
{
    auto &conv = m_messages[m.conversationId];
    auto it = conv.constFind(m.seq);
    if (it != conv.cend()) {
        if (it->messageId != m.messageId)
            ++m_conflicts;
        return;
    }
    conv.insert(m.seq, m);
    if (source == Source::Push)
        ++m_viaPush;
    else if (source == Source::CatchUp && m.senderId != userId())
        ++m_viaCatchUp;
}

bool ClusterClient::catchUp(const QString &conversationId)
{
    for (int page = 0; page < 1000; ++page) {
        const auto &have = m_messages.value(conversationId);
        qint64 contiguous = 0;
        for (auto it = have.cbegin(); it != have.cend() && it.key() == contiguous + 1; ++it)
            contiguous = it.key();
        proto::HistoryRequest r;
        r.conversationId = conversationId;
        r.afterSeq = contiguous;
        r.limit = 200;
        auto h = call<proto::HistoryResult>(r);
        if (!h)
            return false;
        for (const proto::Message &m : h->messages)
            store(m, Source::CatchUp);
        if (!h->hasMore)
            return true;
    }
    return false;
}

void ClusterClient::onAuthenticated()
{
    ++m_auths;
    for (Pending &p : m_outbox)
        p.inFlight = false; // every request of the old link ended Disconnected
    pump();
    // Catch up later in the event loop (not inside the connection's signal).
    QTimer::singleShot(0, this, [this] {
        const QSet<QString> followed = m_followed;
        for (const QString &c : followed)
            if (m_conn.isOnline())
                catchUp(c);
    });
}

void ClusterClient::onPush(const proto::ServerFrame &f)
{
    ++m_pushes;
    if (const auto *m = std::get_if<proto::MessagePush>(&f))
        store(m->message, Source::Push);
    else if (const auto *r = std::get_if<proto::Receipt>(&f))
        receipts.append(*r);
    else if (const auto *t = std::get_if<proto::TypingPush>(&f))
        typingPushes.append(*t);
    else if (const auto *p = std::get_if<proto::PresencePush>(&f))
        presencePushes.append(*p);
    else if (const auto *c = std::get_if<proto::ConversationUpdate>(&f))
        follow(c->conversation.conversationId);
}

} // namespace chat::testing
