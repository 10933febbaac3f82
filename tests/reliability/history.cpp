#include "history.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMap>
#include <QSet>

using namespace Qt::StringLiterals;

namespace chat::reliability {

bool HistoryWriter::open(const QString &path)
{
    m_file.setFileName(path);
    m_start = QDateTime::currentMSecsSinceEpoch();
    return m_file.open(QIODevice::WriteOnly | QIODevice::Truncate);
}

void HistoryWriter::write(QJsonObject event)
{
    event.insert("t"_L1, QDateTime::currentMSecsSinceEpoch() - m_start);
    m_file.write(QJsonDocument(event).toJson(QJsonDocument::Compact) + '\n');
}

QString HistoryReport::summary() const
{
    return u"operations %1 (acked %2, failed %3, outcome unknown %4), received %5, watermarks %6, "
           "faults %7, stored %8; lost %9, duplicated %10, misordered %11, gaps %12, watermark "
           "regressions %13, diverged stores %14"_s.arg(operations)
               .arg(acked)
               .arg(failed)
               .arg(unknown)
               .arg(received)
               .arg(watermarks)
               .arg(faults)
               .arg(stored)
               .arg(lost)
               .arg(duplicated)
               .arg(misordered)
               .arg(gaps)
               .arg(regressions)
               .arg(diverged);
}

namespace {
using SeqMap = QMap<qint64, QString>; // seq -> text, ascending

SeqMap toSeqMap(const QJsonArray &messages, QStringList *problems, const QString &who)
{
    SeqMap m;
    qint64 prev = 0;
    for (const QJsonValue &v : messages) {
        const QJsonObject o = v.toObject();
        const qint64 seq = o.value("seq"_L1).toInteger();
        if (seq <= prev)
            problems->append(u"%1: stored order is not ascending seq at %2"_s.arg(who).arg(seq));
        prev = seq;
        m.insert(seq, o.value("text"_L1).toString());
    }
    return m;
}
} // namespace

HistoryReport checkHistory(const QString &path)
{
    HistoryReport r;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        r.violations.append(u"cannot read the history %1"_s.arg(path));
        return r;
    }
    struct Op {
        QString client, conv, text;
        QString outcome; // acked, failed, or empty (unknown: crashed, killed, timed out)
        qint64 seq = 0;
        qint64 order = 0;
    };
    QHash<QString, Op> ops;
    qint64 opOrder = 0;
    // (client generation, conv) -> seqs inserted: a second insert in one life is a duplicate.
    QHash<QString, QSet<qint64>> inserted;
    QHash<QString, QPair<qint64, qint64>> watermark; // client|conv -> (lastSeq, readSeq)
    QHash<QString, SeqMap> finals;                   // client|conv -> store at the end
    QHash<QString, SeqMap> fresh;                    // conv -> a fresh full sync
    int lineNo = 0;
    while (!f.atEnd()) {
        const QByteArray line = f.readLine().trimmed();
        ++lineNo;
        if (line.isEmpty())
            continue;
        QJsonParseError pe;
        const QJsonObject e = QJsonDocument::fromJson(line, &pe).object();
        if (pe.error != QJsonParseError::NoError) {
            r.violations.append(u"line %1 is not JSON: %2"_s.arg(lineNo).arg(pe.errorString()));
            continue;
        }
        const QString ev = e.value("ev"_L1).toString();
        const QString client = e.value("client"_L1).toString();
        const QString conv = e.value("conv"_L1).toString();
        if (ev == "send"_L1) {
            const QString id = e.value("op"_L1).toString();
            if (ops.contains(id))
                r.violations.append(u"operation id %1 used twice"_s.arg(id));
            ops.insert(id, {client, conv, e.value("text"_L1).toString(), {}, 0, ++opOrder});
        } else if (ev == "acked"_L1 || ev == "failed"_L1) {
            auto it = ops.find(e.value("op"_L1).toString());
            if (it == ops.end()) {
                r.violations.append(u"line %1: outcome of an unknown operation"_s.arg(lineNo));
                continue;
            }
            if (!it->outcome.isEmpty() && it->outcome != ev)
                r.violations.append(
                    u"operation %1 both %2 and %3"_s.arg(it.key(), it->outcome, ev));
            if (ev == "acked"_L1 && it->seq != 0 && it->seq != e.value("seq"_L1).toInteger())
                r.violations.append(u"operation %1 acked with two seqs"_s.arg(it.key()));
            it->outcome = ev;
            if (ev == "acked"_L1)
                it->seq = e.value("seq"_L1).toInteger();
        } else if (ev == "received"_L1) {
            ++r.received;
            const QString key =
                client + u'#' + QString::number(e.value("life"_L1).toInt()) + u'|' + conv;
            const qint64 seq = e.value("seq"_L1).toInteger();
            if (inserted[key].contains(seq)) {
                ++r.duplicated;
                r.violations.append(
                    u"%1 was shown seq %2 of %3 twice"_s.arg(client).arg(seq).arg(conv));
            }
            inserted[key].insert(seq);
        } else if (ev == "watermark"_L1) {
            ++r.watermarks;
            auto &w = watermark[client + u'|' + conv];
            const qint64 last = e.value("last_seq"_L1).toInteger();
            const qint64 read = e.value("read_seq"_L1).toInteger();
            if (last < w.first || read < w.second) {
                ++r.regressions;
                r.violations.append(
                    u"%1: watermark of %2 moved back (last %3 -> %4, read %5 -> %6)"_s
                        .arg(client, conv)
                        .arg(w.first)
                        .arg(last)
                        .arg(w.second)
                        .arg(read));
            }
            w = {std::max(w.first, last), std::max(w.second, read)};
        } else if (ev == "fault"_L1) {
            ++r.faults;
        } else if (ev == "final"_L1) {
            finals.insert(client + u'|' + conv,
                          toSeqMap(e.value("messages"_L1).toArray(), &r.violations, client));
        } else if (ev == "fresh"_L1) {
            fresh.insert(
                conv, toSeqMap(e.value("messages"_L1).toArray(), &r.violations, u"fresh sync"_s));
        }
    }
    if (fresh.isEmpty())
        r.violations.append(u"the history has no fresh sync to check against"_s);

    // The fresh sync is the server's truth: gapless seq, every text at most once.
    QHash<QString, QPair<QString, qint64>> textAt; // text -> (conv, seq)
    for (auto it = fresh.cbegin(); it != fresh.cend(); ++it) {
        qint64 expect = 1;
        for (auto m = it.value().cbegin(); m != it.value().cend(); ++m, ++expect) {
            ++r.stored;
            if (m.key() != expect) {
                ++r.gaps;
                r.violations.append(
                    u"%1: seq %2 follows %3 (gap)"_s.arg(it.key()).arg(m.key()).arg(expect - 1));
                expect = m.key();
            }
            if (textAt.contains(m.value())) {
                ++r.duplicated;
                r.violations.append(u"%1 stored twice (seq %2 and %3)"_s.arg(m.value())
                                        .arg(textAt[m.value()].second)
                                        .arg(m.key()));
            }
            textAt.insert(m.value(), {it.key(), m.key()});
        }
    }
    // Every acked operation is stored, once, at the seq its ack named.
    QHash<QString, QList<const Op *>> perSender; // client|conv -> its ops in send order
    for (auto it = ops.cbegin(); it != ops.cend(); ++it) {
        const Op &op = it.value();
        ++r.operations;
        if (op.outcome == "acked"_L1)
            ++r.acked;
        else if (op.outcome == "failed"_L1)
            ++r.failed;
        else
            ++r.unknown;
        const auto s = textAt.constFind(op.text);
        if (op.outcome == "acked"_L1) {
            if (s == textAt.cend()) {
                ++r.lost;
                r.violations.append(
                    u"acked operation %1 (seq %2) is lost"_s.arg(it.key()).arg(op.seq));
                continue;
            }
            if (s->first != op.conv || s->second != op.seq) {
                ++r.misordered;
                r.violations.append(u"operation %1 acked as seq %2 but stored as %3"_s.arg(it.key())
                                        .arg(op.seq)
                                        .arg(s->second));
            }
        } else if (op.outcome == "failed"_L1 && s != textAt.cend()) {
            r.violations.append(u"operation %1 was reported failed yet stored"_s.arg(it.key()));
        }
        if (s != textAt.cend())
            perSender[op.client + u'|' + op.conv].append(&op);
    }
    // One sender's messages in one conversation are stored in the order it sent them.
    for (auto it = perSender.begin(); it != perSender.end(); ++it) {
        auto &list = it.value();
        std::sort(list.begin(), list.end(),
                  [](const Op *a, const Op *b) { return a->order < b->order; });
        qint64 prev = 0;
        for (const Op *op : list) {
            const qint64 seq = textAt.value(op->text).second;
            if (seq < prev) {
                ++r.misordered;
                r.violations.append(u"%1: %2 stored at seq %3, before an earlier send (seq %4)"_s
                                        .arg(it.key(), op->text)
                                        .arg(seq)
                                        .arg(prev));
            }
            prev = seq;
        }
    }
    // Every client's store converged to the fresh sync.
    for (auto it = finals.cbegin(); it != finals.cend(); ++it) {
        const QString conv = it.key().section(u'|', 1);
        if (it.value() != fresh.value(conv)) {
            ++r.diverged;
            r.violations.append(
                u"%1: the store (%2 messages) differs from a fresh sync (%3)"_s.arg(it.key())
                    .arg(it.value().size())
                    .arg(fresh.value(conv).size()));
        }
    }
    return r;
}

} // namespace chat::reliability
