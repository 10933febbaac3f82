// chat-history-check FILE.jsonl: re-check a recorded reliability history offline (the checks
// of tests/reliability/history.cpp). Prints the figures; exit 0 = no violation, 1 = violations
// (listed), 2 = usage.
#include "history.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() != 2 || args[1] == QLatin1String("--help")) {
        std::fprintf(stderr, "usage: chat-history-check HISTORY.jsonl\n");
        return 2;
    }
    const auto r = chat::reliability::checkHistory(args[1]);
    std::printf("%s\n", qPrintable(r.summary()));
    for (const QString &v : r.violations)
        std::printf("VIOLATION: %s\n", qPrintable(v));
    return r.violations.isEmpty() ? 0 : 1;
}
