// QA control frames (protocol §13). Only reached on a connection that authenticated with
// `admin` and the server's --admin-token (checked in Dispatcher::handle).
#include "dispatcher.h"

#include "crypto.h"
#include "net/logging.h"
#include "notifier.h"
#include "presence.h"
#include "router.h"
#include "servercore.h"
#include "session.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;
using chat::proto::ErrorCode;

namespace chat::server {

Dispatcher::Flow Dispatcher::onAdminSeed(Session &s, const proto::AdminSeedRequest &f)
{
    auto fx = parseFixture(f.fixture);
    if (!fx.ok()) {
        s.replyError(fx.error(), f.id);
        return Flow::Done;
    }
    QPointer<Session> guard(&s);
    const QString id = f.id;
    m_core.store->seed(fx.value(), ServerCore::wallMs(), &s, [guard, id](Result<SeedOutcome> r) {
        if (!r.ok()) {
            guard->replyError(r.error(), id);
        } else {
            QJsonObject convs;
            for (auto it = r.value().conversationIds.cbegin();
                 it != r.value().conversationIds.cend(); ++it)
                convs.insert(it.key(), it.value());
            guard->reply(proto::Ok{id,
                                   {{"users_added"_L1, r.value().usersAdded},
                                    {"conversations_added"_L1, r.value().conversationsAdded},
                                    {"messages_added"_L1, r.value().messagesAdded},
                                    {"conversations"_L1, convs}}});
        }
        guard->resume();
    });
    return Flow::Blocking;
}

// One writer job (the user is resolved inside it), pipelined like a send: QA tools that
// inject thousands of messages get them group-committed instead of one fsync each.
Dispatcher::Flow Dispatcher::onAdminInject(Session &s, const proto::AdminInjectRequest &f)
{
    QPointer<Session> guard(&s);
    const QString id = f.id;
    SendParams p;
    p.senderId = f.asUser;
    p.resolveSender = true;
    p.conversationId = f.conversationId;
    p.clientMsgId = u"inject-"_s + crypto::newId("i"_L1);
    p.kind = u"text"_s;
    p.content = f.content;
    p.ts = ServerCore::wallMs();
    m_core.store->send(p, this, [this, guard, id](Result<SendOutcome> r) {
        if (r.ok()) {
            ++m_core.counters.messagesAcked;
            routeMessage(r.value(), nullptr);
        }
        if (!guard)
            return;
        if (!r.ok())
            guard->replyError(r.error(), id);
        else
            guard->reply(proto::Ok{id, {{"message"_L1, r.value().message.toJson()}}});
        guard->writeDone();
    });
    return Flow::Pipelined;
}

Dispatcher::Flow Dispatcher::onAdminKick(Session &s, const proto::AdminKickRequest &f)
{
    QPointer<Session> guard(&s);
    const QString id = f.id;
    m_core.store->resolveUser(f.userId, &s, [this, guard, id](Result<proto::User> u) {
        if (!u.ok()) {
            guard->replyError(u.error(), id);
        } else {
            const QList<Session *> sessions = m_core.router->sessionsOf(u.value().userId);
            for (Session *victim : sessions)
                victim->abortNow();
            qCInfo(lcServerAdmin) << "kicked" << u.value().username << sessions.size()
                                  << "connections";
            guard->reply(proto::Ok{
                id, {{"user_id"_L1, u.value().userId}, {"kicked"_L1, int(sessions.size())}}});
        }
        guard->resume();
    });
    return Flow::Blocking;
}

Dispatcher::Flow Dispatcher::onAdminFault(Session &s, const proto::AdminFaultRequest &f)
{
    auto apply = [this](const QString &userId, const proto::AdminFaultRequest &req) {
        Fault fault{req.dropRate, req.delayMs, req.holdAcks, req.closeAfterFrames};
        const bool none = fault.dropRate == 0 && fault.delayMs == 0 && !fault.holdAcks
                          && fault.closeAfterFrames == 0;
        if (none)
            m_core.faults.clear(userId);
        else
            m_core.faults.set(userId, fault);
        qCInfo(lcServerAdmin) << "faults now" << m_core.faults.toJson();
        const QList<Session *> all = m_core.sessions.values();
        for (Session *x : all)
            x->faultsChanged();
    };
    if (f.userId.isEmpty()) {
        apply({}, f);
        s.reply(proto::Ok{f.id, {{"faults"_L1, m_core.faults.toJson()}}});
        return Flow::Done;
    }
    QPointer<Session> guard(&s);
    const QString id = f.id;
    const proto::AdminFaultRequest req = f;
    m_core.store->resolveUser(f.userId, &s, [this, guard, id, req, apply](Result<proto::User> u) {
        if (!u.ok()) {
            guard->replyError(u.error(), id);
        } else {
            apply(u.value().userId, req);
            guard->reply(proto::Ok{id, {{"faults"_L1, m_core.faults.toJson()}}});
        }
        guard->resume();
    });
    return Flow::Blocking;
}

Dispatcher::Flow Dispatcher::onAdminStats(Session &s, const proto::AdminStatsRequest &f)
{
    QPointer<Session> guard(&s);
    const QString id = f.id;
    m_core.store->stats(&s, [this, guard, id](Result<StoreStats> r) {
        if (!r.ok()) {
            guard->replyError(r.error(), id);
            guard->resume();
            return;
        }
        int users = 0, admins = 0, unauth = 0;
        for (Session *x : std::as_const(m_core.sessions))
            (x->isAuthenticated() ? users : x->isAdmin() ? admins : unauth)++;
        const Counters &c = m_core.counters;
        guard->reply(proto::Ok{id,
                               {{"connections"_L1, int(m_core.sessions.size())},
                                {"user_connections"_L1, users},
                                {"admin_connections"_L1, admins},
                                {"unauthenticated_connections"_L1, unauth},
                                {"users_online"_L1, m_core.presence->onlineCount()},
                                {"users"_L1, r.value().users},
                                {"conversations"_L1, r.value().conversations},
                                {"messages_stored"_L1, r.value().messages},
                                {"write_transactions"_L1, r.value().writeTransactions},
                                {"write_jobs"_L1, r.value().writeJobs},
                                {"messages_acked"_L1, qint64(c.messagesAcked)},
                                {"duplicates"_L1, qint64(c.duplicates)},
                                {"frames_in"_L1, qint64(c.framesIn)},
                                {"frames_out"_L1, qint64(c.framesOut)},
                                {"bad_frames"_L1, qint64(c.badFrames)},
                                {"pushes_dropped_by_fault"_L1, qint64(c.pushesDropped)},
                                {"push_posted"_L1, m_core.notifier->posted()},
                                {"push_failed"_L1, m_core.notifier->failed()},
                                {"uptime_ms"_L1, m_core.monoMs()},
                                {"node_id"_L1, m_core.config.nodeId}}});
        guard->resume();
    });
    return Flow::Blocking;
}

Dispatcher::Flow Dispatcher::onAdminPushes(Session &s, const proto::AdminPushesRequest &f)
{
    auto answer = [this](Session &target, const QString &id, const QString &userId, bool clear) {
        const QJsonArray pushes = m_core.notifier->recorded(userId);
        if (clear)
            m_core.notifier->clearRecorded();
        target.reply(proto::Ok{id, {{"pushes"_L1, pushes}}});
    };
    if (f.userId.isEmpty()) {
        answer(s, f.id, {}, f.clear);
        return Flow::Done;
    }
    QPointer<Session> guard(&s);
    const QString id = f.id;
    const bool clear = f.clear;
    m_core.store->resolveUser(f.userId, &s, [guard, id, clear, answer](Result<proto::User> u) {
        if (!u.ok())
            guard->replyError(u.error(), id);
        else
            answer(*guard, id, u.value().userId, clear);
        guard->resume();
    });
    return Flow::Blocking;
}

} // namespace chat::server
