// Small request builders shared by the server tests.
#pragma once

#include "testclient.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

inline QString typeOf(const QJsonObject &f)
{
    return f.value("type"_L1).toString();
}
inline QString codeOf(const QJsonObject &f)
{
    return f.value("code"_L1).toString();
}
inline QJsonObject createDirect(TestClient *c, const QString &otherId)
{
    return c->request({{"type"_L1, u"create_conversation"_s},
                       {"kind"_L1, u"direct"_s},
                       {"members"_L1, QJsonArray{otherId}}});
}
inline QJsonObject createGroup(TestClient *c, const QString &title, const QStringList &ids)
{
    return c->request({{"type"_L1, u"create_conversation"_s},
                       {"kind"_L1, u"group"_s},
                       {"title"_L1, title},
                       {"members"_L1, QJsonArray::fromStringList(ids)}});
}
inline QString convId(const QJsonObject &conversationFrame)
{
    return conversationFrame.value("conversation"_L1)
        .toObject()
        .value("conversation_id"_L1)
        .toString();
}
inline QJsonObject sendMsg(TestClient *c, const QString &conv, const QString &cmid,
                           const QString &content)
{
    return c->request({{"type"_L1, u"send"_s},
                       {"conversation_id"_L1, conv},
                       {"client_msg_id"_L1, cmid},
                       {"content"_L1, content}});
}
inline QJsonObject history(TestClient *c, const QString &conv, const QJsonObject &extra = {})
{
    QJsonObject o{{"type"_L1, u"history"_s}, {"conversation_id"_L1, conv}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        o.insert(it.key(), it.value());
    return c->request(o);
}
inline QJsonObject syncReq(TestClient *c, const QJsonValue &since, const QJsonValue &cursor,
                           int limit = 20, int recent = 20)
{
    return c->request({{"type"_L1, u"sync"_s},
                       {"since"_L1, since},
                       {"cursor"_L1, cursor},
                       {"limit"_L1, limit},
                       {"recent"_L1, recent}});
}
inline QList<qint64> seqsOf(const QJsonArray &messages)
{
    QList<qint64> out;
    for (const QJsonValue &v : messages)
        out.append(v.toObject().value("seq"_L1).toInteger());
    return out;
}
