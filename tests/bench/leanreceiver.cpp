#include "leanreceiver.h"

#include "benchutil.h"
#include "net/protocol/codec.h"
#include "population.h"

#include <QByteArray>
#include <QCryptographicHash>
#include <QFile>
#include <QHostAddress>
#include <QRandomGenerator>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <utility>
#include <vector>

using namespace Qt::StringLiterals;

namespace chat::bench {

namespace {

constexpr int kHeadMax = 1024; // payload bytes kept of a sampled or setup frame
constexpr int kHeadPlain = 24; // … of any other frame: enough for a leading type key
constexpr int kTail = 20;      // last payload bytes: for a trailing type key
constexpr size_t kReadChunk = 256 * 1024;
constexpr int kOpening = 32;                      // handshakes in flight
constexpr qint64 kPingEveryNs = 10'000'000'000LL; // servers close links silent for 2 × 30 s
constexpr std::string_view kTypeFirst = R"({"type":"message")";
constexpr std::string_view kTypeLast = R"("type":"message"})";
constexpr std::string_view kContent = R"("content":"t)";

// One receiving connection: its handshake state and its place in the frame it is reading.
struct Conn {
    enum class Phase { Connecting, Upgrading, Authing, Open, Closed };
    int fd = -1;
    Phase phase = Phase::Connecting;
    QByteArray token, http, accept;
    // frame walker
    uint8_t hdr[14];
    int hdrHave = 0;
    bool inPayload = false;
    uint8_t opcode = 0;
    uint64_t remaining = 0;
    char head[kHeadMax];
    int headLen = 0, headCap = 0;
    char tail[kTail];
    int tailLen = 0;
    // counts
    qint64 textFrames = 0;
    qint64 messages = 0, reported = 0;
    qint64 lastSendNs = 0;
};

bool contains(const char *p, int n, std::string_view what)
{
    return std::string_view(p, size_t(n)).find(what) != std::string_view::npos;
}

class Worker
{
public:
    Worker(const QUrl &url, int sampleEvery, int coalesceUs, bool rawSamples)
        : m_url(url),
          m_sampleEvery(qMax(1, sampleEvery)),
          m_coalesceNs(qint64(coalesceUs) * 1000),
          m_rawSamples(rawSamples)
    {
        m_buf.resize(kReadChunk);
    }

    int run(const QList<QByteArray> &tokens);

private:
    bool startConnect(int i);
    void onWritable(Conn &c, int i);
    void onReadable(Conn &c);
    void upgrade(Conn &c, const char *p, size_t n, qint64 now);
    void feed(Conn &c, const uint8_t *p, size_t n, qint64 now);
    void endFrame(Conn &c, qint64 now);
    bool sendFrame(Conn &c, uint8_t opcode, const char *p, size_t n);
    void fail(Conn &c, const QString &why);
    void readCommands();
    void report(qint64 now, bool force);

    QUrl m_url;
    int m_sampleEvery;
    qint64 m_coalesceNs; // least time between two passes over the ready sockets
    bool m_rawSamples;   // report (sent, read) pairs instead of their difference
    sockaddr_in m_addr{};
    int m_ep = -1;
    std::vector<Conn> m_conns;
    std::vector<char> m_buf;
    std::string m_stdin;
    std::vector<std::pair<qint64, qint64>> m_samples; // (sent ns, read ns)
    qint64 m_messages = 0, m_other = 0, m_lastNs = 0, m_closed = 0;
    qint64 m_reportedMessages = -1, m_reportedClosed = -1, m_lastReportNs = 0;
    int m_open = 0, m_failed = 0;
    QString m_firstError;
    bool m_quit = false;
    quint32 m_rng = 0x9e3779b9u;
};

void Worker::fail(Conn &c, const QString &why)
{
    if (c.phase != Conn::Phase::Open)
        ++m_failed;
    else
        ++m_closed;
    if (m_firstError.isEmpty())
        m_firstError = why;
    c.phase = Conn::Phase::Closed;
    if (c.fd >= 0) {
        ::close(c.fd); // also leaves the epoll set
        c.fd = -1;
    }
}

bool Worker::startConnect(int i)
{
    Conn &c = m_conns[size_t(i)];
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        fail(c, u"socket: "_s + QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(c.fd, reinterpret_cast<sockaddr *>(&m_addr), sizeof m_addr) < 0
        && errno != EINPROGRESS) {
        fail(c, u"connect: "_s + QString::fromLocal8Bit(strerror(errno)));
        return false;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = uint64_t(i);
    epoll_ctl(m_ep, EPOLL_CTL_ADD, c.fd, &ev);
    return true;
}

void Worker::onWritable(Conn &c, int i)
{
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0)
        return fail(c, u"connect: "_s + QString::fromLocal8Bit(strerror(err)));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = uint64_t(i);
    epoll_ctl(m_ep, EPOLL_CTL_MOD, c.fd, &ev);
    QByteArray key(16, Qt::Uninitialized);
    for (char &b : key)
        b = char(QRandomGenerator::global()->bounded(256));
    key = key.toBase64();
    const QByteArray keyed = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; // RFC 6455 §4.2.2
    c.accept = QCryptographicHash::hash(keyed, QCryptographicHash::Sha1).toBase64();
    const QByteArray path = m_url.path().isEmpty() ? QByteArray("/") : m_url.path().toUtf8();
    const QByteArray req = "GET " + path + " HTTP/1.1\r\nHost: " + m_url.host().toUtf8() + ':'
                           + QByteArray::number(m_url.port(80))
                           + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: "
                           + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    if (::send(c.fd, req.constData(), size_t(req.size()), MSG_NOSIGNAL) != req.size())
        return fail(c, u"cannot send the upgrade request"_s);
    c.phase = Conn::Phase::Upgrading;
}

// The 101 answer, then straight into frames with whatever followed it in the same read.
void Worker::upgrade(Conn &c, const char *p, size_t n, qint64 now)
{
    c.http.append(p, qsizetype(n));
    const qsizetype end = c.http.indexOf("\r\n\r\n");
    if (end < 0) {
        if (c.http.size() > 16384)
            fail(c, u"no end to the upgrade answer"_s);
        return;
    }
    const QByteArray headers = c.http.left(end + 2).toLower();
    if (!c.http.startsWith("HTTP/1.1 101"))
        return fail(c, u"upgrade refused: "_s
                           + QString::fromLatin1(c.http.left(c.http.indexOf('\r'))));
    const QByteArray acceptLine = "\r\nsec-websocket-accept: " + c.accept.toLower() + "\r\n";
    if (!headers.contains(acceptLine))
        return fail(c, u"upgrade answer without the right Sec-WebSocket-Accept"_s);
    const QByteArray rest = c.http.mid(end + 4);
    c.http.clear();
    c.phase = Conn::Phase::Authing;
    proto::AuthRequest auth;
    auth.id = u"a1"_s;
    auth.token = QString::fromUtf8(c.token);
    const QByteArray frame = proto::encodeFrame(auth);
    if (!sendFrame(c, 0x1, frame.constData(), size_t(frame.size())))
        return fail(c, u"cannot send auth"_s);
    if (!rest.isEmpty())
        feed(c, reinterpret_cast<const uint8_t *>(rest.constData()), size_t(rest.size()), now);
}

// A client frame: always masked (RFC 6455 §5.3).
bool Worker::sendFrame(Conn &c, uint8_t opcode, const char *p, size_t n)
{
    std::string f;
    f.reserve(n + 8);
    f.push_back(char(0x80 | opcode));
    if (n < 126) {
        f.push_back(char(0x80 | n));
    } else {
        f.push_back(char(0x80 | 126));
        f.push_back(char((n >> 8) & 0xff));
        f.push_back(char(n & 0xff));
    }
    uint8_t mask[4];
    for (uint8_t &m : mask) {
        m_rng ^= m_rng << 13;
        m_rng ^= m_rng >> 17;
        m_rng ^= m_rng << 5;
        m = uint8_t(m_rng);
    }
    f.append(reinterpret_cast<const char *>(mask), 4);
    for (size_t i = 0; i < n; ++i)
        f.push_back(char(uint8_t(p[i]) ^ mask[i % 4]));
    c.lastSendNs = nowNs();
    // Small frames on a socket that only receives: the send buffer is empty, so all or error.
    return ::send(c.fd, f.data(), f.size(), MSG_NOSIGNAL) == ssize_t(f.size());
}

void Worker::onReadable(Conn &c)
{
    const ssize_t n = ::read(c.fd, m_buf.data(), m_buf.size());
    // The time of this read (vDSO, tens of ns): deliveries in it were read now, not when the
    // loop woke up, which may be a thousand reads earlier.
    const qint64 now = nowNs();
    if (n == 0)
        return fail(c, u"closed by the server"_s);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return;
        return fail(c, u"read: "_s + QString::fromLocal8Bit(strerror(errno)));
    }
    if (c.phase == Conn::Phase::Upgrading)
        upgrade(c, m_buf.data(), size_t(n), now);
    else
        feed(c, reinterpret_cast<const uint8_t *>(m_buf.data()), size_t(n), now);
}

// Walks the frames in a chunk: headers are gathered (they may straddle reads), payloads are
// skipped except for the few bytes that say what the frame is.
void Worker::feed(Conn &c, const uint8_t *p, size_t n, qint64 now)
{
    while (n > 0 && c.phase != Conn::Phase::Closed) {
        if (!c.inPayload) {
            c.hdr[c.hdrHave++] = *p++;
            --n;
            if (c.hdrHave < 2)
                continue;
            const uint8_t len7 = c.hdr[1] & 0x7f;
            if (c.hdr[1] & 0x80)
                return fail(c, u"a masked frame from the server"_s);
            const int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
            // Gather the rest of the header in one go when it is all here.
            while (c.hdrHave < need && n > 0) {
                c.hdr[c.hdrHave++] = *p++;
                --n;
            }
            if (c.hdrHave < need)
                continue;
            uint64_t len = len7;
            if (len7 == 126)
                len = (uint64_t(c.hdr[2]) << 8) | c.hdr[3];
            else if (len7 == 127)
                for (int i = 2; i < 10; ++i)
                    len = (len << 8) | c.hdr[i];
            c.opcode = c.hdr[0] & 0x0f;
            c.hdrHave = 0;
            c.inPayload = true;
            c.remaining = len;
            c.headLen = c.tailLen = 0;
            if (c.opcode == 0x1) {
                const bool sample =
                    c.phase == Conn::Phase::Open && (++c.textFrames % m_sampleEvery) == 0;
                c.headCap = (sample || c.phase != Conn::Phase::Open) ? kHeadMax : kHeadPlain;
            } else {
                c.headCap = c.opcode >= 0x8 ? 125 : 0;
            }
            if (len == 0)
                endFrame(c, now);
            continue;
        }
        const size_t k = size_t(qMin<uint64_t>(c.remaining, n));
        if (c.headLen < c.headCap) {
            const int take = int(qMin<size_t>(k, size_t(c.headCap - c.headLen)));
            memcpy(c.head + c.headLen, p, size_t(take));
            c.headLen += take;
        }
        if (k >= size_t(kTail)) {
            memcpy(c.tail, p + k - kTail, kTail);
            c.tailLen = kTail;
        } else {
            const int keep = qMin(c.tailLen, kTail - int(k));
            memmove(c.tail, c.tail + c.tailLen - keep, size_t(keep));
            memcpy(c.tail + keep, p, k);
            c.tailLen = keep + int(k);
        }
        p += k;
        n -= k;
        c.remaining -= k;
        if (c.remaining == 0)
            endFrame(c, now);
    }
}

void Worker::endFrame(Conn &c, qint64 now)
{
    c.inPayload = false;
    switch (c.opcode) {
    case 0x9: // ping: answer with its payload
        if (!sendFrame(c, 0xA, c.head, size_t(c.headLen)))
            fail(c, u"cannot answer a ping"_s);
        return;
    case 0x8: return fail(c, u"close frame from the server"_s);
    case 0x1: break;
    default: // pong, continuation: not a delivery
        ++m_other;
        return;
    }
    if (c.phase == Conn::Phase::Authing) {
        if (contains(c.head, c.headLen, R"("type":"auth_ok")")) {
            c.phase = Conn::Phase::Open;
            ++m_open;
        } else if (contains(c.head, c.headLen, R"("type":"error")")) {
            fail(c, u"auth refused: "_s + QString::fromUtf8(c.head, c.headLen));
        }
        return;
    }
    const bool message = std::string_view(c.head, size_t(c.headLen)).starts_with(kTypeFirst)
                         || std::string_view(c.tail, size_t(c.tailLen)).ends_with(kTypeLast);
    if (!message) {
        ++m_other;
        return;
    }
    ++c.messages;
    ++m_messages;
    m_lastNs = now;
    if (c.headCap != kHeadMax)
        return;
    const std::string_view h(c.head, size_t(c.headLen));
    const size_t at = h.find(kContent);
    if (at == std::string_view::npos)
        return;
    qint64 sent = 0;
    size_t i = at + kContent.size();
    for (; i < h.size() && h[i] >= '0' && h[i] <= '9'; ++i)
        sent = sent * 10 + (h[i] - '0');
    if (i < h.size() && i > at + kContent.size() && sent > 0)
        m_samples.emplace_back(sent, now);
}

void Worker::report(qint64 now, bool force)
{
    if (!force
        && (now - m_lastReportNs < 10'000'000
            || (m_messages == m_reportedMessages && m_closed == m_reportedClosed)))
        return;
    printf("count %lld %lld %lld %lld\n", m_messages, m_lastNs, m_other, m_closed);
    fflush(stdout);
    m_reportedMessages = m_messages;
    m_reportedClosed = m_closed;
    m_lastReportNs = now;
}

void Worker::readCommands()
{
    char buf[4096];
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) {
        m_quit = true;
        return;
    }
    m_stdin.append(buf, size_t(n));
    size_t nl;
    while ((nl = m_stdin.find('\n')) != std::string::npos) {
        const std::string cmd = m_stdin.substr(0, nl);
        m_stdin.erase(0, nl + 1);
        if (cmd == "quit") {
            m_quit = true;
        } else if (cmd == "stats") {
            report(nowNs(), true);
            std::string line = "stats " + std::to_string(m_conns.size());
            for (Conn &c : m_conns) {
                line += ' ' + std::to_string(c.messages - c.reported);
                c.reported = c.messages;
            }
            line += " |";
            for (const auto &[sent, read] : m_samples) {
                line += ' ';
                if (m_rawSamples)
                    line += std::to_string(sent) + ',' + std::to_string(read);
                else
                    line += std::to_string(read - sent);
            }
            m_samples.clear();
            line += '\n';
            fwrite(line.data(), 1, line.size(), stdout);
            fflush(stdout);
        }
    }
}

int Worker::run(const QList<QByteArray> &tokens)
{
    QHostAddress host(m_url.host() == "localhost"_L1 ? u"127.0.0.1"_s : m_url.host());
    if (host.protocol() != QAbstractSocket::IPv4Protocol || m_url.scheme() != "ws"_L1) {
        fprintf(stderr, "fanout-worker: needs a ws:// URL with an IPv4 address\n");
        return 2;
    }
    m_addr.sin_family = AF_INET;
    m_addr.sin_port = htons(quint16(m_url.port(80)));
    m_addr.sin_addr.s_addr = htonl(host.toIPv4Address());
    m_ep = epoll_create1(EPOLL_CLOEXEC);
    m_conns.resize(size_t(tokens.size()));
    for (qsizetype i = 0; i < tokens.size(); ++i)
        m_conns[size_t(i)].token = tokens.at(i);
    epoll_event in{};
    in.events = EPOLLIN;
    in.data.u64 = ~uint64_t(0);
    epoll_ctl(m_ep, EPOLL_CTL_ADD, STDIN_FILENO, &in);

    const int total = int(m_conns.size());
    int next = 0;
    bool ready = false;
    const qint64 openDeadline = nowNs() + 120'000'000'000LL;
    size_t pingNext = 0;
    std::vector<epoll_event> events(1024);
    while (!m_quit) {
        if (!ready) {
            while (next < total && next - m_open - m_failed < kOpening)
                startConnect(next++);
            if (m_open + m_failed == total || nowNs() > openDeadline) {
                ready = true;
                const int failed = total - m_open;
                printf("ready %d %d %s\n", m_open, failed,
                       qPrintable(QString(m_firstError).replace(u'\n', u' ')));
                fflush(stdout);
            }
        }
        const int n = epoll_wait(m_ep, events.data(), int(events.size()), 10);
        const qint64 now = nowNs();
        for (int e = 0; e < n; ++e) {
            const uint64_t id = events[size_t(e)].data.u64;
            if (id == ~uint64_t(0)) {
                readCommands();
                continue;
            }
            Conn &c = m_conns[size_t(id)];
            if (c.phase == Conn::Phase::Closed)
                continue;
            if (c.phase == Conn::Phase::Connecting) {
                if (events[size_t(e)].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                    onWritable(c, int(id));
                continue;
            }
            onReadable(c);
        }
        // Heartbeat: a protocol ping from every open connection at least every 10 s.
        for (int k = 0; k < 16 && total > 0; ++k) {
            Conn &c = m_conns[pingNext++ % size_t(total)];
            if (c.phase == Conn::Phase::Open && now - c.lastSendNs > kPingEveryNs) {
                const QByteArray ping =
                    "{\"type\":\"ping\",\"ts\":" + QByteArray::number(now / 1000) + '}';
                if (!sendFrame(c, 0x1, ping.constData(), size_t(ping.size())))
                    fail(c, u"cannot send a ping"_s);
            }
        }
        if (ready)
            report(now, false);
        // Coalescing: a server that writes each frame on its own (the peer) would otherwise
        // wake this loop and cost a read per frame; waiting lets frames gather in the socket
        // buffers, at the price of up to m_coalesceNs more measured latency.
        if (ready && n > 0 && m_coalesceNs > 0) {
            const qint64 left = m_coalesceNs - (nowNs() - now);
            if (left > 0) {
                const timespec ts{0, long(left)};
                nanosleep(&ts, nullptr);
            }
        }
    }
    for (Conn &c : m_conns)
        if (c.fd >= 0)
            ::close(c.fd);
    ::close(m_ep);
    return 0;
}

} // namespace

int runFanoutWorker(const QUrl &url, const QString &tokenFile, int sampleEvery, int coalesceUs,
                    bool rawSamples)
{
    const auto accounts = readTokenFile(tokenFile);
    if (!accounts) {
        fprintf(stderr, "fanout-worker: cannot read %s\n", qPrintable(tokenFile));
        return 2;
    }
    QList<QByteArray> tokens;
    for (const Account &a : *accounts)
        tokens.append(a.token.toUtf8());
    Worker w(url, sampleEvery, coalesceUs, rawSamples);
    return w.run(tokens);
}

} // namespace chat::bench
