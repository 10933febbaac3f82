// MessageSearch: offline full-text search over the messages held in a LocalStore, using its
// FTS5 index (migrations 002-005). The index is written after the insert, by the store's
// background indexer; search() and unreadMentions() first index whatever is still pending
// (LocalStore::indexSearchPending()), so they see every stored message. It also answers the
// two other "where is it?" questions of a conversation: the message at a date and the unread
// messages that mention the user.
//
// Folding: the tokenizer (unicode61, remove_diacritics 2) folds case and diacritics; "ß" and
// "ẞ", which it keeps, are spelled "ss" both in what the index reads (migration 004) and in
// queries (foldForSearch()), so "strasse" finds "Straße" and "straße" finds "Strasse".
// Highlight and snippet offsets are mapped back onto the original text.
//
// User text never reaches FTS5 as syntax: ftsQuery() turns it into quoted terms (each word a
// prefix term, "quoted text" a phrase), so quotes, operators (AND/OR/NOT/NEAR), '*', '^',
// ':' and parentheses are searched for as words or ignored, and never produce an error.
//
// Reads, apart from indexing pending messages; use it from the thread that owns the store
// (the SyncEngine's).
#pragma once

#include "changes.h"
#include "expected.h"

#include <QList>
#include <QString>
#include <optional>

namespace chat::sync {

class LocalStore;

struct SearchQuery {
    QString text;           // what the user typed
    QString conversationId; // empty = every conversation
    QString senderId;       // empty = anyone
    qint64 fromTs = 0;      // ms since the epoch, inclusive; 0 = no lower bound
    qint64 toTs = 0;        // inclusive; 0 = no upper bound
    int limit = 50;         // page size (1..500)
    int offset = 0;         // hits to skip (paging)
};

// A matched part of a text: [start, start + length) in UTF-16 code units.
struct TextSpan {
    int start = 0;
    int length = 0;
    friend bool operator==(const TextSpan &, const TextSpan &) = default;
};

struct SearchHit {
    LocalMessage message;
    QList<TextSpan> matches; // in message.content
    QString snippet;         // a short excerpt around the best match ("…" where cut)
    QList<TextSpan> snippetMatches;
};

struct SearchPage {
    QList<SearchHit> hits; // newest first
    bool hasMore = false;  // another page exists (offset + limit)
};

// Where a date falls in a conversation, as far as the store knows it.
struct DatePosition {
    qint64 seq = 0;     // the first stored message at or after the date (or the last one before)
    bool exact = false; // false: unknown history (a gap) lies between the date and `seq`
};

class MessageSearch
{
public:
    explicit MessageSearch(LocalStore &store);

    // The FTS5 expression for what a user typed (folded); empty when it holds nothing
    // searchable.
    static QString ftsQuery(const QString &userText);
    // `text` as the index sees it: "ß" and "ẞ" become "ss" (as in migration 004's SQL).
    // `origin`, if given, receives for each folded UTF-16 unit the index of the original unit
    // it came from, plus one last entry for the end (text.size()).
    static QString foldForSearch(const QString &text, QList<int> *origin = nullptr);
    // Split `marked` (text with kMatchStart/kMatchEnd around matches) into plain text + spans.
    static QString unmark(const QString &marked, QList<TextSpan> *spans);
    // HTML for a text with its matches in <b>, everything else escaped (for rich text views).
    static QString toHtml(const QString &text, const QList<TextSpan> &spans);

    // Stored messages matching `query`, newest first. An empty or unsearchable text gives an
    // empty page, not an error; errors are storage failures only.
    Expected<SearchPage> search(const SearchQuery &query, const QString &myUserId = {}) const;

    // The first stored message of the conversation with ts >= `ts` (or the newest stored one
    // before it when none is later). nullopt when nothing is stored.
    std::optional<DatePosition> positionAtDate(const QString &conversationId, qint64 ts) const;

    // Stored messages by others above the user's read watermark whose text mentions one of
    // `names` (a username or display name, with or without '@', as a whole word, case and
    // diacritics folded), oldest first.
    Expected<QList<LocalMessage>> unreadMentions(const QString &conversationId,
                                                 const QStringList &names,
                                                 const QString &myUserId) const;

    // Markers around matches inside SQL results (private-use code points, stripped from text).
    static constexpr char16_t kMatchStart = u'\uE000';
    static constexpr char16_t kMatchEnd = u'\uE001';

private:
    LocalStore &m_store;
};

} // namespace chat::sync
