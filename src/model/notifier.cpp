#include "notifier.h"

#include "notificationbackend.h"
#include "profilesettings.h"

#include <QHash>

using namespace Qt::StringLiterals;

namespace chat::model {

namespace {
QString preview(const QString &text)
{
    QString t = text.simplified();
    if (t.size() > Notifier::kPreviewChars)
        t = t.left(Notifier::kPreviewChars - 1) + u'…';
    return t;
}
} // namespace

Notifier::Notifier(ProfileSettings *settings, QObject *parent)
    : QObject(parent), m_settings(settings)
{
    m_fold.setSingleShot(true);
    m_fold.setInterval(kFoldMs);
    connect(&m_fold, &QTimer::timeout, this, &Notifier::flush);
}

void Notifier::setBackend(NotificationBackend *backend)
{
    if (m_backend)
        disconnect(m_backend, nullptr, this, nullptr);
    m_backend = backend;
    if (!backend)
        return;
    connect(backend, &NotificationBackend::activated, this, [this](const QString &tag) {
        const QString id = tag.isEmpty() ? m_lastConversation : tag;
        if (!id.isEmpty())
            Q_EMIT openConversation(id);
    });
}

void Notifier::setActiveConversation(const QString &conversationId)
{
    m_activeConversation = conversationId;
}

void Notifier::setWindowActive(bool active)
{
    m_windowActive = active;
}

void Notifier::offer(const IncomingMessage &m)
{
    if (m.conversationId.isEmpty() || m.seq <= m_settings->notifiedSeq(m.conversationId))
        return; // shown before (maybe in an earlier run)
    const bool looking = m_windowActive && m.conversationId == m_activeConversation;
    if (m.own || looking || !m_settings->notificationsEnabled()) {
        // Seen (or not wanted): it must not pop up later either, e.g. after a restart.
        m_settings->setNotifiedSeq(m.conversationId, m.seq);
        return;
    }
    for (const IncomingMessage &p : std::as_const(m_pending)) {
        if (p.conversationId == m.conversationId && p.seq == m.seq)
            return; // the same message offered twice (push + sync)
    }
    m_pending.append(m);
    if (!m_fold.isActive())
        m_fold.start();
}

void Notifier::markSeen(const QString &conversationId, qint64 seq)
{
    m_settings->setNotifiedSeq(conversationId, seq);
}

void Notifier::flush()
{
    m_fold.stop();
    if (m_pending.isEmpty())
        return;
    const QList<IncomingMessage> batch = std::exchange(m_pending, {});

    // Group by conversation, keeping the order of first appearance.
    QStringList order;
    QHash<QString, QList<IncomingMessage>> byConv;
    for (const IncomingMessage &m : batch) {
        if (!byConv.contains(m.conversationId))
            order.append(m.conversationId);
        byConv[m.conversationId].append(m);
    }
    for (const QString &id : std::as_const(order)) {
        qint64 top = 0;
        for (const IncomingMessage &m : std::as_const(byConv[id]))
            top = std::max(top, m.seq);
        m_settings->setNotifiedSeq(id, top);
    }
    // On disk before anything is shown: a crash right after must not show these again.
    m_settings->flush();
    m_lastConversation = batch.constLast().conversationId;

    auto emitOne = [this](const QString &tag, const QString &summary, const QString &body) {
        if (m_backend)
            m_backend->show(tag, summary, body);
        Q_EMIT notified(summary, body);
    };

    if (order.size() == 1) {
        const QList<IncomingMessage> &msgs = byConv[order.first()];
        const IncomingMessage &last = msgs.constLast();
        if (msgs.size() == 1) {
            const QString summary =
                last.group ? tr("%1 in %2").arg(last.senderName, last.conversationTitle)
                           : last.senderName;
            emitOne(last.conversationId, summary, preview(last.content));
        } else {
            emitOne(last.conversationId, last.conversationTitle,
                    tr("%n new message(s)", nullptr, int(msgs.size())) + u"\n"_s + last.senderName
                        + u": "_s + preview(last.content));
        }
        return;
    }
    QStringList titles;
    for (const QString &id : std::as_const(order))
        titles.append(byConv[id].constFirst().conversationTitle);
    emitOne(QString(),
            tr("%n new message(s)", nullptr, int(batch.size())) + u' '
                + tr("in %n conversation(s)", nullptr, int(order.size())),
            titles.join(u", "_s));
}

} // namespace chat::model
