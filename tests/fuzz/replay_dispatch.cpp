// tst_fuzz_dispatch_replay: runs every input of the committed dispatch corpus (and any file or
// folder given) through DispatchHarness in an ordinary build, so the invariants are checked on
// every CI run, not only in the clang fuzz build. Fails (abort) on a violated invariant, and
// fails when the inputs never got past authorization (no ack, history or sync answer seen):
// then the harness' fixture or login is broken and fuzzing would only test auth failures.
#include "dispatchharness.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <cstdio>

using namespace Qt::StringLiterals;

int main(int argc, char **argv)
{
    qputenv("QT_LOGGING_RULES", "chat.*=false");
    QCoreApplication app(argc, argv);
    QStringList files;
    for (const QString &arg : app.arguments().mid(1)) {
        const QFileInfo fi(arg);
        if (fi.isDir()) {
            const QDir dir(arg);
            for (const QString &f : dir.entryList(QDir::Files, QDir::Name))
                files.append(dir.filePath(f));
        } else {
            files.append(arg);
        }
    }
    if (files.isEmpty()) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    fuzz::DispatchHarness harness;
    QString error;
    if (!harness.init(&error)) {
        std::fprintf(stderr, "setup failed: %s\n", qUtf8Printable(error));
        return 1;
    }
    for (const QString &path : std::as_const(files)) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "cannot read %s: %s\n", qUtf8Printable(path),
                         qUtf8Printable(f.errorString()));
            return 1;
        }
        harness.run(f.readAll());
    }
    const QHash<QString, int> &seen = harness.answersByType();
    std::printf("replayed %d inputs; answers by type:", int(files.size()));
    for (auto it = seen.begin(); it != seen.end(); ++it)
        std::printf(" %s=%d", qUtf8Printable(it.key()), it.value());
    std::printf("\n");
    for (const char *type : {"ack", "history", "sync"}) {
        if (seen.value(QString::fromLatin1(type)) == 0) {
            std::fprintf(stderr, "no \"%s\" answer: the inputs never got past authorization\n",
                         type);
            return 1;
        }
    }
    return 0;
}
