// Router: delivers an already-encoded frame to the live connections of a set of users
// (LocalRouter wraps it in one PreparedFrame: UTF-8 and WebSocket framing happen once).
// The interface is what a cross-node router (Redis Pub/Sub, issue 6) implements too;
// exceptSession skips one connection (the requester, who gets an answer instead).
// LocalRouter is the in-process one: a registry of this process's sessions by user.
#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace chat::server {

class Session;
enum class OutKind { Answer, Ack, Push };

class Router
{
public:
    virtual ~Router() = default;
    virtual void attach(Session *s) = 0; // after the session authenticated as a user
    virtual void detach(Session *s) = 0;
    virtual int connectionCount(const QString &userId) const = 0;
    virtual QList<Session *> sessionsOf(const QString &userId) const = 0;
    // Sends the same frame (encoded once by the caller) to every connection of every user
    // listed, skipping every connection of exceptUserId. Returns the number of deliveries.
    virtual int toUsers(const QStringList &userIds, const QString &frame, OutKind kind,
                        const QString &exceptUserId = {},
                        const Session *exceptSession = nullptr) = 0;
};

class LocalRouter : public Router
{
public:
    void attach(Session *s) override;
    void detach(Session *s) override;
    int connectionCount(const QString &userId) const override;
    QList<Session *> sessionsOf(const QString &userId) const override;
    int toUsers(const QStringList &userIds, const QString &frame, OutKind kind,
                const QString &exceptUserId = {}, const Session *exceptSession = nullptr) override;
    int usersOnline() const { return int(m_byUser.size()); }

private:
    QHash<QString, QList<Session *>> m_byUser;
};

} // namespace chat::server
