#include "fixture.h"

#include "net/protocol/jsonreader.h"
#include "net/protocol/types.h"

#include <QFile>
#include <QJsonDocument>
#include <QSet>

using namespace Qt::StringLiterals;
using chat::proto::ErrorCode;
using chat::proto::JsonReader;
using chat::proto::Presence;

namespace chat::server {

proto::Result<Fixture> parseFixture(const QJsonObject &json)
{
    const proto::Limits l;
    proto::DecodeState st;
    JsonReader r(st, json, u"fixture"_s);
    Fixture fx;
    QSet<QString> usernames;
    const QJsonArray users = r.arrayField("users"_L1, 100000, Presence::Optional);
    for (qsizetype i = 0; r.ok() && i < users.size(); ++i) {
        const QString path = r.path("users"_L1) + u'[' + QString::number(i) + u']';
        if (!users.at(i).isObject()) {
            st.fail(ErrorCode::BadRequest, path, u"field \"%1\" must be an object"_s.arg(path));
            break;
        }
        JsonReader u(st, users.at(i).toObject(), path);
        Fixture::User fu;
        fu.username = u.string("username"_L1, 1, l.maxUsernameChars);
        fu.password = u.string("password"_L1, 1, l.maxPasswordChars);
        fu.displayName = u.string("display_name"_L1, 0, l.maxDisplayNameChars, Presence::Optional);
        if (u.ok())
            usernames.insert(fu.username);
        fx.users.append(fu);
    }
    const QJsonArray convs = r.arrayField("conversations"_L1, 100000, Presence::Optional);
    QSet<QString> keys;
    for (qsizetype i = 0; r.ok() && i < convs.size(); ++i) {
        const QString path = r.path("conversations"_L1) + u'[' + QString::number(i) + u']';
        if (!convs.at(i).isObject()) {
            st.fail(ErrorCode::BadRequest, path, u"field \"%1\" must be an object"_s.arg(path));
            break;
        }
        JsonReader c(st, convs.at(i).toObject(), path);
        Fixture::Conversation fc;
        fc.key = c.string("key"_L1, 1, l.maxIdChars);
        fc.kind = c.oneOf("kind"_L1, {"direct"_L1, "group"_L1});
        fc.title = c.string("title"_L1, 0, l.maxTitleChars, Presence::Optional);
        fc.members =
            c.stringArray("members"_L1, fc.kind == "direct"_L1 ? 2 : 1,
                          fc.kind == "direct"_L1 ? 2 : l.maxGroupSize, 1, l.maxUsernameChars);
        if (c.ok() && keys.contains(fc.key))
            c.fail(ErrorCode::BadRequest, "key"_L1,
                   u"conversation key \"%1\" is used twice"_s.arg(fc.key));
        keys.insert(fc.key);
        const QJsonArray msgs = c.arrayField("messages"_L1, 1000000, Presence::Optional);
        for (qsizetype k = 0; c.ok() && k < msgs.size(); ++k) {
            const QString mpath = c.path("messages"_L1) + u'[' + QString::number(k) + u']';
            if (!msgs.at(k).isObject()) {
                st.fail(ErrorCode::BadRequest, mpath,
                        u"field \"%1\" must be an object"_s.arg(mpath));
                break;
            }
            JsonReader m(st, msgs.at(k).toObject(), mpath);
            Fixture::Message fm;
            fm.from = m.string("from"_L1, 1, l.maxUsernameChars);
            fm.content = proto::readContent(m, "content"_L1, l);
            if (m.ok() && !fc.members.contains(fm.from))
                m.fail(ErrorCode::BadRequest, "from"_L1,
                       u"\"%1\" is not a member of conversation \"%2\""_s.arg(fm.from, fc.key));
            fc.messages.append(fm);
        }
        fx.conversations.append(fc);
    }
    if (st.error)
        return *st.error;
    return fx;
}

proto::Result<Fixture> loadFixtureFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return proto::ProtocolError{ErrorCode::BadRequest,
                                    {},
                                    u"cannot read fixture %1: %2"_s.arg(path, f.errorString()),
                                    {}};
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &perr);
    if (perr.error != QJsonParseError::NoError || !doc.isObject())
        return proto::ProtocolError{
            ErrorCode::BadRequest,
            {},
            u"fixture %1 is not a JSON object: %2 (offset %3)"_s.arg(path, perr.errorString())
                .arg(perr.offset),
            {}};
    auto r = parseFixture(doc.object());
    if (!r.ok()) {
        auto e = r.error();
        e.message = u"fixture %1: %2"_s.arg(path, e.message);
        return e;
    }
    return r;
}

} // namespace chat::server
