// The example of docs/SYNC_ENGINE.md, verbatim: compiled against the installed package by
// tests/sync/package-test.sh so the documentation stays true.
#include <QCoreApplication>
#include <sync/syncengine.h>
using namespace chat::sync;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    SyncEngine engine;
    SyncEngine::Options options;
    options.dataDir = u"/tmp/chat-profile"_qs; // default: AppDataLocation/accounts
    const QUrl server(u"ws://127.0.0.1:8080"_qs);
    if (Status s = engine.openAccount(server, u"alice"_qs, options); !s)
        return qCritical("%s", qPrintable(s.error().message)), 7; // works offline from here on

    QObject::connect(&engine, &SyncEngine::changes, [&](const ChangeBatch &batch) {
        for (const auto &[conversationId, changes] : batch.messages.asKeyValueRange())
            for (const MessageChange &c : changes)
                if (c.kind == MessageChange::Kind::Inserted && !c.message.outgoing)
                    qInfo("%s: %s", qPrintable(conversationId), qPrintable(c.message.content));
    });
    QObject::connect(&engine, &SyncEngine::stateChanged, [&](SyncEngine::State s) {
        if (s != SyncEngine::State::Online)
            return;
        if (auto bob = engine.findConversation(u"bob"_qs)) // id, exact title or username
            engine.send(bob->conversationId, u"hello from the example"_qs);
    });
    QObject::connect(&engine, &SyncEngine::authFailed, &app, [] { QCoreApplication::exit(4); });

    chat::net::Credentials credentials;
    credentials.username = u"alice"_qs;
    credentials.password = u"alice-pw"_qs; // or .token from a previous tokenChanged()
    engine.connectToServer(credentials);
    return app.exec();
}
