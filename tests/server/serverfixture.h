// Starts a ChatServer in process on 127.0.0.1, port 0, on a fresh temporary data folder,
// and hands out connected TestClients.
#pragma once

#include "chatserver.h"
#include "testclient.h"

#include <QTemporaryDir>
#include <memory>

struct ServerFixture {
    QTemporaryDir dir;
    std::unique_ptr<chat::server::ChatServer> server;
    QList<TestClient *> clients;
    int autoPingMs = 0; // applied to every client connect() hands out

    ~ServerFixture() { reset(); }
    bool start(chat::server::ServerConfig cfg = {})
    {
        if (cfg.dataDir.isEmpty())
            cfg.dataDir = dir.path();
        server = std::make_unique<chat::server::ChatServer>(cfg);
        QString err;
        if (!server->start(&err)) {
            qWarning("server did not start: %s", qPrintable(err));
            return false;
        }
        return true;
    }
    void reset()
    {
        qDeleteAll(clients);
        clients.clear();
        if (server)
            server->stop();
        server.reset();
    }
    TestClient *connect()
    {
        auto *c = new TestClient;
        clients.append(c);
        if (autoPingMs > 0)
            c->setAutoPing(autoPingMs);
        if (!c->open(server->url()))
            qWarning("could not connect to %s", qPrintable(server->url().toString()));
        return c;
    }
    // A connected client registered as a fresh user (name made unique).
    TestClient *user(const QString &base)
    {
        TestClient *c = connect();
        c->registerUser(uniqueName(base));
        return c;
    }
    // A second connection of the same user, resumed with its token.
    TestClient *sameUser(TestClient *of)
    {
        TestClient *c = connect();
        c->auth(of->token());
        return c;
    }
};
