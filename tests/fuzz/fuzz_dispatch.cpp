// libFuzzer target for the server's dispatch: fuzzer input drives in-memory sessions of a real
// ChatServer (DispatchHarness: input format, fixture and the invariants checked). No socket:
// frames go straight from the input to Session over MemoryTransport.
#include "dispatchharness.h"

#include <QCoreApplication>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace {
fuzz::DispatchHarness *g_harness;

// At exit: how far the inputs got (answers by type) and what reconnecting cost; then the
// server stops and its temporary folder (on /dev/shm: memory) goes.
void atExit()
{
    std::fprintf(stderr, "fuzz_dispatch: answers by type:");
    const QHash<QString, int> &seen = g_harness->answersByType();
    for (auto it = seen.begin(); it != seen.end(); ++it)
        std::fprintf(stderr, " %s=%d", qUtf8Printable(it.key()), it.value());
    std::fprintf(stderr, "; reconnects %d, password logins %d (%lld ms)\n", g_harness->reconnects(),
                 g_harness->passwordLogins(), static_cast<long long>(g_harness->passwordLoginMs()));
    delete std::exchange(g_harness, nullptr);
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    qputenv("QT_LOGGING_RULES", "chat.*=false");
    new QCoreApplication(*argc, *argv); // lives as long as the process
    g_harness = new fuzz::DispatchHarness;
    QString error;
    if (!g_harness->init(&error)) {
        std::fprintf(stderr, "fuzz_dispatch: setup failed: %s\n", qUtf8Printable(error));
        std::abort();
    }
    std::atexit(atExit);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_harness->run(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)));
    return 0;
}
