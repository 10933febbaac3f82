#include "searchcommand.h"

#include "cliformat.h"
#include "sync/search.h"

#include <QJsonArray>
#include <cstdio>

using namespace Qt::StringLiterals;
using namespace chat::sync;

namespace chat::cli {

namespace {
QJsonArray spansJson(const QList<TextSpan> &spans)
{
    QJsonArray a;
    for (const TextSpan &s : spans)
        a.append(QJsonArray{s.start, s.length});
    return a;
}

void say(const QString &text)
{
    const QByteArray b = (u"chat-cli: "_s + text + u'\n').toLocal8Bit();
    std::fwrite(b.constData(), 1, size_t(b.size()), stderr);
    std::fflush(stderr);
}
} // namespace

int runSearch(SyncEngine &engine, const QString &query, const QString &conversationRef, int limit)
{
    SearchQuery q;
    q.text = query;
    q.limit = qMin(limit, 500);
    if (!conversationRef.isEmpty()) {
        const auto conv = engine.findConversation(conversationRef);
        if (!conv) {
            say(u"no such conversation: "_s + conversationRef);
            return 5;
        }
        q.conversationId = conv->conversationId;
    }
    if (MessageSearch::ftsQuery(query).isEmpty())
        say(u"nothing to search for in \""_s + query + u"\" (no letters or digits)"_s);
    LocalStore *store = engine.store();
    if (!store)
        return 7;
    MessageSearch search(*store);
    // Page through until `limit` hits are printed (the API caps a page at 500).
    int printed = 0;
    while (printed < limit) {
        q.offset = printed;
        q.limit = qMin(limit - printed, 500);
        const auto page = search.search(q, engine.currentUserId());
        if (!page) {
            say(u"search failed: "_s + page.error().message);
            return 7;
        }
        for (const SearchHit &hit : page.value().hits) {
            QJsonObject o = messageJson(hit.message, engine);
            o.insert("snippet"_L1, hit.snippet);
            o.insert("matches"_L1, spansJson(hit.matches));
            printLine(o);
        }
        printed += int(page.value().hits.size());
        if (!page.value().hasMore)
            break;
    }
    return 0;
}

} // namespace chat::cli
