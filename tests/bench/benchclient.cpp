#include "benchclient.h"

#include "benchutil.h"

#include <QRandomGenerator>

using namespace Qt::StringLiterals;

namespace chat::bench {

namespace {
// The value of a top-level string field `"key":"value"` by substring scan (bench frames never
// contain these patterns inside content).
QStringView stringField(QStringView text, QStringView pattern)
{
    const qsizetype at = text.indexOf(pattern);
    if (at < 0)
        return {};
    const qsizetype start = at + pattern.size();
    const qsizetype end = text.indexOf(u'"', start);
    return end < 0 ? QStringView() : text.mid(start, end - start);
}

qint64 parseSentNs(QStringView text)
{
    // Qt writes "content":"t…", so does JSON.stringify; the number ends at a space or quote.
    QStringView c = stringField(text, u"\"content\":\"t");
    if (c.isEmpty())
        return -1;
    const qsizetype sp = c.indexOf(u' ');
    bool ok = false;
    const qint64 v = (sp < 0 ? c : c.left(sp)).toLongLong(&ok);
    return ok ? v : -1;
}
} // namespace

QString describeAnswer(const proto::ServerFrame &f)
{
    if (const auto *e = std::get_if<proto::Error>(&f))
        return proto::errorCodeName(e->code) + u": "_s + e->message;
    return u"unexpected answer of type "_s + proto::frameType(f);
}

BenchClient::BenchClient(QObject *parent) : QObject(parent)
{
    m_cmidPrefix = QString::number(QRandomGenerator::global()->generate64(), 36) + u'-';
    connect(&m_ws, &QWebSocket::connected, this, [this] { m_state = State::Open; });
    connect(&m_ws, &QWebSocket::disconnected, this, [this] {
        if (m_error.isEmpty())
            m_error = u"closed: %1 %2"_s.arg(int(m_ws.closeCode())).arg(m_ws.closeReason());
        m_state = State::Closed;
        authed = false;
    });
    connect(&m_ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError) {
                m_error = m_ws.errorString();
                if (m_state == State::Connecting)
                    m_state = State::Closed;
            });
    connect(&m_ws, &QWebSocket::textMessageReceived, this, &BenchClient::onText);
    // Long setups (registering 1000 users with a memory-hard hash takes minutes) must not
    // let early connections fall silent past the server's heartbeat deadline.
    m_keepAlive.setInterval(5000);
    m_keepAlive.setTimerType(Qt::VeryCoarseTimer);
    connect(&m_keepAlive, &QTimer::timeout, this, [this] {
        if (authed && m_state == State::Open && nowNs() - m_lastSendNs > 15000000000LL)
            ping();
    });
    m_keepAlive.start();
}

void BenchClient::touch()
{
    m_lastSendNs = nowNs();
}

BenchClient::~BenchClient()
{
    m_ws.disconnect(this);
    m_ws.abort();
}

void BenchClient::open(const QUrl &url)
{
    m_state = State::Connecting;
    m_error.clear();
    m_ws.open(url);
}

void BenchClient::close()
{
    m_ws.close();
}

QString BenchClient::nextRequestId()
{
    return u"q"_s + QString::number(++m_nextId);
}

void BenchClient::sendRaw(const QString &text)
{
    touch();
    m_ws.sendTextMessage(text);
}

qint64 BenchClient::sendMessage(const QString &conversationId, const QString &padding)
{
    const qint64 n = ++m_nextSend;
    const qint64 t = nowNs();
    m_lastSendNs = t;
    m_sendTimes.insert(n, t);
    const QString sn = QString::number(n);
    m_ws.sendTextMessage(u"{\"type\":\"send\",\"id\":\"s"_s + sn + u"\",\"conversation_id\":\""_s
                         + conversationId + u"\",\"client_msg_id\":\""_s + m_cmidPrefix + sn
                         + u"\",\"content\":\"t"_s + QString::number(t) + u' ' + padding
                         + u"\"}"_s);
    return t;
}

void BenchClient::ping()
{
    touch();
    // ts in microseconds: a JSON number a JavaScript peer holds exactly.
    m_ws.sendTextMessage(u"{\"type\":\"ping\",\"ts\":"_s + QString::number(nowNs() / 1000) + u'}');
}

void BenchClient::onText(const QString &text)
{
    ++framesIn;
    const QStringView type = stringField(text, u"\"type\":\"");
    if (type == u"message") {
        if (onMessage)
            onMessage(parseSentNs(text));
        return;
    }
    const QStringView id = stringField(text, u"\"id\":\"");
    if (type == u"ack" && id.startsWith(u's')) {
        const qint64 t = m_sendTimes.take(id.mid(1).toLongLong());
        if (onAck)
            onAck(t);
        return;
    }
    if (type == u"pong") {
        const qsizetype at = text.indexOf(u"\"ts\":");
        qint64 ts = -1;
        if (at >= 0) {
            QStringView rest = QStringView(text).mid(at + 5);
            qsizetype end = 0;
            while (end < rest.size() && rest[end].isDigit())
                ++end;
            ts = rest.left(end).toLongLong() * 1000;
        }
        if (onPong)
            onPong(ts);
        return;
    }
    if (type == u"error" && id.startsWith(u's')) {
        m_sendTimes.remove(id.mid(1).toLongLong());
        ++sendErrors;
        lastSendError = text;
        if (onAck)
            onAck(-1);
        return;
    }
    if (!id.isEmpty()) {
        auto it = m_waiting.find(id.toString());
        if (it != m_waiting.end()) {
            Answer a = std::move(it.value());
            m_waiting.erase(it);
            // Answers (a sync page of 20 × 20 recent, a history page of 200) are legitimately
            // larger than the 64 KiB limit on client frames.
            static const proto::Limits answerLimits = [] {
                proto::Limits l;
                l.maxFrameBytes = 64 * 1024 * 1024;
                return l;
            }();
            auto decoded = proto::decodeServerFrame(text.toUtf8(), answerLimits);
            if (decoded.ok()) {
                a(decoded.value());
            } else {
                proto::Error e = proto::Error::from(decoded.error());
                e.message = u"undecodable answer ("_s + e.message + u"): "_s + text.left(300);
                a(proto::ServerFrame(e));
            }
        }
    }
    // Other pushes (conversation, presence, receipt, typing) are ignored.
}

} // namespace chat::bench
