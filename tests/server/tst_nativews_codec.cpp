// The native WebSocket frame codec (server-mock/nativews/framecodec): every frame a client may
// send, every violation with the close code it earns, and the same streams fed whole, byte
// by byte and in random slices, which must decode identically.
#include "nativews/framecodec.h"
#include "preparedframe.h"

#include <QRandomGenerator>
#include <QTest>
#include <QtEndian>

using namespace Qt::StringLiterals;
using namespace chat::server::nativews;

namespace {

// What the decoder reported, as one line per event ("text:hi", "error:1002", ...).
class Recorder final : public FrameSink
{
public:
    QStringList events;
    void onText(const QString &t) override { events << u"text:"_s + t; }
    void onBinary(const QByteArray &d) override
    {
        events << u"binary:"_s + QString::fromLatin1(d.toHex());
    }
    void onPing(const QByteArray &p) override { events << u"ping:"_s + QString::fromLatin1(p); }
    void onPong(const QByteArray &p) override { events << u"pong:"_s + QString::fromLatin1(p); }
    void onClose(int code, const QString &reason) override
    {
        events << u"close:%1:%2"_s.arg(code).arg(reason);
    }
    void onError(int code, const QString &) override { events << u"error:%1"_s.arg(code); }
};

// A client frame: masked unless told otherwise; `rsv` ORs into the first byte; `lenBytes`
// forces the 16- or 64-bit length form.
QByteArray frame(int opcode, const QByteArray &payload, bool fin = true, bool masked = true,
                 int rsv = 0, int lenBytes = 0)
{
    QByteArray f;
    f.append(char((fin ? 0x80 : 0) | rsv | (opcode & 0x0f)));
    const quint64 len = quint64(payload.size());
    const char maskBit = masked ? char(0x80) : char(0);
    if (len < 126 && lenBytes == 0) {
        f.append(char(maskBit | char(len)));
    } else if (len < 65536 && lenBytes != 8) {
        f.append(char(maskBit | 126));
        char b[2];
        qToBigEndian<quint16>(quint16(len), b);
        f.append(b, 2);
    } else {
        f.append(char(maskBit | 127));
        char b[8];
        qToBigEndian<quint64>(len, b);
        f.append(b, 8);
    }
    const char mask[4] = {char(0x37), char(0xfa), char(0x21), char(0x3d)};
    if (masked)
        f.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(masked ? char(payload.at(i) ^ mask[i % 4]) : payload.at(i));
    return f;
}

QByteArray closePayload(int code, const QByteArray &reason = {})
{
    char b[2];
    qToBigEndian<quint16>(quint16(code), b);
    return QByteArray(b, 2) + reason;
}

constexpr qint64 kMax = 1024;

QStringList decodeWhole(const QByteArray &stream, qint64 max = kMax)
{
    FrameDecoder d(max);
    Recorder r;
    d.feed(stream, r);
    return r.events;
}

QStringList decodeByteByByte(const QByteArray &stream, qint64 max = kMax)
{
    FrameDecoder d(max);
    Recorder r;
    for (char c : stream)
        d.feed(&c, 1, r);
    return r.events;
}

QStringList decodeSliced(const QByteArray &stream, quint32 seed, qint64 max = kMax)
{
    FrameDecoder d(max);
    Recorder r;
    QRandomGenerator rng(seed);
    qsizetype at = 0;
    while (at < stream.size()) {
        const qsizetype n = std::min<qsizetype>(stream.size() - at, rng.bounded(1, 40));
        d.feed(stream.constData() + at, n, r);
        at += n;
    }
    return r.events;
}

} // namespace

class TstNativeWsCodec : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decode_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<QStringList>("expected");
        const QByteArray big(70000, 'b'); // 64-bit length territory needs > 65535

        QTest::newRow("text") << frame(Text, "hello") << QStringList{u"text:hello"_s};
        QTest::newRow("empty text") << frame(Text, "") << QStringList{u"text:"_s};
        QTest::newRow("utf-8 text") << frame(Text, "gr\xc3\xbc\xc3\x9f \xf0\x9f\x98\x80")
                                    << QStringList{u"text:gr\u00fc\u00df \U0001F600"_s};
        QTest::newRow("bom is kept")
            << frame(Text, "\xef\xbb\xbfx") << QStringList{u"text:\ufeffx"_s};
        QTest::newRow("binary") << frame(Binary, QByteArray("\x00\x01\xff", 3))
                                << QStringList{u"binary:0001ff"_s};
        QTest::newRow("16-bit length")
            << frame(Text, QByteArray(300, 'a')) << QStringList{u"text:"_s + QString(300, u'a')};
        QTest::newRow("16-bit form of a short length")
            << frame(Text, "ab", true, true, 0, 2) << QStringList{u"text:ab"_s};
        QTest::newRow("64-bit length form")
            << frame(Text, "abc", true, true, 0, 8) << QStringList{u"text:abc"_s};
        QTest::newRow("two frames")
            << frame(Text, "a") + frame(Binary, "b") << QStringList{u"text:a"_s, u"binary:62"_s};
        QTest::newRow("fragmented text")
            << frame(Text, "hel", false) + frame(Continuation, "", false)
                   + frame(Continuation, "lo")
            << QStringList{u"text:hello"_s};
        QTest::newRow("utf-8 split across fragments")
            << frame(Text, "\xc3", false) + frame(Continuation, "\xbc")
            << QStringList{u"text:\u00fc"_s};
        QTest::newRow("fragmented binary") << frame(Binary, "a", false) + frame(Continuation, "b")
                                           << QStringList{u"binary:6162"_s};
        QTest::newRow("ping inside a fragmented message")
            << frame(Text, "he", false) + frame(Ping, "p1") + frame(Pong, "q")
                   + frame(Continuation, "y")
            << QStringList{u"ping:p1"_s, u"pong:q"_s, u"text:hey"_s};
        QTest::newRow("ping, empty ping")
            << frame(Ping, "abc") + frame(Ping, "") << QStringList{u"ping:abc"_s, u"ping:"_s};
        QTest::newRow("ping of 125 bytes")
            << frame(Ping, QByteArray(125, 'p')) << QStringList{u"ping:"_s + QString(125, u'p')};
        QTest::newRow("close with code and reason")
            << frame(Close, closePayload(1000, "bye")) << QStringList{u"close:1000:bye"_s};
        QTest::newRow("close without payload") << frame(Close, "") << QStringList{u"close:1005:"_s};
        QTest::newRow("close 4001")
            << frame(Close, closePayload(4001)) << QStringList{u"close:4001:"_s};
        QTest::newRow("nothing after close")
            << frame(Close, closePayload(1000)) + frame(Text, "late")
            << QStringList{u"close:1000:"_s};
        QTest::newRow("message at the limit")
            << frame(Binary, QByteArray(kMax, 'x'))
            << QStringList{u"binary:"_s + QString::fromLatin1(QByteArray(kMax, 'x').toHex())};

        // Violations: the close code, then only a close frame is looked for.
        QTest::newRow("unmasked") << frame(Text, "hi", true, false) + frame(Text, "x")
                                  << QStringList{u"error:1002"_s};
        QTest::newRow("rsv1 (no extension negotiated)")
            << frame(Text, "hi", true, true, 0x40) << QStringList{u"error:1002"_s};
        QTest::newRow("rsv2") << frame(Text, "hi", true, true, 0x20)
                              << QStringList{u"error:1002"_s};
        QTest::newRow("rsv3") << frame(Text, "hi", true, true, 0x10)
                              << QStringList{u"error:1002"_s};
        for (int op : {3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf})
            QTest::addRow("reserved opcode %d", op)
                << frame(op, "x") << QStringList{u"error:1002"_s};
        QTest::newRow("continuation without a message")
            << frame(Continuation, "x") << QStringList{u"error:1002"_s};
        QTest::newRow("text inside a fragmented message")
            << frame(Text, "a", false) + frame(Text, "b") << QStringList{u"error:1002"_s};
        QTest::newRow("fragmented ping") << frame(Ping, "a", false) << QStringList{u"error:1002"_s};
        QTest::newRow("ping of 126 bytes")
            << frame(Ping, QByteArray(126, 'p')) << QStringList{u"error:1002"_s};
        // (still a close frame: the connection ends after our 1002)
        QTest::newRow("close of 126 bytes")
            << frame(Close, closePayload(1000, QByteArray(124, 'r')))
            << QStringList{u"error:1002"_s, u"close:1005:"_s};
        QTest::newRow("close of one byte") << frame(Close, "x") << QStringList{u"error:1002"_s};
        for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535})
            QTest::addRow("close code %d", code)
                << frame(Close, closePayload(code)) << QStringList{u"error:1002"_s};
        QTest::newRow("close reason not utf-8")
            << frame(Close, closePayload(1000, "\xff")) << QStringList{u"error:1007"_s};
        QTest::newRow("invalid utf-8") << frame(Text, "\xc3\x28") << QStringList{u"error:1007"_s};
        QTest::newRow("overlong utf-8") << frame(Text, "\xc0\xaf") << QStringList{u"error:1007"_s};
        QTest::newRow("utf-16 surrogate in utf-8")
            << frame(Text, "\xed\xa0\x80") << QStringList{u"error:1007"_s};
        QTest::newRow("code point above U+10FFFF")
            << frame(Text, "\xf4\x90\x80\x80") << QStringList{u"error:1007"_s};
        QTest::newRow("utf-8 cut at the end of the message")
            << frame(Text, "ab\xe2\x82") << QStringList{u"error:1007"_s};
        QTest::newRow("invalid utf-8 across fragments")
            << frame(Text, "\xc3", false) + frame(Continuation, "(")
            << QStringList{u"error:1007"_s};
        QTest::newRow("one byte over the limit")
            << frame(Text, QByteArray(kMax + 1, 'x')) << QStringList{u"error:1009"_s};
        QTest::newRow("fragments over the limit together")
            << frame(Text, QByteArray(kMax / 2 + 1, 'x'), false)
                   + frame(Continuation, QByteArray(kMax / 2, 'x'))
            << QStringList{u"error:1009"_s};
        QTest::newRow("64-bit length, large") << frame(Binary, big) << QStringList{u"error:1009"_s};
        QByteArray msb = frame(Binary, "", true, true, 0, 8);
        msb[2] = char(0x80); // most significant bit of the 64-bit length
        QTest::newRow("64-bit length with the top bit") << msb << QStringList{u"error:1002"_s};

        // After an error the stream is still followed, to find the peer's close frame.
        QTest::newRow("close after too big")
            << frame(Text, QByteArray(kMax + 10, 'x')) + frame(Ping, "ignored")
                   + frame(Text, "ignored") + frame(Close, closePayload(1009))
            << QStringList{u"error:1009"_s, u"close:1009:"_s};
        QTest::newRow("close after invalid utf-8")
            << frame(Text, "\xff") + frame(Close, closePayload(1007))
            << QStringList{u"error:1007"_s, u"close:1007:"_s};
        QTest::newRow("close after an unmasked frame")
            << frame(Text, "abc", true, false) + frame(Close, closePayload(1002), true, false)
            << QStringList{u"error:1002"_s, u"close:1002:"_s};
    }

    void decode()
    {
        QFETCH(QByteArray, stream);
        QFETCH(QStringList, expected);
        QCOMPARE(decodeWhole(stream), expected);
        QCOMPARE(decodeByteByByte(stream), expected);
        for (quint32 seed = 1; seed <= 5; ++seed)
            QCOMPARE(decodeSliced(stream, seed), expected);
    }

    // A 64-bit-length frame that is legal under a big limit (payload > 65535 bytes).
    void largeMessageWith64BitLength()
    {
        QByteArray payload(200000, Qt::Uninitialized);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char('a' + i % 26);
        const QByteArray f = frame(Text, payload);
        QCOMPARE(quint8(f.at(1)) & 0x7f, 127);
        const QStringList expected{u"text:"_s + QString::fromLatin1(payload)};
        QCOMPARE(decodeWhole(f, 1 << 20), expected);
        QCOMPARE(decodeSliced(f, 7, 1 << 20), expected);
    }

    // After the server's own close, data frames are skipped unread until the peer's close.
    void discardUntilClose()
    {
        FrameDecoder d(kMax);
        Recorder r;
        d.feed(frame(Text, "before"), r);
        d.discardUntilClose();
        d.feed(frame(Text, QByteArray(5000, 'x')) + frame(Ping, "p"), r);
        QVERIFY(!d.finished());
        d.feed(frame(Close, closePayload(1000)) + frame(Text, "after"), r);
        QVERIFY(d.finished());
        QCOMPARE(r.events, (QStringList{u"text:before"_s, u"close:1000:"_s}));
    }

    void encode_data()
    {
        QTest::addColumn<int>("length");
        QTest::addColumn<QByteArray>("header");
        QTest::newRow("0") << 0 << QByteArray("\x81\x00", 2);
        QTest::newRow("125") << 125 << QByteArray("\x81\x7d");
        QTest::newRow("126") << 126 << QByteArray("\x81\x7e\x00\x7e", 4);
        QTest::newRow("65535") << 65535 << QByteArray("\x81\x7e\xff\xff");
        QTest::newRow("65536") << 65536
                               << QByteArray("\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
    }
    void encode()
    {
        QFETCH(int, length);
        QFETCH(QByteArray, header);
        const QByteArray payload(length, 'z');
        const QByteArray f = encodeFrame(Text, payload);
        QCOMPARE(f.left(header.size()), header);
        QCOMPARE(f.mid(header.size()), payload);
        // PreparedFrame builds the same bytes once and shares them.
        const chat::server::PreparedFrame pf(QString::fromLatin1(payload));
        QCOMPARE(pf.wireFrame(), f);
        QVERIFY(pf.wireFrame().constData() == pf.wireFrame().constData());
    }

    void encodeClose()
    {
        QCOMPARE(chat::server::nativews::encodeClose(1000, u"bye"_s), QByteArray("\x88\x05\x03\xe8"
                                                                                 "bye"));
        QCOMPARE(chat::server::nativews::encodeClose(0, {}), QByteArray("\x88\x00", 2));
        // A long reason is cut to 123 bytes on a character boundary (the frame stays <= 125).
        const QByteArray f = chat::server::nativews::encodeClose(4002, QString(100, u'\u00e9'));
        QVERIFY(f.size() <= 127);
        QCOMPARE(quint8(f.at(1)), quint8(f.size() - 2));
        QString reason;
        Recorder r;
        FrameDecoder d(kMax);
        QByteArray masked = frame(Close, f.mid(2));
        d.feed(masked, r);
        QCOMPARE(r.events.size(), 1);
        QCOMPARE(r.events.first(), u"close:4002:"_s + QString(61, u'\u00e9'));
    }

    void closeCodes()
    {
        QVERIFY(isValidCloseCode(1000));
        QVERIFY(isValidCloseCode(1011));
        QVERIFY(isValidCloseCode(3000));
        QVERIFY(isValidCloseCode(4999));
        QVERIFY(!isValidCloseCode(1005));
        QVERIFY(!isValidCloseCode(1006));
        QVERIFY(!isValidCloseCode(1015));
    }
};

QTEST_APPLESS_MAIN(TstNativeWsCodec)
#include "tst_nativews_codec.moc"
