// Keychain honesty against a real Secret Service (gnome-keyring in a private D-Bus session,
// tests/tools/with-keyring.sh) and against none (no session bus at all). The same binary runs
// in both; CHAT_EXPECT_KEYCHAIN=1 or 0 says which world it is in, so neither run can pass by
// accident in the other.
#include "desktopharness.h"
#include "model/keychainstore.h"
#include "model/profilesettings.h"

#include <QSignalSpy>
#include <QTest>
#include <QUuid>

using namespace Qt::StringLiterals;
using chat::model::ChatSession;
using chat::model::KeychainResult;
using chat::model::KeychainStore;

namespace {
constexpr int kTimeout = 20000;

KeychainResult waitFor(std::function<void(KeychainStore::Callback)> start)
{
    std::optional<KeychainResult> result;
    start([&](const KeychainResult &r) { result = r; });
    QTest::qWaitFor([&] { return result.has_value(); }, kTimeout);
    return result.value_or(KeychainResult{KeychainResult::Kind::Unavailable, {}, u"timeout"_s});
}
} // namespace

class TestKeychain : public QObject
{
    Q_OBJECT
    bool expectKeychain = false;
    DesktopHarness *h = nullptr;

private Q_SLOTS:
    void initTestCase()
    {
        const QByteArray e = qgetenv("CHAT_EXPECT_KEYCHAIN");
        QVERIFY2(e == "1" || e == "0", "set CHAT_EXPECT_KEYCHAIN to 1 (keyring) or 0 (none)");
        expectKeychain = e == "1";
        h = new DesktopHarness(this);
        QVERIFY2(h->startServer(), qPrintable(h->lastError()));
    }

    void storeReadRemove()
    {
        KeychainStore store(u"chat-desktop-tests"_s);
        const QString key = u"key-"_s + QUuid::createUuid().toString(QUuid::WithoutBraces);
        KeychainResult r = waitFor([&](auto cb) { store.read(key, this, cb); });
        if (!expectKeychain) {
            QCOMPARE(r.kind, KeychainResult::Kind::Unavailable);
            QCOMPARE(store.status(), KeychainStore::Status::Unavailable);
            // A sentence a person understands, with what to install.
            QVERIFY2(store.problem().contains(u"gnome-keyring"_s), qPrintable(store.problem()));
            QVERIFY(store.problem().contains(u"only until you close"_s));
            r = waitFor([&](auto cb) { store.write(key, u"secret"_s, this, cb); });
            QCOMPARE(r.kind, KeychainResult::Kind::Unavailable);
            return;
        }
        QCOMPARE(r.kind, KeychainResult::Kind::NotFound);
        QCOMPARE(store.status(), KeychainStore::Status::Available);
        r = waitFor([&](auto cb) { store.write(key, u"s3cret"_s, this, cb); });
        QCOMPARE(r.kind, KeychainResult::Kind::Ok);
        r = waitFor([&](auto cb) { store.read(key, this, cb); });
        QCOMPARE(r.kind, KeychainResult::Kind::Ok);
        QCOMPARE(r.value, u"s3cret"_s);
        r = waitFor([&](auto cb) { store.remove(key, this, cb); });
        QCOMPARE(r.kind, KeychainResult::Kind::Ok);
        r = waitFor([&](auto cb) { store.read(key, this, cb); });
        QCOMPARE(r.kind, KeychainResult::Kind::NotFound);
        QVERIFY(store.problem().isEmpty());
    }

    void rememberedSessionSurvivesARestart()
    {
        ChatSession *s = h->newSession(u"remember"_s);
        s->signIn(h->serverUrl(), u"alice"_s, u"alice-pw"_s, true);
        QTRY_COMPARE_WITH_TIMEOUT(s->state(), ChatSession::State::SignedIn, kTimeout);
        if (expectKeychain) {
            // The token went to the keychain; nothing was written in clear.
            QTRY_COMPARE_WITH_TIMEOUT(h->keychain()->status(), KeychainStore::Status::Available,
                                      kTimeout);
            QVERIFY(!s->sessionOnly());
            QVERIFY(h->settingsOf(s)->plainToken().isEmpty());
        } else {
            // Said plainly, and nothing stored behind the user's back.
            QTRY_VERIFY_WITH_TIMEOUT(s->sessionOnly(), kTimeout);
            QVERIFY(s->keychainProblem().contains(u"gnome-keyring"_s));
            QVERIFY(h->settingsOf(s)->plainToken().isEmpty());
        }
        h->closeSession(s);

        // "Restart": a new session on the same profile resumes without a password only if the
        // token could be kept.
        ChatSession *again = h->newSession(u"remember"_s);
        again->restore();
        if (expectKeychain) {
            QTRY_COMPARE_WITH_TIMEOUT(again->state(), ChatSession::State::SignedIn, kTimeout);
            QTRY_COMPARE_WITH_TIMEOUT(again->connection(), ChatSession::Connection::Online,
                                      kTimeout);
            // Signing out removes the token from the keychain.
            again->signOut();
            h->closeSession(again);
            ChatSession *third = h->newSession(u"remember"_s);
            third->restore();
            QTRY_COMPARE_WITH_TIMEOUT(third->state(), ChatSession::State::SignedOut, kTimeout);
            QVERIFY(third->errorText().isEmpty());
        } else {
            QTRY_COMPARE_WITH_TIMEOUT(again->state(), ChatSession::State::SignedOut, kTimeout);
            QVERIFY(!again->errorText().isEmpty()); // "could not be read from the keychain"
            QVERIFY(again->sessionOnly());
        }
    }

    void explicitOptInToPlainStorage()
    {
        ChatSession *s = h->newSession(u"optin"_s);
        s->signIn(h->serverUrl(), u"bob"_s, u"bob-pw"_s, true);
        QTRY_COMPARE_WITH_TIMEOUT(s->state(), ChatSession::State::SignedIn, kTimeout);
        if (!expectKeychain)
            QTRY_VERIFY_WITH_TIMEOUT(s->sessionOnly(), kTimeout);
        s->storeTokenWithoutKeychain(); // the user clicked "keep me signed in anyway"
        QVERIFY(!s->sessionOnly());
        QVERIFY(!h->settingsOf(s)->plainToken().isEmpty());
        QFile settingsFile(h->settingsOf(s)->profileDir() + u"/settings.ini"_s);
        QCOMPARE(settingsFile.permissions() & (QFile::ReadGroup | QFile::ReadOther),
                 QFileDevice::Permissions());
        h->closeSession(s);
        ChatSession *again = h->newSession(u"optin"_s);
        again->restore();
        QTRY_COMPARE_WITH_TIMEOUT(again->state(), ChatSession::State::SignedIn, kTimeout);
        QTRY_COMPARE_WITH_TIMEOUT(again->connection(), ChatSession::Connection::Online, kTimeout);
    }
};

QTEST_GUILESS_MAIN(TestKeychain)
#include "tst_keychain.moc"
