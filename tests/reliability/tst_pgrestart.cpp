// PostgreSQL dies under a chat-server using it as its store (--store postgres://): while it is
// down a send is answered `unavailable`, never acked; once PostgreSQL is back (same data) the
// same sends (same client_msg_id) are acked, every acked message is stored once and seq stays
// gapless. Both a crash (SIGKILL of the postmaster) and a fast shutdown are exercised.
#include "rawws.h"
#include "serverprocess.h"
#include "services.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace chat::reliability;

class TstPgRestart : public QObject
{
    Q_OBJECT
    QTemporaryDir m_tmp;
    chat::testing::PgServer m_pg;
    std::unique_ptr<ServerProcess> m_server;
    std::unique_ptr<RawWs> m_ws;
    QString m_conv;
    int m_next = 0;
    QHash<QString, qint64> m_acked; // client_msg_id -> seq

    static QJsonObject answer(RawWs &ws, const QString &id, int timeoutMs = 60000)
    {
        while (const auto f = ws.nextJson(timeoutMs))
            if (f->value("id"_L1).toString() == id)
                return *f;
        return {};
    }
    QJsonObject send(const QString &key)
    {
        const QString id = u"s%1"_s.arg(++m_next);
        m_ws->sendJson({{"type"_L1, "send"_L1},
                        {"id"_L1, id},
                        {"conversation_id"_L1, m_conv},
                        {"client_msg_id"_L1, key},
                        {"content"_L1, key}});
        return answer(*m_ws, id);
    }
    bool connectAlice()
    {
        m_ws = std::make_unique<RawWs>();
        if (!m_ws->handshake(m_server->port()))
            return false;
        m_ws->sendJson({{"type"_L1, "login"_L1},
                        {"id"_L1, "l"_L1},
                        {"username"_L1, "alice"_L1},
                        {"password"_L1, "alice-pw"_L1}});
        m_ws->sendJson({{"type"_L1, "sync"_L1}, {"id"_L1, "y"_L1}, {"since"_L1, QJsonValue()}});
        for (const QJsonValue &c : answer(*m_ws, u"y"_s).value("conversations"_L1).toArray())
            m_conv = c.toObject()
                         .value("conversation"_L1)
                         .toObject()
                         .value("conversation_id"_L1)
                         .toString();
        return !m_conv.isEmpty();
    }

    void outageNeverAcks(const std::function<void()> &bringDown, const QString &tag)
    {
        for (int i = 0; i < 3; ++i) {
            const QString key = tag + u"-before-%1"_s.arg(i);
            const QJsonObject a = send(key);
            QCOMPARE(a.value("type"_L1).toString(), u"ack"_s);
            m_acked.insert(key, a.value("seq"_L1).toInteger());
        }
        bringDown();
        QStringList refused;
        for (int i = 0; i < 3; ++i) {
            const QString key = tag + u"-down-%1"_s.arg(i);
            if (!m_ws || m_ws->disconnected())
                QVERIFY(QTest::qWaitFor([this] { return connectAlice(); }, 30000) || true);
            const QJsonObject a = send(key);
            QVERIFY2(a.value("type"_L1).toString() != "ack"_L1, "acked while the store is down");
            refused.append(key);
        }
        QString err;
        QVERIFY2(m_pg.start(&err), qPrintable(err));
        for (const QString &key : std::as_const(refused)) {
            QJsonObject a;
            QVERIFY2(QTest::qWaitFor(
                         [&] {
                             if (!m_ws || m_ws->disconnected())
                                 connectAlice();
                             a = send(key);
                             return a.value("type"_L1).toString() == "ack"_L1;
                         },
                         60000),
                     qPrintable(key));
            m_acked.insert(key, a.value("seq"_L1).toInteger());
        }
        // Everything acked is stored once; seq 1..N gapless.
        QMap<qint64, QString> all;
        // Reads recover too (a read may take a moment longer than a write to reconnect).
        QJsonObject page;
        (void)QTest::qWaitFor(
            [&] {
                const QString id = u"h%1"_s.arg(++m_next);
                m_ws->sendJson({{"type"_L1, "history"_L1},
                                {"id"_L1, id},
                                {"conversation_id"_L1, m_conv},
                                {"limit"_L1, 200}});
                page = answer(*m_ws, id);
                if (page.value("type"_L1).toString() == "history"_L1)
                    return true;
                QTest::qWait(500);
                return false;
            },
            30000);
        QVERIFY2(page.value("type"_L1).toString() == "history"_L1,
                 QJsonDocument(page).toJson(QJsonDocument::Compact).constData());
        for (const QJsonValue &m : page.value("messages"_L1).toArray())
            all.insert(m.toObject().value("seq"_L1).toInteger(),
                       m.toObject().value("content"_L1).toString());
        QCOMPARE(all.size(), m_acked.size());
        QCOMPARE(all.firstKey(), 1);
        QCOMPARE(all.lastKey(), qint64(all.size()));
        for (auto it = m_acked.cbegin(); it != m_acked.cend(); ++it)
            QCOMPARE(all.value(it.value()), it.key());
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString err;
        QVERIFY2(m_pg.init(&err), qPrintable(err));
        QVERIFY2(m_pg.start(&err), qPrintable(err));
        const QUrl store = m_pg.createDatabase(u"reliability"_s, &err);
        QVERIFY2(store.isValid() && !store.isEmpty(), qPrintable(err));
        QFile fx(m_tmp.filePath(u"fixture.json"_s));
        QVERIFY(fx.open(QIODevice::WriteOnly));
        fx.write(R"({"users":[{"username":"alice","password":"alice-pw"},
                              {"username":"bob","password":"bob-pw"}],
                    "conversations":[{"key":"ab","kind":"group","title":"ab",
                                      "members":["alice","bob"]}]})");
        fx.close();
        m_server = std::make_unique<ServerProcess>(
            QStringList{QStringLiteral(CHAT_SERVER_BIN)}, m_tmp.filePath(u"data"_s),
            QStringList{u"--store"_s, store.toString(), u"--fixture"_s, fx.fileName()});
        QVERIFY2(m_server->start(&err), qPrintable(err));
        QVERIFY(connectAlice());
    }

    void postgresCrashIsUnavailableThenRecovers()
    {
        outageNeverAcks([this] { m_pg.kill(); }, u"crash"_s);
    }

    void postgresRestartIsUnavailableThenRecovers()
    {
        outageNeverAcks([this] { m_pg.stop(); }, u"stop"_s);
    }

    void cleanupTestCase()
    {
        m_ws.reset();
        m_server.reset();
        m_pg.stop();
    }
};

QTEST_GUILESS_MAIN(TstPgRestart)
#include "tst_pgrestart.moc"
