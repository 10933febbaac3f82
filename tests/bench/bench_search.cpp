// chat-bench-search: local full-text search (chat::sync::MessageSearch over the LocalStore's
// FTS5 index) at scale. Fills a store through LocalStore::insertMessages (the store's search
// indexer indexes every row, as in the app; what is left is indexed before the queries, timed
// as index_after_fill_seconds) with --messages messages of natural-looking text (Zipf-
// distributed words from a vocabulary with German and French words, 4-20 words each) spread
// over --conversations conversations, then runs every query of a fixed mix --rounds times and
// reports the latency of MessageSearch::search() for a first page of 50 (median, p90, p99)
// per kind of query and overall. Prints one JSON summary. See docs/PERFORMANCE.md.
#include "benchutil.h"

#include "sync/localstore.h"
#include "sync/search.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <cmath>
#include <cstdio>

using namespace Qt::StringLiterals;
using namespace chat::bench;
namespace proto = chat::proto;

namespace {

// A vocabulary: a few hundred real words (with umlauts and accents) and synthetic ones, so
// the index has a realistic number of distinct terms; ranks follow Zipf's law.
QStringList vocabulary(int size)
{
    QStringList words =
        QStringLiteral(
            "the be to of and a in that have it for not on with he as you do at this but his by "
            "from they we say her she or an will my one all would there their what so up out if "
            "about who get which go me when make can like time no just him know take people into "
            "year your good some could them see other than then now look only come its over think "
            "also back after use two how our work first well way even new want because any these "
            "give day most us meeting lunch dinner report release build test server client bug fix "
            "deploy review merge branch deadline tomorrow yesterday weekend coffee café crème "
            "naïve "
            "école déjà voilà très garçon français Müller Straße Grüße schön über Mädchen Brötchen "
            "Käse Tschüss danke bitte morgen heute Zürich München Köln")
            .split(u' ');
    QRandomGenerator gen(7);
    const QString letters = u"abcdefghijklmnopqrstuvwxyzäöüéè"_s;
    while (words.size() < size) {
        QString w;
        const int len = 3 + int(gen.bounded(8));
        for (int i = 0; i < len; ++i)
            w += letters.at(int(gen.bounded(letters.size())));
        words.append(w);
    }
    return words;
}

struct Zipf {
    std::vector<double> cdf;
    explicit Zipf(int n)
    {
        cdf.resize(size_t(n));
        double sum = 0;
        for (int i = 0; i < n; ++i)
            cdf[size_t(i)] = (sum += 1.0 / std::pow(i + 1, 1.05));
        for (double &c : cdf)
            c /= sum;
    }
    int draw(QRandomGenerator &g) const
    {
        return int(std::lower_bound(cdf.begin(), cdf.end(), g.generateDouble()) - cdf.begin());
    }
};

QString fill(chat::sync::LocalStore &store, int total, int conversations, const QStringList &words,
             double *seconds)
{
    QRandomGenerator gen(42);
    const Zipf zipf(int(words.size()));
    const qint64 t0 = nowNs();
    const int perConv = qMax(1, total / conversations);
    const int batch = 1000;
    QList<proto::Message> rows;
    rows.reserve(batch);
    int written = 0;
    for (int c = 0; c < conversations && written < total; ++c) {
        const QString conv = u"c_%1"_s.arg(c, 5, 10, QLatin1Char('0'));
        for (int s = 1; s <= perConv && written < total; ++s, ++written) {
            proto::Message m;
            m.conversationId = conv;
            m.seq = s;
            m.messageId = u"m_%1_%2"_s.arg(c).arg(s);
            m.senderId = u"u_%1"_s.arg(gen.bounded(20));
            m.clientMsgId = u"cm_%1_%2"_s.arg(c).arg(s);
            const int n = 4 + int(gen.bounded(17));
            QStringList text;
            for (int i = 0; i < n; ++i)
                text.append(words.at(zipf.draw(gen)));
            m.content = text.join(u' ');
            m.ts = 1700000000000 + qint64(s) * 60000 + c;
            rows.append(m);
            if (rows.size() == batch) {
                chat::sync::LocalStore::Transaction tx(store);
                if (auto st = tx.begin(); !st.ok())
                    return st.error().message;
                if (auto r = store.insertMessages(rows, u"u_0"_s); !r.ok())
                    return r.error().message;
                if (auto st = tx.commit(); !st.ok())
                    return st.error().message;
                rows.clear();
            }
        }
    }
    if (!rows.isEmpty()) {
        chat::sync::LocalStore::Transaction tx(store);
        if (auto st = tx.begin(); !st.ok())
            return st.error().message;
        if (auto r = store.insertMessages(rows, u"u_0"_s); !r.ok())
            return r.error().message;
        if (auto st = tx.commit(); !st.ok())
            return st.error().message;
    }
    *seconds = double(nowNs() - t0) / 1e9;
    return {};
}

struct QueryCase {
    QString kind;
    QString text;
    bool inConversation = false;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"chat-bench-search"_s);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Local full-text search latency over a LocalStore of N messages (FTS5). Prints JSON."_s);
    parser.addHelpOption();
    parser.addOption(
        {u"messages"_s, u"Messages in the store (default 1000000)."_s, u"n"_s, u"1000000"_s});
    parser.addOption({u"conversations"_s, u"Conversations they are spread over (default 200)."_s,
                      u"n"_s, u"200"_s});
    parser.addOption(
        {u"rounds"_s, u"Times each query of the mix is run (default 20)."_s, u"n"_s, u"20"_s});
    parser.addOption({u"store"_s,
                      u"Store file to use; filled only if it does not exist yet (reuse across "
                      "runs). Default: a temporary file, removed afterwards."_s,
                      u"path"_s});
    parser.process(app);
    const int total = parser.value(u"messages"_s).toInt();
    const int conversations = qMax(1, parser.value(u"conversations"_s).toInt());
    const int rounds = qMax(1, parser.value(u"rounds"_s).toInt());
    if (total <= 0) {
        std::fprintf(stderr, "chat-bench-search: --messages must be a positive number\n");
        return 2;
    }

    QTemporaryDir tmp;
    QString path = parser.value(u"store"_s);
    if (path.isEmpty())
        path = tmp.filePath(u"store.sqlite"_s);
    const bool reuse = QFileInfo::exists(path);
    auto opened = chat::sync::LocalStore::open(path);
    if (!opened.ok()) {
        std::fprintf(stderr, "chat-bench-search: %s\n", qPrintable(opened.error().message));
        return 1;
    }
    auto store = std::move(opened).value();
    const QStringList words = vocabulary(20000);
    double fillSeconds = 0;
    if (!reuse) {
        if (QString e = fill(*store, total, conversations, words, &fillSeconds); !e.isEmpty()) {
            std::fprintf(stderr, "chat-bench-search: filling the store: %s\n", qPrintable(e));
            return 1;
        }
    }
    // The search index is written after the insert (migration 005): what the background
    // indexer has not done yet is indexed here, timed, so the queries below measure an index
    // that holds everything (as a search does itself: its first call would index the rest).
    double indexSeconds = 0;
    {
        const qint64 t0 = nowNs();
        if (auto n = store->indexSearchPending(); !n.ok()) {
            std::fprintf(stderr, "chat-bench-search: indexing: %s\n",
                         qPrintable(n.error().message));
            return 1;
        }
        indexSeconds = double(nowNs() - t0) / 1e9;
    }
    const qint64 stored = store->messageCount();

    // The mix: frequent, mid and rare words, short prefixes (search as you type), a phrase,
    // two words, folded diacritics, and the same within one conversation.
    const QList<QueryCase> cases = {
        {u"common word"_s, u"the"_s},
        {u"common word"_s, u"meeting"_s},
        {u"rare word"_s, words.at(15000)},
        {u"rare word"_s, words.at(19000)},
        {u"prefix 2"_s, u"re"_s},
        {u"prefix 3"_s, u"dea"_s},
        {u"prefix 3"_s, u"kä"_s},
        {u"phrase"_s, u"\"to the\""_s},
        {u"two words"_s, u"lunch tomorrow"_s},
        {u"folded"_s, u"muller strasse"_s},
        {u"folded"_s, u"cafe"_s},
        {u"in conversation"_s, u"the"_s, true},
        {u"in conversation"_s, u"deadline review"_s, true},
        {u"no match"_s, u"zzzzqqq"_s},
    };
    chat::sync::MessageSearch search(*store);
    LatencyRecorder overall;
    QHash<QString, LatencyRecorder> byKind;
    QHash<QString, qint64> hitsByQuery;
    for (int r = 0; r < rounds; ++r) {
        for (const QueryCase &qc : cases) {
            chat::sync::SearchQuery q;
            q.text = qc.text;
            q.limit = 50;
            if (qc.inConversation)
                q.conversationId = u"c_00007"_s;
            const qint64 t0 = nowNs();
            auto page = search.search(q, u"u_0"_s);
            const qint64 ns = nowNs() - t0;
            if (!page.ok()) {
                std::fprintf(stderr, "chat-bench-search: %s\n", qPrintable(page.error().message));
                return 1;
            }
            overall.add(ns);
            byKind[qc.kind].add(ns);
            hitsByQuery[qc.kind + u": "_s + qc.text] = page.value().hits.size();
        }
    }
    QJsonObject kinds;
    for (auto it = byKind.begin(); it != byKind.end(); ++it)
        kinds[it.key()] = it.value().summary();
    QJsonObject hits;
    for (auto it = hitsByQuery.constBegin(); it != hitsByQuery.constEnd(); ++it)
        hits[it.key()] = it.value();
    QJsonObject out{
        {u"benchmark"_s, u"local_search"_s},
        {u"messages"_s, stored},
        {u"conversations"_s, conversations},
        {u"rounds"_s, rounds},
        {u"page"_s, 50},
        {u"store_reused"_s, reuse},
        {u"fill_seconds"_s, round3(fillSeconds)},
        {u"index_after_fill_seconds"_s, round3(indexSeconds)},
        {u"fill_messages_per_s"_s, fillSeconds > 0 ? qRound64(double(stored) / fillSeconds) : 0},
        {u"store_bytes"_s, QFileInfo(path).size() + QFileInfo(path + u"-wal"_s).size()},
        {u"search"_s, overall.summary()},
        {u"by_kind"_s, kinds},
        {u"first_page_hits"_s, hits},
        {u"target_p50_ms"_s, 50},
    };
    std::printf("%s\n", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
    return 0;
}
