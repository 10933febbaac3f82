// libFuzzer target for chat-server's native WebSocket frame decoder
// (server-mock/nativews/framecodec). Properties checked on every input: no crash, no
// sanitizer report; the events are the same whether the bytes come whole, a byte at a time or
// in slices chosen by the input; no message exceeds the limit; an error is 1002, 1007 or 1009
// and comes at most once; nothing is reported after a close.
#include "nativews/framecodec.h"

#include <QStringList>
#include <cstdio>
#include <cstdlib>

using namespace chat::server::nativews;

namespace {
constexpr qint64 kMax = 4096;

[[noreturn]] void failWith(const char *what)
{
    std::fprintf(stderr, "%s\n", what);
    std::abort();
}

class Recorder final : public FrameSink
{
public:
    QStringList events;
    int errors = 0;
    bool closed = false;
    void note(const QString &e)
    {
        if (closed)
            failWith("event after a close");
        events << e;
    }
    void onText(const QString &t) override
    {
        if (t.toUtf8().size() > kMax)
            failWith("text message over the limit");
        note(QStringLiteral("t") + t);
    }
    void onBinary(const QByteArray &d) override
    {
        if (d.size() > kMax)
            failWith("binary message over the limit");
        note(QStringLiteral("b") + QString::fromLatin1(d.toHex()));
    }
    void onPing(const QByteArray &p) override
    {
        if (p.size() > 125)
            failWith("ping over 125 bytes");
        note(QStringLiteral("p") + QString::fromLatin1(p.toHex()));
    }
    void onPong(const QByteArray &p) override
    {
        note(QStringLiteral("o") + QString::fromLatin1(p.toHex()));
    }
    void onClose(int code, const QString &reason) override
    {
        note(QStringLiteral("c%1 ").arg(code) + reason);
        closed = true;
    }
    void onError(int code, const QString &reason) override
    {
        if (code != 1002 && code != 1007 && code != 1009)
            failWith("unexpected error code");
        if (reason.isEmpty())
            failWith("error without a reason");
        if (++errors > 1)
            failWith("two errors");
        note(QStringLiteral("e%1").arg(code));
    }
};

QStringList run(const char *data, size_t size, int mode, quint8 seed)
{
    FrameDecoder d(kMax);
    Recorder r;
    size_t at = 0;
    quint32 step = seed | 1;
    while (at < size) {
        size_t n = size - at;
        if (mode == 1)
            n = 1;
        else if (mode == 2)
            n = std::min<size_t>(n, (step = step * 1103515245u + 12345u) % 97 + 1);
        d.feed(data + at, qsizetype(n), r);
        at += n;
    }
    return r.events;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const quint8 seed = data[0];
    const char *bytes = reinterpret_cast<const char *>(data + 1);
    const QStringList whole = run(bytes, size - 1, 0, seed);
    if (run(bytes, size - 1, 1, seed) != whole)
        failWith("byte-at-a-time decoding differs");
    if (run(bytes, size - 1, 2, seed) != whole)
        failWith("sliced decoding differs");
    return 0;
}
