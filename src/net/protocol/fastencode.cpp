// The hot server frames (ack, message, receipt, pong, error, history, sync) written straight
// to text with JsonWriter instead of through QJsonObject + QJsonDocument: the server
// encodes one ack and one push per message, and a history or sync page is hundreds of
// objects. The output is byte-identical to the generic encoder (tst_protocol_codec compares
// both for many frames); keys are listed in QJsonObject's (sorted) order.
#include "codec.h"
#include "jsonwriter.h"

namespace chat::proto {

namespace {

// Writes `"key":` with a leading comma unless it is the object's first key.
template<typename Out>
class Obj
{
public:
    explicit Obj(JsonWriter<Out> &w) : m_w(w) { m_w.ch('{'); }
    void end() { m_w.ch('}'); }
    template<qsizetype N>
    JsonWriter<Out> &key(const char (&k)[N])
    {
        if (!m_first)
            m_w.ch(',');
        m_first = false;
        m_w.ch('"');
        m_w.raw(k, N - 1);
        m_w.raw("\":");
        return m_w;
    }

private:
    JsonWriter<Out> &m_w;
    bool m_first = true;
};

template<typename Out>
void write(JsonWriter<Out> &w, const Message &m);
template<typename Out>
void write(JsonWriter<Out> &w, const User &u);
template<typename Out>
void write(JsonWriter<Out> &w, const Member &m);
template<typename Out>
void write(JsonWriter<Out> &w, const ConvState &cs);

template<typename Out>
void write(JsonWriter<Out> &w, const Message &m)
{
    Obj<Out> o(w);
    o.key("client_msg_id").string(m.clientMsgId);
    o.key("content").string(m.content);
    o.key("conversation_id").string(m.conversationId);
    o.key("kind").string(m.kind);
    o.key("message_id").string(m.messageId);
    o.key("sender_id").string(m.senderId);
    o.key("seq").integer(m.seq);
    o.key("ts").integer(m.ts);
    o.end();
}

template<typename Out>
void write(JsonWriter<Out> &w, const User &u)
{
    Obj<Out> o(w);
    o.key("display_name").string(u.displayName);
    o.key("user_id").string(u.userId);
    o.key("username").string(u.username);
    o.end();
}

template<typename Out>
void write(JsonWriter<Out> &w, const Member &m)
{
    Obj<Out> o(w);
    o.key("delivered_seq").integer(m.deliveredSeq);
    o.key("read_seq").integer(m.readSeq);
    o.key("role").string(roleName(m.role));
    o.key("user_id").string(m.userId);
    o.end();
}

template<typename Out, typename T>
void writeArray(JsonWriter<Out> &w, const QList<T> &items)
{
    w.ch('[');
    bool first = true;
    for (const T &item : items) {
        if (!first)
            w.ch(',');
        first = false;
        write(w, item);
    }
    w.ch(']');
}

template<typename Out>
void write(JsonWriter<Out> &w, const Conversation &c)
{
    Obj<Out> o(w);
    o.key("conversation_id").string(c.conversationId);
    o.key("created_ts").integer(c.createdTs);
    o.key("kind").string(conversationKindName(c.kind));
    o.key("last_seq").integer(c.lastSeq);
    writeArray(o.key("members"), c.members);
    o.key("title").string(c.title);
    o.end();
}

template<typename Out>
void write(JsonWriter<Out> &w, const ConvState &cs)
{
    Obj<Out> o(w);
    write(o.key("conversation"), cs.conversation);
    writeArray(o.key("recent"), cs.recent);
    o.end();
}

template<typename Out>
void write(JsonWriter<Out> &w, const Ack &f)
{
    Obj<Out> o(w);
    o.key("client_msg_id").string(f.clientMsgId);
    o.key("conversation_id").string(f.conversationId);
    if (f.duplicate)
        o.key("duplicate").boolean(true);
    if (!f.id.isEmpty())
        o.key("id").string(f.id);
    o.key("message_id").string(f.messageId);
    o.key("seq").integer(f.seq);
    o.key("ts").integer(f.ts);
    o.key("type").raw("\"ack\"");
    o.end();
}

template<typename Out>
void write(JsonWriter<Out> &w, const MessagePush &f)
{
    Obj<Out> o(w);
    write(o.key("message"), f.message);
    o.key("type").raw("\"message\"");
    o.end();
}

template<typename Out>
void write(JsonWriter<Out> &w, const Receipt &f)
{
    Obj<Out> o(w);
    o.key("conversation_id").string(f.conversationId);
    o.key("delivered_seq").integer(f.deliveredSeq);
    o.key("read_seq").integer(f.readSeq);
    o.key("type").raw("\"receipt\"");
    o.key("user_id").string(f.userId);
    o.end();
}

template<typename Out>
void write(JsonWriter<Out> &w, const Pong &f)
{
    Obj<Out> o(w);
    if (!f.id.isEmpty())
        o.key("id").string(f.id);
    if (f.ts)
        o.key("ts").integer(*f.ts);
    o.key("type").raw("\"pong\"");
    o.end();
}

template<typename Out>
void write(JsonWriter<Out> &w, const Error &f)
{
    Obj<Out> o(w);
    o.key("code").string(errorCodeName(f.code));
    if (!f.field.isEmpty())
        o.key("field").string(f.field);
    if (!f.id.isEmpty())
        o.key("id").string(f.id);
    o.key("message").string(f.message);
    if (f.retryAfterMs)
        o.key("retry_after_ms").integer(*f.retryAfterMs);
    o.key("type").raw("\"error\"");
    o.end();
}

template<typename Out>
void write(JsonWriter<Out> &w, const HistoryResult &f)
{
    Obj<Out> o(w);
    o.key("conversation_id").string(f.conversationId);
    o.key("has_more").boolean(f.hasMore);
    if (!f.id.isEmpty())
        o.key("id").string(f.id);
    writeArray(o.key("messages"), f.messages);
    o.key("type").raw("\"history\"");
    o.end();
}

template<typename Out>
void write(JsonWriter<Out> &w, const SyncResult &f)
{
    Obj<Out> o(w);
    writeArray(o.key("conversations"), f.conversations);
    if (f.cursor)
        o.key("cursor").string(*f.cursor);
    else
        o.key("cursor").raw("null");
    if (!f.id.isEmpty())
        o.key("id").string(f.id);
    o.key("next_since").string(f.nextSince);
    o.key("type").raw("\"sync\"");
    writeArray(o.key("users"), f.users);
    o.end();
}

template<typename Out, typename F>
Out encodeAs(const F &f, qsizetype reserve)
{
    Out out;
    out.reserve(reserve);
    JsonWriter<Out> w(out);
    write(w, f);
    return out;
}

// A rough size to reserve: fixed keys plus the variable text.
qsizetype sizeOf(const Message &m)
{
    return 140 + m.content.size() + m.messageId.size() + m.conversationId.size() + m.senderId.size()
           + m.clientMsgId.size();
}
qsizetype sizeOf(const HistoryResult &f)
{
    qsizetype n = 96;
    for (const Message &m : f.messages)
        n += sizeOf(m);
    return n;
}
qsizetype sizeOf(const SyncResult &f)
{
    qsizetype n = 96 + f.users.size() * 80;
    for (const ConvState &cs : f.conversations) {
        n += 160 + cs.conversation.members.size() * 90;
        for (const Message &m : cs.recent)
            n += sizeOf(m);
    }
    return n;
}

} // namespace

#define CHAT_FAST_ENCODE(F, reserveExpr)                                                           \
    QByteArray encodeFrame(const F &f)                                                             \
    {                                                                                              \
        return encodeAs<QByteArray>(f, reserveExpr);                                               \
    }                                                                                              \
    QString encodeFrameText(const F &f)                                                            \
    {                                                                                              \
        return encodeAs<QString>(f, reserveExpr);                                                  \
    }

CHAT_FAST_ENCODE(Ack, 160 + f.id.size() + f.clientMsgId.size() + f.conversationId.size()
                          + f.messageId.size())
CHAT_FAST_ENCODE(MessagePush, 32 + sizeOf(f.message))
CHAT_FAST_ENCODE(Receipt, 120 + f.conversationId.size() + f.userId.size())
CHAT_FAST_ENCODE(Pong, 64 + f.id.size())
CHAT_FAST_ENCODE(Error, 96 + f.id.size() + f.message.size() + f.field.size())
CHAT_FAST_ENCODE(HistoryResult, sizeOf(f))
CHAT_FAST_ENCODE(SyncResult, sizeOf(f))

#undef CHAT_FAST_ENCODE

} // namespace chat::proto
