#include "population.h"

#include "benchutil.h"

#include <QFile>
#include <QJsonArray>
#include <QRandomGenerator>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace chat::bench {

namespace {
constexpr int kHandshakeMs = 30000; // QWebSocket has no handshake timeout of its own

} // namespace

Population::Population(Target target, QObject *owner) : m_target(std::move(target)), m_owner(owner)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    m_prefix = u"b"_s;
    for (int i = 0; i < 5; ++i)
        m_prefix += QLatin1Char(alphabet[QRandomGenerator::global()->bounded(36)]);
}

bool Population::fail(const QString &why)
{
    if (m_error.isEmpty())
        m_error = why;
    return false;
}

BenchClient *Population::openOne(int index)
{
    auto *c = new BenchClient(m_owner);
    c->open(m_target.url(index));
    return c;
}

bool Population::createAccounts(int n, QList<Account> *accounts, QList<BenchClient *> *clients,
                                int concurrency)
{
    const int base = int(accounts->size());
    for (int i = 0; i < n; ++i) {
        Account a;
        a.username = m_prefix + u'_' + QString::number(base + i);
        a.password = u"pw-"_s + a.username;
        accounts->append(a);
    }

    if (!m_target.adminToken.isEmpty()) {
        // Seed the users in fixture chunks that stay well under the 64 KiB frame limit.
        auto *admin = openOne(0);
        if (!waitFor([&] { return admin->state() != BenchClient::State::Connecting; }, kHandshakeMs)
            || admin->state() != BenchClient::State::Open)
            return fail(u"admin connection failed: "_s + admin->errorText());
        bool done = false, ok = false;
        admin->request(proto::AdminAuthRequest{{}, m_target.adminToken},
                       [&](const proto::ServerFrame &f) {
                           ok = std::holds_alternative<proto::AuthOk>(f)
                                || std::holds_alternative<proto::Ok>(f);
                           if (!ok)
                               fail(u"admin login: "_s + describeAnswer(f));
                           done = true;
                       });
        if (!waitFor([&] { return done; }, kHandshakeMs) || !ok)
            return fail(u"admin login timed out"_s);
        for (int from = 0; from < n; from += 200) {
            QJsonArray users;
            for (int i = from; i < qMin(n, from + 200); ++i) {
                const Account &a = accounts->at(base + i);
                users.append(QJsonObject{{"username"_L1, a.username},
                                         {"password"_L1, a.password},
                                         {"display_name"_L1, a.username}});
            }
            done = ok = false;
            admin->request(proto::AdminSeedRequest{{}, QJsonObject{{"users"_L1, users}}},
                           [&](const proto::ServerFrame &f) {
                               ok = std::holds_alternative<proto::Ok>(f);
                               if (!ok)
                                   fail(u"admin_seed: "_s + describeAnswer(f));
                               done = true;
                           });
            if (!waitFor([&] { return done; }, 300000) || !ok)
                return fail(u"admin_seed did not finish"_s);
        }
        admin->close();
        admin->deleteLater();
    }

    // Register (or log in, when seeded) with a bounded number of handshakes in flight:
    // password hashing is deliberately slow on both servers.
    int next = 0, finished = 0;
    QList<BenchClient *> mine(n, nullptr);
    auto startOne = [&](int i) {
        BenchClient *c = openOne(base + i);
        mine[i] = c;
        Account *a = &(*accounts)[base + i];
        auto onAnswer = [&, c, a](const proto::ServerFrame &f) {
            if (const auto *ok = std::get_if<proto::AuthOk>(&f)) {
                a->userId = ok->user.userId;
                a->token = ok->token;
                c->userId = a->userId;
                c->token = a->token;
                c->username = a->username;
                c->authed = true;
            } else {
                fail(u"authenticating "_s + a->username + u": "_s + describeAnswer(f));
            }
            ++finished;
        };
        // Send the auth frame once the socket is open.
        auto *poll = new QTimer(c);
        QObject::connect(poll, &QTimer::timeout, c, [=, &finished, this] {
            if (c->state() == BenchClient::State::Connecting)
                return;
            poll->stop();
            if (c->state() != BenchClient::State::Open) {
                fail(u"connecting: "_s + c->errorText());
                ++finished;
                return;
            }
            if (m_target.adminToken.isEmpty())
                c->request(proto::RegisterRequest{{}, a->username, a->password, a->username},
                           onAnswer);
            else
                c->request(proto::LoginRequest{{}, a->username, a->password, u"bench"_s}, onAnswer);
        });
        poll->start(2);
    };
    while (finished < n) {
        while (next < n && next - finished < concurrency)
            startOne(next++);
        if (!waitFor([&, target = finished + 1] { return finished >= target; }, 120000))
            return fail(u"registration stalled at %1 of %2"_s.arg(finished).arg(n));
        if (!m_error.isEmpty())
            return false;
    }
    clients->append(mine);
    return m_error.isEmpty();
}

bool Population::connectAccounts(const QList<Account> &accounts, QList<BenchClient *> *clients,
                                 int concurrency, int perSecond)
{
    const int n = int(accounts.size());
    int next = 0, finished = 0, failed = 0;
    const qint64 t0 = nowNs();
    QList<BenchClient *> mine(n, nullptr);
    auto startOne = [&](int i) {
        BenchClient *c = openOne(i);
        mine[i] = c;
        const Account a = accounts.at(i);
        auto *poll = new QTimer(c);
        QObject::connect(poll, &QTimer::timeout, c, [=, &finished, &failed, this] {
            if (c->state() == BenchClient::State::Connecting)
                return;
            poll->stop();
            if (c->state() != BenchClient::State::Open) {
                fail(u"connecting: "_s + c->errorText());
                ++finished;
                ++failed;
                return;
            }
            c->request(proto::AuthRequest{{}, a.token},
                       [=, &finished, &failed, this](const proto::ServerFrame &f) {
                           if (std::holds_alternative<proto::AuthOk>(f)) {
                               c->userId = a.userId;
                               c->token = a.token;
                               c->username = a.username;
                               c->authed = true;
                           } else {
                               fail(u"auth "_s + a.username + u": "_s + describeAnswer(f));
                               ++failed;
                           }
                           ++finished;
                       });
        });
        poll->start(2);
    };
    while (finished < n) {
        while (next < n && next - finished < concurrency) {
            if (perSecond > 0 && next > double(nowNs() - t0) / 1e9 * perSecond)
                break;
            startOne(next++);
        }
        const int target = finished + 1;
        if (!waitFor(
                [&] {
                    return finished >= target
                           || (perSecond > 0 && next < n && next - finished < concurrency
                               && next <= double(nowNs() - t0) / 1e9 * perSecond);
                },
                60000))
            return fail(u"connecting stalled at %1 of %2"_s.arg(finished).arg(n));
    }
    clients->append(mine);
    return failed == 0;
}

bool Population::createConversations(const QList<ConvRequest> &requests, QStringList *ids,
                                     int concurrency)
{
    const int n = int(requests.size());
    QStringList out(n);
    int next = 0, finished = 0;
    while (finished < n) {
        while (next < n && next - finished < concurrency) {
            const int i = next++;
            const ConvRequest &r = requests.at(i);
            proto::CreateConversationRequest req;
            req.kind = r.group ? proto::ConversationKind::Group : proto::ConversationKind::Direct;
            req.title = r.title;
            req.members = r.memberIds;
            r.creator->request(req, [&, i](const proto::ServerFrame &f) {
                if (const auto *c = std::get_if<proto::ConversationUpdate>(&f))
                    out[i] = c->conversation.conversationId;
                else
                    fail(u"create_conversation: "_s + describeAnswer(f));
                ++finished;
            });
        }
        const int target = finished + 1;
        if (!waitFor([&] { return finished >= target; }, 120000))
            return fail(u"create_conversation stalled at %1 of %2"_s.arg(finished).arg(n));
        if (!m_error.isEmpty())
            return false;
    }
    *ids = out;
    return true;
}

bool writeTokenFile(const QString &path, const QList<Account> &accounts)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return false;
    for (const Account &a : accounts)
        f.write((a.userId + u' ' + a.token + u' ' + a.username + u'\n').toUtf8());
    return f.flush();
}

std::optional<QList<Account>> readTokenFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    QList<Account> out;
    while (!f.atEnd()) {
        const QList<QByteArray> p = f.readLine().trimmed().split(' ');
        if (p.size() == 3)
            out.append(
                {QString::fromUtf8(p[2]), {}, QString::fromUtf8(p[0]), QString::fromUtf8(p[1])});
    }
    return out;
}

} // namespace chat::bench
