// Large engine change batches applied to the list models (issue 7: one batch is applied with
// ranges of signals, not a search and a signal per row). Each model runs under
// QAbstractItemModelTester, and a mirror that follows only the model's signals (as a view
// does) must end up equal to the model: that checks the ranges and that every row whose
// neighbour-dependent roles (day separator, sender runs) changed was reported. The resulting
// rows are compared with an order computed here independently, row by row.
#include "model/conversationlistmodel.h"
#include "model/messagelistmodel.h"

#include <QAbstractItemModelTester>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <map>

using namespace Qt::StringLiterals;
using chat::model::ConversationListModel;
using chat::model::MessageListModel;
using chat::sync::ChangeBatch;
using chat::sync::ConversationChange;
using chat::sync::ConversationInfo;
using chat::sync::DeliveryState;
using chat::sync::LocalMessage;
using chat::sync::MessageChange;

namespace {

const QString kConv = u"c_1"_s;
constexpr qint64 kT0 = 1700000000000; // Nov 2023
constexpr qint64 kMinute = 60000;

// What a view holds: the roles of every row, kept up to date from the signals alone.
class Mirror : public QObject
{
public:
    Mirror(QAbstractItemModel *model, QList<int> roles) : m_model(model), m_roles(roles)
    {
        m_rows = fetch(0, model->rowCount() - 1);
        connect(model, &QAbstractItemModel::rowsInserted, this,
                [this](const QModelIndex &, int a, int b) {
                    const auto rows = fetch(a, b);
                    for (int i = 0; i < rows.size(); ++i)
                        m_rows.insert(a + i, rows.at(i));
                    ++inserts;
                });
        connect(model, &QAbstractItemModel::rowsRemoved, this,
                [this](const QModelIndex &, int a, int b) {
                    m_rows.remove(a, b - a + 1);
                    ++removes;
                });
        connect(model, &QAbstractItemModel::rowsMoved, this,
                [this](const QModelIndex &, int a, int b, const QModelIndex &, int dest) {
                    QCOMPARE(a, b);
                    m_rows.move(a, dest > a ? dest - 1 : dest);
                    ++moves;
                });
        connect(model, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex &a, const QModelIndex &b) {
                    const auto rows = fetch(a.row(), b.row());
                    for (int i = 0; i < rows.size(); ++i)
                        m_rows[a.row() + i] = rows.at(i);
                    ++changes;
                });
        connect(model, &QAbstractItemModel::modelReset, this,
                [this] { m_rows = fetch(0, m_model->rowCount() - 1); });
    }
    // The mirror equals what the model says now.
    bool inSync() const { return m_rows == fetch(0, m_model->rowCount() - 1); }
    void resetCounts() { inserts = removes = moves = changes = 0; }
    int inserts = 0, removes = 0, moves = 0, changes = 0;

private:
    QList<QList<QVariant>> fetch(int a, int b) const
    {
        QList<QList<QVariant>> out;
        for (int r = a; r <= b; ++r) {
            QList<QVariant> row;
            for (int role : m_roles)
                row.append(m_model->index(r, 0).data(role));
            out.append(row);
        }
        return out;
    }
    QAbstractItemModel *m_model;
    QList<int> m_roles;
    QList<QList<QVariant>> m_rows;
};

LocalMessage stored(qint64 seq, const QString &sender = u"u_bob"_s)
{
    LocalMessage m;
    m.conversationId = kConv;
    m.seq = seq;
    m.messageId = u"m_%1"_s.arg(seq);
    m.localId = m.messageId;
    m.senderId = sender;
    m.content = u"message %1"_s.arg(seq);
    // Runs of senders and a new day every 300 messages: separators and runs vary.
    m.ts = kT0 + seq * kMinute + (seq / 300) * 24 * 60 * kMinute;
    return m;
}

LocalMessage pending(int position)
{
    LocalMessage m;
    m.conversationId = kConv;
    m.clientMsgId = u"cm_%1"_s.arg(position);
    m.localId = m.clientMsgId;
    m.senderId = u"u_me"_s;
    m.outgoing = true;
    m.state = DeliveryState::Pending;
    m.outboxPosition = position;
    m.content = u"pending %1"_s.arg(position);
    m.ts = kT0 + 10'000'000 * kMinute + position;
    return m;
}

LocalMessage acked(const LocalMessage &p, qint64 seq)
{
    LocalMessage m = p;
    m.seq = seq;
    m.messageId = u"m_%1"_s.arg(seq);
    m.outboxPosition = 0;
    m.state = DeliveryState::Sent;
    m.ts = kT0 + seq * kMinute + (seq / 300) * 24 * 60 * kMinute;
    return m;
}

// The order the model promises, computed here: pending first (newest outbox position at
// row 0), then stored ones by descending seq.
QStringList expectedOrder(QList<LocalMessage> all)
{
    std::sort(all.begin(), all.end(), [](const LocalMessage &a, const LocalMessage &b) {
        if (a.isPending() != b.isPending())
            return a.isPending();
        if (a.isPending())
            return a.outboxPosition > b.outboxPosition;
        return a.seq > b.seq;
    });
    QStringList ids;
    for (const auto &m : all)
        ids.append(m.localId);
    return ids;
}

QStringList rowsOf(const QAbstractItemModel &model, int role)
{
    QStringList ids;
    for (int r = 0; r < model.rowCount(); ++r)
        ids.append(model.index(r, 0).data(role).toString());
    return ids;
}

// The neighbour-dependent roles, recomputed here from the rows in order.
void checkNeighbourRoles(const MessageListModel &model)
{
    const int n = model.rowCount();
    for (int r = 0; r + 1 < n; ++r) {
        const QModelIndex i = model.index(r, 0), older = model.index(r + 1, 0);
        const qint64 ts = i.data(MessageListModel::TimestampRole).toLongLong();
        const qint64 olderTs = older.data(MessageListModel::TimestampRole).toLongLong();
        // Stored neighbours more than one seq apart have messages not loaded between them:
        // a gap marker, and a new day and run on its newer side (what is missing is unknown).
        const qint64 seq = i.data(MessageListModel::SeqRole).toLongLong();
        const qint64 olderSeq = older.data(MessageListModel::SeqRole).toLongLong();
        const qint64 missing = seq > 0 && olderSeq > 0 ? qMax<qint64>(0, seq - olderSeq - 1) : 0;
        QCOMPARE(i.data(MessageListModel::MissingOlderRole).toLongLong(), missing);
        const bool newDay = QDateTime::fromMSecsSinceEpoch(ts).date()
                                != QDateTime::fromMSecsSinceEpoch(olderTs).date()
                            || missing > 0;
        QCOMPARE(i.data(MessageListModel::ShowDayRole).toBool(), newDay);
        const bool starts =
            newDay
            || i.data(MessageListModel::SenderIdRole) != older.data(MessageListModel::SenderIdRole)
            || ts - olderTs > MessageListModel::kRunGapMs;
        QCOMPARE(i.data(MessageListModel::FirstInRunRole).toBool(), starts);
        QCOMPARE(older.data(MessageListModel::LastInRunRole).toBool(), starts);
    }
}

const QList<int> kMessageRoles = {
    MessageListModel::LocalIdRole,   MessageListModel::SeqRole,
    MessageListModel::ContentRole,   MessageListModel::DeliveryStateRole,
    MessageListModel::ShowDayRole,   MessageListModel::FirstInRunRole,
    MessageListModel::LastInRunRole, MessageListModel::IsFirstUnreadRole,
    MessageListModel::TimestampRole,
};

const QList<int> kConversationRoles = {
    ConversationListModel::ConversationIdRole,
    ConversationListModel::TitleRole,
    ConversationListModel::LastActivityRole,
    ConversationListModel::UnreadCountRole,
};

ConversationInfo conversation(const QString &id, qint64 activity, int unread = 0)
{
    ConversationInfo c;
    c.conversationId = id;
    c.group = true;
    c.title = u"Title of %1"_s.arg(id);
    c.displayTitle = c.title;
    c.lastActivityTs = activity;
    c.createdTs = activity;
    c.unreadCount = unread;
    return c;
}

} // namespace

class TestModelBatches : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void twoThousandMessagesInMixedOrder()
    {
        MessageListModel model(nullptr, kConv);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        // The open conversation shows seqs 1000..1099 with every 10th missing (gaps).
        ChangeBatch seed;
        QList<LocalMessage> all;
        for (qint64 s = 1000; s < 1100; ++s) {
            if (s % 10 == 5)
                continue;
            seed.add(MessageChange::Kind::Inserted, stored(s, s % 7 < 3 ? u"u_bob"_s : u"u_ann"_s),
                     MessageChange::Origin::Sync);
            all.append(seed.messages[kConv].constLast().message);
        }
        model.applyBatch(seed);
        QCOMPARE(model.count(), all.size());
        Mirror mirror(&model, kMessageRoles);
        QSignalSpy counted(&model, &MessageListModel::countChanged);

        // One batch: 2,000 newer messages and the gap fills in shuffled order, older ones than
        // the floor (not shown: scroll-back reads them), and repeats of loaded ones (updates).
        QList<LocalMessage> incoming;
        for (qint64 s = 1100; s < 3100; ++s)
            incoming.append(stored(s, s % 5 < 2 ? u"u_bob"_s : u"u_ann"_s));
        for (qint64 s = 1005; s < 1100; s += 10)
            incoming.append(stored(s, u"u_cat"_s));
        for (qint64 s = 900; s < 910; ++s)
            incoming.append(stored(s));
        LocalMessage edited = stored(1050);
        edited.content = u"edited"_s;
        incoming.append(edited);
        QRandomGenerator gen(7);
        std::shuffle(incoming.begin(), incoming.end(), gen);
        ChangeBatch batch;
        for (const auto &m : std::as_const(incoming))
            batch.add(MessageChange::Kind::Inserted, m, MessageChange::Origin::Sync);
        model.applyBatch(batch);

        for (const auto &m : std::as_const(incoming)) {
            if (m.seq >= 1000 && m.seq != 1050)
                all.append(m);
        }
        all.erase(std::remove_if(all.begin(), all.end(),
                                 [](const LocalMessage &m) { return m.seq == 1050; }),
                  all.end());
        all.append(edited);
        QCOMPARE(rowsOf(model, MessageListModel::LocalIdRole), expectedOrder(all));
        QCOMPARE(model.count(), 2100);
        QCOMPARE(model.index(model.rowForSeq(1050), 0).data(MessageListModel::ContentRole),
                 u"edited"_s);
        QCOMPARE(model.rowForSeq(905), -1); // below the floor: not shown
        QCOMPARE(model.rowForSeq(3099), 0);
        QCOMPARE(model.rowForLocalId(u"m_1000"_s), 2099);
        // The 2,000 newer ones are one range at the top; each gap fill is a range of its own.
        QCOMPARE(mirror.inserts, 1 + 10);
        QCOMPARE(mirror.removes, 0);
        QCOMPARE(mirror.moves, 0);
        QCOMPARE(counted.size(), 1);
        QVERIFY(mirror.inSync());
        checkNeighbourRoles(model);
    }

    void insertsAndAcksInOneBatch()
    {
        MessageListModel model(nullptr, kConv);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        ChangeBatch seed;
        for (qint64 s = 1; s <= 50; ++s)
            seed.add(MessageChange::Kind::Inserted, stored(s));
        // Bob's 58 is already there: the acks below land under it (rows move).
        seed.add(MessageChange::Kind::Inserted, stored(58));
        for (int p = 1; p <= 5; ++p)
            seed.add(MessageChange::Kind::Inserted, pending(p));
        model.applyBatch(seed);
        QCOMPARE(rowsOf(model, MessageListModel::LocalIdRole).mid(0, 6),
                 (QStringList{u"cm_5"_s, u"cm_4"_s, u"cm_3"_s, u"cm_2"_s, u"cm_1"_s, u"m_58"_s}));
        Mirror mirror(&model, kMessageRoles);

        // Bob's 51 and 52 arrive, cm_1 and cm_2 are acked as 53 and 54, cm_3 as 57 after
        // bob's 55 and 56, a new pending cm_6 is queued and cm_5 is discarded.
        ChangeBatch batch;
        batch.add(MessageChange::Kind::Inserted, stored(51), MessageChange::Origin::Push);
        batch.add(MessageChange::Kind::Inserted, stored(52), MessageChange::Origin::Push);
        batch.add(MessageChange::Kind::Updated, acked(pending(1), 53));
        batch.add(MessageChange::Kind::Updated, acked(pending(2), 54));
        batch.add(MessageChange::Kind::Inserted, pending(6));
        batch.add(MessageChange::Kind::Inserted, stored(55), MessageChange::Origin::Push);
        batch.add(MessageChange::Kind::Inserted, stored(56), MessageChange::Origin::Push);
        batch.add(MessageChange::Kind::Updated, acked(pending(3), 57));
        batch.add(MessageChange::Kind::Removed, pending(5));
        model.applyBatch(batch);

        const QStringList want{u"cm_6"_s, u"cm_4"_s, u"m_58"_s, u"cm_3"_s, u"m_56"_s, u"m_55"_s,
                               u"cm_2"_s, u"cm_1"_s, u"m_52"_s, u"m_51"_s, u"m_50"_s};
        QCOMPARE(rowsOf(model, MessageListModel::LocalIdRole).mid(0, want.size()), want);
        // cm_3 is stored now (seq 57): below the pending cm_4 and bob's 58, above m_56.
        QCOMPARE(model.index(3, 0).data(MessageListModel::SeqRole).toLongLong(), 57);
        QCOMPARE(model.index(3, 0).data(MessageListModel::DeliveryStateRole), u"sent"_s);
        QCOMPARE(model.index(7, 0).data(MessageListModel::SeqRole).toLongLong(), 53);
        QCOMPARE(model.rowForLocalId(u"cm_5"_s), -1);
        QCOMPARE(model.rowForLocalId(u"cm_1"_s), 7);
        QCOMPARE(model.rowForSeq(53), 7);
        QCOMPARE(model.count(), 51 + 4 + 5);
        QCOMPARE(model.newestSeq(), 58);
        QCOMPARE(mirror.removes, 1);
        QVERIFY(mirror.moves >= 1 && mirror.moves <= 3);
        QVERIFY(mirror.inSync());
        checkNeighbourRoles(model);
    }

    // Random batches of every kind against a model of the same changes computed here.
    void randomBatchesMatchTheReference()
    {
        MessageListModel model(nullptr, kConv);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        Mirror mirror(&model, kMessageRoles);
        QRandomGenerator gen(42);
        std::map<QString, LocalMessage> ref;
        qint64 nextSeq = 1;
        int nextPos = 1;
        qint64 floor = 0;
        for (int round = 0; round < 40; ++round) {
            ChangeBatch batch;
            std::map<QString, LocalMessage> atStart = ref;
            const int n = int(gen.bounded(1, 120));
            for (int k = 0; k < n; ++k) {
                const int what = int(gen.bounded(6));
                QList<QString> pendingIds, ids;
                for (const auto &[id, m] : ref) {
                    ids.append(id);
                    if (m.isPending())
                        pendingIds.append(id);
                }
                if (what == 0) {
                    batch.add(MessageChange::Kind::Inserted, pending(nextPos++));
                } else if (what == 1 && !pendingIds.isEmpty()) {
                    const QString id = pendingIds.at(int(gen.bounded(int(pendingIds.size()))));
                    batch.add(MessageChange::Kind::Updated, acked(ref.at(id), nextSeq++));
                } else if (what == 2 && !ids.isEmpty()) {
                    const QString id = ids.at(int(gen.bounded(int(ids.size()))));
                    batch.add(MessageChange::Kind::Removed, ref.at(id));
                } else if (what == 3 && !ids.isEmpty()) {
                    LocalMessage m = ref.at(ids.at(int(gen.bounded(int(ids.size())))));
                    m.content = u"changed in round %1"_s.arg(round);
                    m.senderId = gen.bounded(2) ? u"u_ann"_s : m.senderId;
                    batch.add(MessageChange::Kind::Updated, m);
                } else {
                    // New stored messages, sometimes older ones (gap fills) in any order.
                    const qint64 s = gen.bounded(3) == 0 && nextSeq > 2
                                         ? gen.bounded(qint64(1), nextSeq)
                                         : nextSeq++;
                    batch.add(MessageChange::Kind::Inserted,
                              stored(s, gen.bounded(2) ? u"u_ann"_s : u"u_bob"_s));
                }
                // Apply to the reference the way the model is specified to.
                const MessageChange &ch = batch.messages[kConv].constLast();
                const LocalMessage &m = ch.message;
                const bool present = ref.count(m.localId) > 0;
                if (ch.kind == MessageChange::Kind::Removed) {
                    ref.erase(m.localId);
                } else if (present || m.isPending() || floor == 0 || m.seq >= floor) {
                    // A gap fill for a seq that exists under another id is not sent twice by
                    // the engine: skip it here and in the batch.
                    bool clash = false;
                    for (const auto &[id, o] : ref)
                        clash = clash || (!m.isPending() && o.seq == m.seq && id != m.localId);
                    if (clash) {
                        batch.messages[kConv].removeLast();
                        continue;
                    }
                    ref[m.localId] = m;
                }
            }
            // The floor: set by the first batch that brings stored rows (the lowest of the
            // rows it adds); later batches never add rows below it.
            if (floor == 0) {
                for (const auto &[id, m] : ref) {
                    if (!atStart.count(id) && !m.isPending() && (floor == 0 || m.seq < floor))
                        floor = m.seq;
                }
            }
            model.applyBatch(batch);
            QList<LocalMessage> all;
            for (const auto &[id, m] : ref)
                all.append(m);
            QCOMPARE(rowsOf(model, MessageListModel::LocalIdRole), expectedOrder(all));
            for (const auto &[id, m] : ref) {
                const int row = model.rowForLocalId(id);
                QVERIFY(row >= 0);
                QCOMPARE(model.index(row, 0).data(MessageListModel::ContentRole), m.content);
                if (!m.isPending())
                    QCOMPARE(model.rowForSeq(m.seq), row);
            }
            QVERIFY2(mirror.inSync(), qPrintable(u"round %1"_s.arg(round)));
            checkNeighbourRoles(model);
        }
    }

    void conversationsReorderInOneBatch()
    {
        ConversationListModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::Fatal);
        std::map<QString, ConversationInfo> ref;
        ChangeBatch seed;
        for (int i = 0; i < 300; ++i) {
            const auto c =
                conversation(u"c_%1"_s.arg(i, 4, 10, QLatin1Char('0')), kT0 + i * kMinute, i % 3);
            seed.add(ConversationChange{ConversationChange::Kind::Inserted, c});
            ref[c.conversationId] = c;
        }
        model.applyBatch(seed);
        Mirror mirror(&model, kConversationRoles);
        QSignalSpy unread(&model, &ConversationListModel::totalUnreadChanged);
        QSignalSpy counted(&model, &ConversationListModel::countChanged);

        // New messages bump 100 conversations (some to the top, some with equal times: the
        // id breaks the tie), 2,000 new ones arrive, 20 are removed, one is left.
        ChangeBatch batch;
        QRandomGenerator gen(3);
        for (int i = 0; i < 100; ++i) {
            const QString id = u"c_%1"_s.arg(int(gen.bounded(300)), 4, 10, QLatin1Char('0'));
            ConversationInfo c = ref.at(id);
            c.lastActivityTs = kT0 + gen.bounded(400) * kMinute;
            c.unreadCount += 1;
            batch.add(ConversationChange{ConversationChange::Kind::Updated, c});
            ref[id] = c;
        }
        for (int i = 0; i < 2000; ++i) {
            const auto c = conversation(u"n_%1"_s.arg(i), kT0 + gen.bounded(500) * kMinute);
            batch.add(ConversationChange{ConversationChange::Kind::Inserted, c});
            ref[c.conversationId] = c;
        }
        for (int i = 0; i < 20; ++i) {
            const QString id = u"c_%1"_s.arg(i * 7, 4, 10, QLatin1Char('0'));
            ConversationInfo gone;
            gone.conversationId = id;
            batch.add(ConversationChange{ConversationChange::Kind::Removed, gone});
            ref.erase(id);
        }
        ConversationInfo left = ref.at(u"c_0299"_s);
        left.left = true;
        batch.add(ConversationChange{ConversationChange::Kind::Updated, left});
        ref.erase(u"c_0299"_s);
        model.applyBatch(batch);

        QList<ConversationInfo> all;
        for (const auto &[id, c] : ref)
            all.append(c);
        std::sort(all.begin(), all.end(), [](const ConversationInfo &a, const ConversationInfo &b) {
            if (a.lastActivityTs != b.lastActivityTs)
                return a.lastActivityTs > b.lastActivityTs;
            return a.conversationId < b.conversationId;
        });
        QStringList want;
        int wantUnread = 0;
        for (const auto &c : std::as_const(all)) {
            want.append(c.conversationId);
            wantUnread += c.unreadCount;
        }
        QCOMPARE(rowsOf(model, ConversationListModel::ConversationIdRole), want);
        for (int r = 0; r < want.size(); ++r)
            QCOMPARE(model.rowOf(want.at(r)), r);
        QCOMPARE(model.rowOf(u"c_0299"_s), -1);
        QCOMPARE(model.totalUnread(), wantUnread);
        QCOMPARE(unread.size(), 1);
        QCOMPARE(counted.size(), 1);
        QVERIFY(mirror.inSync());
        QVERIFY(mirror.moves > 0);
        QVERIFY(mirror.moves <= 100);
        QVERIFY(mirror.removes >= 1 && mirror.removes <= 21); // 21 rows, in ranges

        // Reported again as a member: back on the list at its place.
        ChangeBatch again;
        left.left = false;
        again.add(ConversationChange{ConversationChange::Kind::Updated, left});
        model.applyBatch(again);
        QCOMPARE(model.count(), want.size() + 1);
        QCOMPARE(model.idAt(model.rowOf(u"c_0299"_s)), u"c_0299"_s);
        QVERIFY(mirror.inSync());
    }
};

QTEST_GUILESS_MAIN(TestModelBatches)
#include "tst_model_batches.moc"
