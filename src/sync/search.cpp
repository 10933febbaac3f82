// MessageSearch: see search.h. One statement per page: FTS5 yields matches newest first (its
// rowid is a time-ordered key), so with no sort step SQLite computes highlight() and snippet()
// only for the rows of the page and stops after it.
#include "search.h"

#include "localstore.h"
#include "net/logging.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <limits>
#include <utility>

using namespace Qt::StringLiterals;

namespace chat::sync {

namespace {

Error storageError(const QSqlQuery &q, const QString &what)
{
    return Error{Error::Code::Storage, what + u": "_s + q.lastError().text(), {}};
}

// One FTS5 string literal: the text inside double quotes, quotes doubled. FTS5 treats
// everything inside as plain text for its tokenizer, so no user character is syntax.
QString quoted(const QString &text)
{
    QString inner = text;
    inner.replace(u'"', u"\"\""_s);
    return u'"' + inner + u'"';
}

// Whether the tokenizer would find a token in `text` at all (letters or digits); words of
// only punctuation ("()", "*", "-") are dropped instead of becoming empty phrases.
bool searchable(const QString &text)
{
    for (const QChar c : text)
        if (c.isLetterOrNumber())
            return true;
    return false;
}

QString stripMarkers(QString text)
{
    text.remove(MessageSearch::kMatchStart);
    text.remove(MessageSearch::kMatchEnd);
    return text;
}

bool hasSharpS(const QString &text)
{
    return text.contains(u'\u00DF') || text.contains(u'\u1E9E');
}

// [start, end) in folded text -> the original units it came from (see foldForSearch()).
TextSpan unfoldSpan(const QList<int> &origin, int start, int end)
{
    const int a = origin.at(start);
    const int b = end > start ? origin.at(end - 1) + 1 : a;
    return TextSpan{a, b - a};
}

// The snippet FTS5 cut from the folded text, with its spans, moved onto the original text.
// A snippet is a contiguous excerpt of the folded text, with "…" where it was cut.
void unfoldSnippet(const QString &original, QString *snippet, QList<TextSpan> *spans)
{
    QList<int> origin;
    const QString folded = MessageSearch::foldForSearch(original, &origin);
    const QString ell = u"…"_s;
    const bool lead = snippet->startsWith(ell), trail = snippet->endsWith(ell);
    // Try the cut variants, most cut first (the text itself may start or end with "…").
    for (const auto &[cutLead, cutTrail] : {std::pair{lead, trail}, std::pair{lead, false},
                                            std::pair{false, trail}, std::pair{false, false}}) {
        const int from = cutLead ? int(ell.size()) : 0;
        const int len = int(snippet->size()) - from - (cutTrail ? int(ell.size()) : 0);
        if (len <= 0)
            continue;
        const int at = int(folded.indexOf(QStringView(*snippet).mid(from, len)));
        if (at < 0)
            continue;
        const TextSpan body = unfoldSpan(origin, at, at + len);
        QString out = (cutLead ? ell : QString()) + original.mid(body.start, body.length)
                      + (cutTrail ? ell : QString());
        QList<TextSpan> moved;
        for (const TextSpan &s : std::as_const(*spans)) {
            const int a = s.start - from, b = a + s.length;
            if (a < 0 || b > len)
                continue;
            const TextSpan o = unfoldSpan(origin, at + a, at + b);
            moved.append(TextSpan{o.start - body.start + from, o.length});
        }
        *snippet = out;
        *spans = moved;
        return;
    }
    spans->clear(); // cannot happen for a snippet of this text; show it unmarked then
}

} // namespace

MessageSearch::MessageSearch(LocalStore &store) : m_store(store)
{ }

QString MessageSearch::foldForSearch(const QString &text, QList<int> *origin)
{
    if (origin) {
        origin->clear();
        origin->reserve(text.size() + 1);
    }
    if (!hasSharpS(text)) {
        if (origin)
            for (int i = 0; i <= text.size(); ++i)
                origin->append(i);
        return text;
    }
    QString out;
    out.reserve(text.size() + 8);
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        const bool sharp = c == u'\u00DF' || c == u'\u1E9E';
        out += sharp ? u"ss"_s : QString(c);
        if (origin) {
            origin->append(i);
            if (sharp)
                origin->append(i);
        }
    }
    if (origin)
        origin->append(int(text.size()));
    return out;
}

QString MessageSearch::ftsQuery(const QString &userText)
{
    // "quoted parts" are phrases (an unclosed quote runs to the end); every other word is a
    // prefix term. Terms are ANDed (FTS5's implicit operator between phrases).
    QStringList terms;
    const QString text = foldForSearch(stripMarkers(userText));
    qsizetype i = 0;
    while (i < text.size()) {
        if (text.at(i) == u'"') {
            qsizetype end = text.indexOf(u'"', i + 1);
            if (end < 0)
                end = text.size();
            const QString phrase = text.mid(i + 1, end - i - 1).simplified();
            if (searchable(phrase))
                terms.append(quoted(phrase));
            i = end + 1;
            continue;
        }
        if (text.at(i).isSpace()) {
            ++i;
            continue;
        }
        qsizetype end = i;
        while (end < text.size() && !text.at(end).isSpace() && text.at(end) != u'"')
            ++end;
        const QString word = text.mid(i, end - i);
        if (searchable(word))
            terms.append(quoted(word) + u'*');
        i = end;
    }
    return terms.join(u' ');
}

QString MessageSearch::unmark(const QString &marked, QList<TextSpan> *spans)
{
    QString plain;
    plain.reserve(marked.size());
    int start = -1;
    for (const QChar c : marked) {
        if (c == kMatchStart) {
            start = int(plain.size());
        } else if (c == kMatchEnd) {
            if (start >= 0 && spans && plain.size() > start)
                spans->append(TextSpan{start, int(plain.size()) - start});
            start = -1;
        } else {
            plain.append(c);
        }
    }
    return plain;
}

QString MessageSearch::toHtml(const QString &text, const QList<TextSpan> &spans)
{
    QString html;
    int pos = 0;
    for (const TextSpan &s : spans) {
        if (s.start < pos || s.start + s.length > text.size())
            continue;
        html += text.mid(pos, s.start - pos).toHtmlEscaped();
        html += u"<b>"_s + text.mid(s.start, s.length).toHtmlEscaped() + u"</b>"_s;
        pos = s.start + s.length;
    }
    html += text.mid(pos).toHtmlEscaped();
    return html;
}

Expected<SearchPage> MessageSearch::search(const SearchQuery &query, const QString &myUserId) const
{
    SearchPage page;
    const QString match = ftsQuery(query.text);
    if (match.isEmpty())
        return page;
    const int limit = qBound(1, query.limit, 500);
    const int offset = qMax(0, query.offset);
    // Messages stored since the background indexer last ran are indexed first (migration
    // 005): a search always sees every stored message.
    if (auto indexed = m_store.indexSearchPending(); !indexed)
        return indexed.error();

    QSqlDatabase db = QSqlDatabase::database(m_store.connectionName(), false);
    // The index is keyed by time (migration 003): FTS5 walks matches newest first and the
    // LIMIT stops it early. CROSS JOIN keeps FTS5 as the outer loop, so its order is the
    // result's order and no sort over every match happens.
    QString sql = u"SELECT m.conversation_id, m.seq, m.message_id, m.sender_id, "
                  "m.client_msg_id, m.kind, m.content, m.ts, m.local_id, "
                  "highlight(messages_fts, 0, :hs, :he), "
                  "snippet(messages_fts, 0, :ss, :se, :ell, 16) "
                  "FROM messages_fts CROSS JOIN search_keys k ON k.key = messages_fts.rowid "
                  "CROSS JOIN messages m ON m.rowid = k.message_rowid "
                  "WHERE messages_fts MATCH :q"_s;
    if (!query.conversationId.isEmpty())
        sql += u" AND m.conversation_id = :c"_s;
    if (!query.senderId.isEmpty())
        sql += u" AND m.sender_id = :s"_s;
    // A date range is a key range (ts << 21), checked against ts as well.
    if (query.fromTs > 0)
        sql += u" AND messages_fts.rowid >= :fromKey AND m.ts >= :from"_s;
    if (query.toTs > 0)
        sql += u" AND messages_fts.rowid < :toKey AND m.ts <= :to"_s;
    sql += u" ORDER BY messages_fts.rowid DESC LIMIT :limit OFFSET :offset"_s;

    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return storageError(q, u"preparing the search"_s);
    q.bindValue(u":q"_s, match);
    if (!query.conversationId.isEmpty())
        q.bindValue(u":c"_s, query.conversationId);
    if (!query.senderId.isEmpty())
        q.bindValue(u":s"_s, query.senderId);
    if (query.fromTs > 0) {
        q.bindValue(u":fromKey"_s, query.fromTs << 21);
        q.bindValue(u":from"_s, query.fromTs);
    }
    if (query.toTs > 0) {
        q.bindValue(u":toKey"_s, (query.toTs + 1) << 21);
        q.bindValue(u":to"_s, query.toTs);
    }
    q.bindValue(u":limit"_s, limit + 1);
    q.bindValue(u":offset"_s, offset);
    q.bindValue(u":hs"_s, QString(QChar(kMatchStart)));
    q.bindValue(u":he"_s, QString(QChar(kMatchEnd)));
    q.bindValue(u":ss"_s, QString(QChar(kMatchStart)));
    q.bindValue(u":se"_s, QString(QChar(kMatchEnd)));
    q.bindValue(u":ell"_s, u"…"_s);
    if (!q.exec())
        return storageError(q, u"searching messages"_s);
    while (q.next()) {
        if (page.hits.size() == limit) {
            page.hasMore = true;
            break;
        }
        SearchHit hit;
        LocalMessage &m = hit.message;
        m.conversationId = q.value(0).toString();
        m.seq = q.value(1).toLongLong();
        m.messageId = q.value(2).toString();
        m.senderId = q.value(3).toString();
        m.clientMsgId = q.value(4).toString();
        m.kind = q.value(5).toString();
        m.content = q.value(6).toString();
        m.ts = q.value(7).toLongLong();
        m.localId = q.value(8).toString();
        m.outgoing = !myUserId.isEmpty() && m.senderId == myUserId;
        m_store.decorate(m, myUserId);
        // The index read the folded text ("ß" as "ss"): spans are mapped back onto the
        // original. Markers already in a stored text (private-use characters) would shift
        // the spans: drop them when the text does not line up.
        QList<TextSpan> folded;
        QList<int> origin;
        const QString plain = unmark(q.value(9).toString(), &folded);
        if (plain == foldForSearch(m.content, &origin)) {
            for (const TextSpan &s : std::as_const(folded))
                hit.matches.append(unfoldSpan(origin, s.start, s.start + s.length));
        }
        hit.snippet = unmark(q.value(10).toString(), &hit.snippetMatches);
        if (hasSharpS(m.content))
            unfoldSnippet(m.content, &hit.snippet, &hit.snippetMatches);
        page.hits.append(std::move(hit));
    }
    q.finish();
    return page;
}

std::optional<DatePosition> MessageSearch::positionAtDate(const QString &conversationId,
                                                          qint64 ts) const
{
    // messages has no index on ts (migration 005 dropped it: it cost the ingest a B-tree write
    // per message, for this lookup only). Within a conversation seq order is time order (the
    // server assigns both when it takes a message, docs/SYNC_ENGINE.md "Jump to date"), so the
    // first stored message at or after `ts` is found by a binary search over seq on the
    // primary key: about log2(seq range) seeks, each "the first stored message from seq s".
    QSqlDatabase db = QSqlDatabase::database(m_store.connectionName(), false);
    using Row = QPair<qint64, qint64>; // (seq, ts)
    QSqlQuery fromSeq(db), beforeSeq(db);
    fromSeq.setForwardOnly(true);
    beforeSeq.setForwardOnly(true);
    if (!fromSeq.prepare(u"SELECT seq, ts FROM messages WHERE conversation_id = :c "
                         "AND seq >= :s ORDER BY seq LIMIT 1"_s)
        || !beforeSeq.prepare(u"SELECT seq, ts FROM messages WHERE conversation_id = :c "
                              "AND seq < :s ORDER BY seq DESC LIMIT 1"_s))
        return std::nullopt;
    auto one = [&](QSqlQuery &q, qint64 seq) -> std::optional<Row> {
        q.bindValue(u":c"_s, conversationId);
        q.bindValue(u":s"_s, seq);
        if (!q.exec() || !q.next()) {
            q.finish();
            return std::nullopt;
        }
        const Row r(q.value(0).toLongLong(), q.value(1).toLongLong());
        q.finish();
        return r;
    };
    const auto first = one(fromSeq, 1);
    if (!first)
        return std::nullopt;
    const auto last = one(beforeSeq, std::numeric_limits<qint64>::max());
    std::optional<Row> after, before;
    if (first->second >= ts) {
        after = first;
    } else if (last->second < ts) {
        before = last;
    } else {
        // The first stored message from seq `lo` is before the date, from `hi` it is not.
        qint64 lo = first->first, hi = last->first;
        Row atHi = *last;
        while (hi - lo > 1) {
            const qint64 mid = lo + (hi - lo) / 2;
            const auto r = one(fromSeq, mid);
            if (!r)
                return std::nullopt;
            if (r->second >= ts) {
                hi = mid;
                atHi = *r;
            } else {
                lo = r->first; // < hi: the message from `hi` is not before the date
            }
        }
        after = atHi;
        before = one(beforeSeq, atHi.first);
    }
    if (!after && !before)
        return std::nullopt;
    // Exact when no unknown seq lies between the neighbours that bracket the date (or
    // between seq 1 and the first stored message when the date is before everything).
    const qint64 seq = after ? after->first : before->first;
    const qint64 low = before ? before->first + 1 : 1;
    const qint64 high = after ? after->first - 1 : 0;
    bool exact = true;
    if (!after) {
        // The date is after every stored message: exact if nothing newer exists.
        auto c = m_store.conversation(conversationId, QString());
        exact = !c || c->lastSeq <= before->first;
    } else if (high >= low) {
        exact = false;
        for (const SeqRange &r : m_store.ranges(conversationId))
            if (r.first <= low && r.second >= high)
                exact = true;
    }
    return DatePosition{seq, exact};
}

Expected<QList<LocalMessage>> MessageSearch::unreadMentions(const QString &conversationId,
                                                            const QStringList &names,
                                                            const QString &myUserId) const
{
    QList<LocalMessage> out;
    QStringList phrases;
    for (const QString &name : names) {
        QString n = stripMarkers(name).simplified();
        while (n.startsWith(u'@'))
            n.remove(0, 1);
        if (searchable(n))
            phrases.append(quoted(foldForSearch(n)));
    }
    phrases.removeDuplicates();
    if (phrases.isEmpty())
        return out;
    if (auto indexed = m_store.indexSearchPending(); !indexed)
        return indexed.error();
    const qint64 readSeq = m_store.ownRead(conversationId).first;
    QSqlDatabase db = QSqlDatabase::database(m_store.connectionName(), false);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.prepare(
            u"SELECT m.conversation_id, m.seq, m.message_id, m.sender_id, "
            "m.client_msg_id, m.kind, m.content, m.ts, m.local_id "
            "FROM messages m WHERE m.conversation_id = :c AND m.seq > :read "
            "AND m.sender_id <> :me AND m.rowid IN "
            "(SELECT k.message_rowid FROM messages_fts f JOIN search_keys k ON k.key = f.rowid "
            "WHERE messages_fts MATCH :q) "
            "ORDER BY m.seq"_s))
        return storageError(q, u"preparing the mention lookup"_s);
    q.bindValue(u":c"_s, conversationId);
    q.bindValue(u":read"_s, readSeq);
    q.bindValue(u":me"_s, myUserId);
    q.bindValue(u":q"_s, phrases.join(u" OR "_s));
    if (!q.exec())
        return storageError(q, u"looking up unread mentions"_s);
    while (q.next()) {
        LocalMessage m;
        m.conversationId = q.value(0).toString();
        m.seq = q.value(1).toLongLong();
        m.messageId = q.value(2).toString();
        m.senderId = q.value(3).toString();
        m.clientMsgId = q.value(4).toString();
        m.kind = q.value(5).toString();
        m.content = q.value(6).toString();
        m.ts = q.value(7).toLongLong();
        m.localId = q.value(8).toString();
        m.state = DeliveryState::Received;
        out.append(m);
    }
    return out;
}

} // namespace chat::sync
