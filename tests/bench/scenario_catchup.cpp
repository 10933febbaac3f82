// catchup: a reader who was offline while `catchupMessages` messages arrived across
// `catchupConversations` conversations comes back: time from auth_ok to the first sync page
// (the first screen), and to having every message (all sync pages, then history before the
// oldest recent message of each conversation, 8 requests in flight, 200 a page).
#include "scenarios.h"

#include "benchutil.h"

#include <QSet>

#include <memory>

using namespace Qt::StringLiterals;

namespace chat::bench {

QJsonObject runCatchup(const Target &t, const Options &o)
{
    QJsonObject out{{"scenario"_L1, u"catchup"_s}, {"target"_L1, t.label}};
    out["params"_L1] = QJsonObject{{"messages"_L1, o.catchupMessages},
                                   {"conversations"_L1, o.catchupConversations},
                                   {"padding"_L1, o.padding}};
    out["machine_before"_L1] = machineContext();
    auto owner = std::make_unique<QObject>();
    Population pop(t, owner.get());
    QList<Account> accounts;
    QList<BenchClient *> clients;
    if (!pop.createAccounts(2, &accounts, &clients)) {
        out["error"_L1] = pop.error();
        return out;
    }
    BenchClient *writer = clients[0];
    BenchClient *readerSetup = clients[1];
    const QString readerId = readerSetup->userId;
    QList<Population::ConvRequest> reqs;
    for (int i = 0; i < o.catchupConversations; ++i)
        reqs.append({writer, true, u"catchup %1"_s.arg(i), {readerId}});
    QStringList convs;
    if (!pop.createConversations(reqs, &convs)) {
        out["error"_L1] = pop.error();
        return out;
    }
    readerSetup->close();
    waitFor([&] { return readerSetup->state() == BenchClient::State::Closed; }, 10000);

    // Write phase: round robin over the conversations, a window of 256 in flight.
    const QString padding(o.padding, u'x');
    qint64 sent = 0, acked = 0, errors = 0;
    const qint64 total = o.catchupMessages;
    writer->onAck = [&](qint64 sentNs) {
        ++acked;
        if (sentNs < 0)
            ++errors;
        if (sent < total) {
            writer->sendMessage(convs.at(int(sent % convs.size())), padding);
            ++sent;
        }
    };
    const qint64 w0 = nowNs();
    for (; sent < qMin<qint64>(256, total); ++sent)
        writer->sendMessage(convs.at(int(sent % convs.size())), padding);
    if (!waitFor([&] { return acked >= total; }, 900000)) {
        out["error"_L1] = u"write phase did not finish: %1 of %2 acked"_s.arg(acked).arg(total);
        return out;
    }
    out["write_s"_L1] = round3(double(nowNs() - w0) / 1e9);
    out["write_acked_per_s"_L1] = round3(double(total) / (double(nowNs() - w0) / 1e9));
    out["write_errors"_L1] = errors;
    writer->onAck = nullptr;

    // Read phase.
    auto *reader = new BenchClient(owner.get());
    reader->open(t.url());
    if (!waitFor([&] { return reader->state() != BenchClient::State::Connecting; }, 30000)
        || reader->state() != BenchClient::State::Open) {
        out["error"_L1] = QString(u"reader could not connect: "_s + reader->errorText());
        return out;
    }
    qint64 tAuthOk = 0, tFirstPage = 0, tSyncDone = 0, tDone = 0, received = 0;
    QString failure;
    QHash<QString, qint64> oldestSeen; // conversation → lowest seq held
    QList<QString> toFill;
    int inFlight = 0;
    const qint64 tAuthSent = nowNs();
    std::function<void(std::optional<QString>)> syncPage;
    std::function<void()> pump;
    auto historyPage = [&](const QString &conv) {
        proto::HistoryRequest h;
        h.conversationId = conv;
        h.beforeSeq = oldestSeen.value(conv);
        h.limit = 200;
        ++inFlight;
        reader->request(h, [&, conv](const proto::ServerFrame &f) {
            --inFlight;
            const auto *r = std::get_if<proto::HistoryResult>(&f);
            if (!r) {
                failure = u"history: "_s + describeAnswer(f);
                return;
            }
            received += r->messages.size();
            if (!r->messages.isEmpty())
                oldestSeen[conv] = r->messages.first().seq;
            if (r->hasMore && oldestSeen.value(conv) > 1)
                toFill.append(conv);
            pump();
        });
    };
    pump = [&] {
        while (inFlight < 8 && !toFill.isEmpty())
            historyPage(toFill.takeFirst());
        if (inFlight == 0 && toFill.isEmpty() && tSyncDone > 0 && tDone == 0)
            tDone = nowNs();
    };
    syncPage = [&](std::optional<QString> cursor) {
        proto::SyncRequest s;
        s.cursor = cursor;
        s.limit = 20;
        s.recent = 20;
        reader->request(s, [&](const proto::ServerFrame &f) {
            const auto *r = std::get_if<proto::SyncResult>(&f);
            if (!r) {
                failure = u"sync: "_s + describeAnswer(f);
                return;
            }
            if (tFirstPage == 0)
                tFirstPage = nowNs();
            for (const proto::ConvState &cs : r->conversations) {
                received += cs.recent.size();
                if (!cs.recent.isEmpty()) {
                    oldestSeen[cs.conversation.conversationId] = cs.recent.first().seq;
                    if (cs.recent.first().seq > 1)
                        toFill.append(cs.conversation.conversationId);
                }
            }
            if (r->cursor) {
                syncPage(r->cursor);
            } else {
                tSyncDone = nowNs();
            }
            pump();
        });
    };
    reader->request(proto::AuthRequest{{}, accounts[1].token}, [&](const proto::ServerFrame &f) {
        if (!std::holds_alternative<proto::AuthOk>(f)) {
            failure = u"reader auth: "_s + describeAnswer(f);
            return;
        }
        tAuthOk = nowNs();
        syncPage(std::nullopt);
    });
    const bool finished = waitFor([&] { return tDone > 0 || !failure.isEmpty(); }, 600000);
    if (!failure.isEmpty() || !finished) {
        out["error"_L1] = failure.isEmpty() ? u"catch-up did not finish"_s : failure;
        return out;
    }
    out["auth_ms"_L1] = round3(double(tAuthOk - tAuthSent) / 1e6);
    out["first_page_ms"_L1] = round3(double(tFirstPage - tAuthOk) / 1e6);
    out["sync_complete_ms"_L1] = round3(double(tSyncDone - tAuthOk) / 1e6);
    out["complete_ms"_L1] = round3(double(tDone - tAuthOk) / 1e6);
    out["messages_received"_L1] = received;
    out["messages_expected"_L1] = total - errors;
    out["conversations_seen"_L1] = int(oldestSeen.size());
    out["machine_after"_L1] = machineContext();
    return out;
}

} // namespace chat::bench
