#include "notifier.h"

#include "net/logging.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace chat::server {

namespace {
constexpr int kMaxAttempts = 6;      // 1 + 5 retries
constexpr int kFirstBackoffMs = 200; // then 400, 800, 1600, 3200
constexpr int kMaxRecorded = 10000;
} // namespace

QJsonObject PushNotification::toJson() const
{
    return {{"user_id"_L1, userId},       {"conversation_id"_L1, conversationId},
            {"message_id"_L1, messageId}, {"seq"_L1, seq},
            {"sender_id"_L1, senderId},   {"sender_name"_L1, senderName},
            {"preview"_L1, preview},      {"unread"_L1, unread}};
}

Notifier::Notifier(QUrl pushUrl, int coalesceMs, QObject *parent)
    : QObject(parent), m_url(std::move(pushUrl)), m_coalesceMs(coalesceMs)
{
    if (m_url.isValid() && !m_url.isEmpty())
        m_nam = new QNetworkAccessManager(this);
}

void Notifier::notify(const PushNotification &n)
{
    const QString key = n.userId + u'\x1f' + n.conversationId;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_windows.size() > 10000) { // forget windows that ended with nothing pending
        for (auto it = m_windows.begin(); it != m_windows.end();)
            it = (!it->timerArmed && it->endsAt <= now) ? m_windows.erase(it) : std::next(it);
    }
    Window &w = m_windows[key];
    if (now >= w.endsAt && !w.timerArmed) {
        w.endsAt = now + m_coalesceMs;
        deliver(n);
        return;
    }
    w.pending = n; // the latest wins
    if (!w.timerArmed) {
        w.timerArmed = true;
        QTimer::singleShot(int(std::max<qint64>(0, w.endsAt - now)), this,
                           [this, key] { flush(key); });
    }
}

void Notifier::flush(const QString &key)
{
    auto it = m_windows.find(key);
    if (it == m_windows.end())
        return;
    it->timerArmed = false;
    if (it->pending) {
        const PushNotification n = *it->pending;
        it->pending.reset();
        it->endsAt = QDateTime::currentMSecsSinceEpoch() + m_coalesceMs;
        deliver(n);
    } else {
        m_windows.erase(it);
    }
}

void Notifier::deliver(const PushNotification &n)
{
    if (!m_nam) {
        QJsonObject rec = n.toJson();
        rec.insert("ts"_L1, QDateTime::currentMSecsSinceEpoch());
        m_recorded.append(rec);
        while (m_recorded.size() > kMaxRecorded)
            m_recorded.removeFirst();
        return;
    }
    post(QJsonDocument(n.toJson()).toJson(QJsonDocument::Compact), 1);
}

void Notifier::post(const QByteArray &body, int attempt)
{
    QNetworkRequest req(m_url);
    req.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    req.setTransferTimeout(10000);
    QNetworkReply *reply = m_nam->post(req, body);
    connect(reply, &QNetworkReply::finished, this, [this, reply, body, attempt] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const bool ok = reply->error() == QNetworkReply::NoError && status >= 200 && status < 300;
        if (ok) {
            ++m_posted;
            return;
        }
        const bool retryable = status == 0 || status == 429 || status >= 500;
        if (retryable && attempt < kMaxAttempts) {
            const int delay = kFirstBackoffMs << (attempt - 1);
            qCInfo(lcServerPush) << "push POST failed (" << status << reply->errorString()
                                 << "), retry" << attempt << "in" << delay << "ms";
            QTimer::singleShot(delay, this, [this, body, attempt] { post(body, attempt + 1); });
            return;
        }
        ++m_failed;
        qCWarning(lcServerPush) << "push POST given up after" << attempt << "attempts:" << status
                                << reply->errorString();
    });
}

QJsonArray Notifier::recorded(const QString &userIdFilter) const
{
    if (userIdFilter.isEmpty())
        return m_recorded;
    QJsonArray out;
    for (const QJsonValue &v : m_recorded)
        if (v.toObject().value("user_id"_L1).toString() == userIdFilter)
            out.append(v);
    return out;
}

void Notifier::clearRecorded()
{
    m_recorded = {};
}

} // namespace chat::server
