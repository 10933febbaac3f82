// Fixture (protocol §15): users, conversations and their messages, referenced by username
// and by a fixture-local conversation key. Parsed strictly (errors name the field) on the
// network thread; the store then loads it idempotently.
#pragma once

#include "net/protocol/result.h"

#include <QJsonObject>
#include <QList>
#include <QStringList>

namespace chat::server {

struct Fixture {
    struct User {
        QString username, password, displayName;
    };
    struct Message {
        QString from, content;
    };
    struct Conversation {
        QString key, kind, title; // kind: "direct" | "group"
        QStringList members;      // usernames
        QList<Message> messages;
    };
    QList<User> users;
    QList<Conversation> conversations;
};

proto::Result<Fixture> parseFixture(const QJsonObject &json);
// Reads and parses a fixture file; errors are sentences naming the file.
proto::Result<Fixture> loadFixtureFile(const QString &path);

} // namespace chat::server
