// The values the sync engine hands to its embedders (models, chat-cli, other clients): what
// a message, a conversation, a member look like locally, and the change feed - one
// ChangeBatch per store transaction, so that a list model can apply it in one step.
#pragma once

#include <QHash>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace chat::sync {

// Where one of the current user's messages stands. Messages from other people are always
// Received. Pending → Sent (acked, has a seq) → Delivered (every other member stored it) →
// Read (every other member read it); or Failed (refused for good: retry() or discard()).
enum class DeliveryState { Pending, Sent, Delivered, Read, Failed, Received };
QString deliveryStateName(DeliveryState s); // "pending", "sent", ..., "received"

struct LocalMessage {
    // Stable identity on this device for the life of the message, also across the
    // pending → sent transition: the client_msg_id for messages sent from this device
    // (what send() returned), the server's message_id for everything else.
    QString localId;
    QString conversationId;
    qint64 seq = 0;    // 0 while Pending or Failed
    QString messageId; // empty while Pending or Failed
    QString clientMsgId;
    QString senderId;
    QString kind = QStringLiteral("text");
    QString content;
    qint64 ts = 0;         // server time of commit; creation time (local clock) while pending
    bool outgoing = false; // sent by the current user (from any device)
    DeliveryState state = DeliveryState::Received;
    // Outgoing messages in groups: how many of the other members have delivered / read it.
    int deliveredCount = 0;
    int readCount = 0;
    int otherMembers = 0;
    // Failed: the server's error code ("forbidden", ...) and its sentence.
    QString errorCode;
    QString errorMessage;
    // Pending/Failed: position in the outbox (send order); 0 for stored messages.
    qint64 outboxPosition = 0;

    bool isPending() const { return seq == 0; }
    friend bool operator==(const LocalMessage &, const LocalMessage &) = default;
};

struct MemberInfo {
    QString userId;
    QString username;
    QString displayName;
    bool admin = false;
    qint64 deliveredSeq = 0;
    qint64 readSeq = 0;
    friend bool operator==(const MemberInfo &, const MemberInfo &) = default;
};

struct ConversationInfo {
    QString conversationId;
    bool group = false;
    QString title;        // server title; empty for direct conversations
    QString displayTitle; // title, or the other member's display name for direct ones
    QString otherUserId;  // direct conversations: the other member
    QList<MemberInfo> members;
    qint64 lastSeq = 0; // highest seq known to exist on the server
    qint64 createdTs = 0;
    qint64 lastActivityTs = 0; // ts of the newest message (or creation); the list's sort key
    qint64 readSeq = 0;        // own read watermark (local, monotonic)
    int unreadCount = 0;       // messages by others above readSeq
    bool hasLastMessage = false;
    LocalMessage lastMessage; // newest stored or pending message
    int pendingCount = 0;     // outbox rows (pending + failed)
    bool left = false;        // the user is no longer a member
    friend bool operator==(const ConversationInfo &, const ConversationInfo &) = default;
};

struct UserInfo {
    QString userId;
    QString username;
    QString displayName;
    friend bool operator==(const UserInfo &, const UserInfo &) = default;
};

struct PresenceInfo {
    bool known = false; // no presence push seen for this user yet
    bool online = false;
    qint64 lastSeen = 0; // ms since epoch, server clock
};

// What a conversation's history looks like locally, for "loading" rows and fetchMore().
struct HistoryState {
    qint64 oldestLoadedSeq = 0; // lowest stored seq of the newest contiguous range (0: none)
    bool atStart = false;       // everything down to seq 1 is stored
    bool loadingOlder = false;  // a fetch for older messages is in flight
    bool hasGaps = false;       // some seq between 1 and lastSeq is not stored
};

struct MessageChange {
    enum class Kind { Inserted, Updated, Removed };
    // Where the change came from. For notifications: a Push or Sync insert is news, a
    // History insert is old messages being filled in (a gap or scrolling back).
    enum class Origin {
        Local,   // this device: send, retry, discard, ack, receipts
        Push,    // a live `message` push
        Sync,    // a catch-up page after (re)connecting
        History, // a history fetch (gap fill, loadOlder/loadAround/loadAll)
    };
    Kind kind = Kind::Inserted;
    LocalMessage message; // for Removed only localId/conversationId/seq are meaningful
    Origin origin = Origin::Local;
};

struct ConversationChange {
    enum class Kind { Inserted, Updated, Removed };
    Kind kind = Kind::Inserted;
    ConversationInfo conversation; // for Removed only conversationId is meaningful
};

// One committed store transaction's worth of changes. Apply all of it at once.
// Messages are ordered by seq; pending ones (seq 0) follow all stored ones, in outbox order.
// An Inserted message may land anywhere in that order (gap fills insert older seqs);
// an Updated message may get a seq (ack) and so move from the pending tail into seq order.
struct ChangeBatch {
    QList<ConversationChange> conversations;
    // conversation id -> its message changes, in the order they happened
    QHash<QString, QList<MessageChange>> messages;

    bool isEmpty() const { return conversations.isEmpty() && messages.isEmpty(); }
    void add(const ConversationChange &c) { conversations.append(c); }
    void add(MessageChange::Kind kind, const LocalMessage &m,
             MessageChange::Origin origin = MessageChange::Origin::Local)
    {
        messages[m.conversationId].append(MessageChange{kind, m, origin});
    }
    void merge(const ChangeBatch &other);
};

} // namespace chat::sync

Q_DECLARE_METATYPE(chat::sync::ChangeBatch)
Q_DECLARE_METATYPE(chat::sync::LocalMessage)
