// Opens an account store offline through the installed package: proves the headers, the
// static libraries and the compiled-in SQL migrations all arrived.
#include <sync/localstore.h>
#include <sync/search.h>
#include <sync/syncengine.h>

#include <QCoreApplication>
#include <QTemporaryDir>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    chat::sync::SyncEngine engine;
    chat::sync::SyncEngine::Options options;
    options.dataDir = dir.path();
    const auto status = engine.openAccount(QUrl(QStringLiteral("ws://127.0.0.1:1")),
                                           QStringLiteral("someone"), options);
    if (!status) {
        std::fprintf(stderr, "open failed: %s\n", qPrintable(status.error().message));
        return 1;
    }
    const int version = engine.store()->schemaVersion();
    if (version < 1 || version != chat::sync::LocalStore::latestSchemaVersion()) {
        std::fprintf(stderr, "schema version %d\n", version);
        return 1;
    }
    std::printf("ok: schema %d at %s\n", version, qPrintable(engine.storePath()));
    return 0;
}
