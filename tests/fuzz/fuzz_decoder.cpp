// libFuzzer target for the protocol decoder. Properties checked on every input:
// no crash, no sanitizer report, an error always carries a message, and anything that
// decodes re-encodes to bytes that decode to the same frame (the codec is a bijection on
// what it accepts).
#include "net/protocol/codec.h"

#include <cstdio>
#include <cstdlib>

using namespace chat::proto;

namespace {
template<typename Frame, typename Decode>
void check(QByteArrayView in, Decode decode)
{
    auto r = decode(in, Limits{});
    if (!r.ok()) {
        if (r.error().message.isEmpty()) {
            std::fprintf(stderr, "error without a message\n");
            std::abort();
        }
        return;
    }
    const QByteArray again = encode(r.value());
    auto r2 = decode(again, Limits{});
    if (!r2.ok() || !(r2.value() == r.value())) {
        std::fprintf(stderr, "round trip mismatch: %s\n", again.constData());
        std::abort();
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView in(reinterpret_cast<const char *>(data), qsizetype(size));
    check<ClientFrame>(in, decodeClientFrame);
    check<ServerFrame>(in, decodeServerFrame);
    return 0;
}
