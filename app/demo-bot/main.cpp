// chat-demo-bot: brings the demo to life. Signs in as one or more demo users (bob, carol) on
// their own SyncEngine each and, while running:
//  - when the user named by --reply-to (alice) writes to one of them in a direct
//    conversation, shows that bot typing for a moment, then answers with a short canned line;
//  - every 20-40 s one of them posts something in the group conversation (--group), typing
//    first.
// It is also the second worked example of embedding the sync engine (after chat-cli): open an
// account, connect, react to ChangeBatch values, send. Stops cleanly on SIGINT/SIGTERM.
#include "sync/syncengine.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QRandomGenerator>
#include <QSocketNotifier>
#include <QTimer>
#include <csignal>
#include <cstdio>
#include <unistd.h>

using namespace Qt::StringLiterals;
using chat::sync::ChangeBatch;
using chat::sync::MessageChange;
using chat::sync::SyncEngine;

namespace {

void say(const QString &text)
{
    const QByteArray b = (text + u'\n').toLocal8Bit();
    std::fwrite(b.constData(), 1, size_t(b.size()), stdout);
    std::fflush(stdout); // tests and demo.sh read the log line by line
}

int g_signalPipe[2] = {-1, -1};
void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] auto n = ::write(g_signalPipe[1], &c, 1);
}

const QStringList kReplies = {
    u"Hi Alice! Good to hear from you 🙂"_s,  u"Sounds good to me!"_s, u"Sure, let's do that."_s,
    u"Thanks! I'll have a look in a minute."_s, u"Ha, nice one 😄"_s,     u"Agreed. Talk later?"_s,
};
const QStringList kChatter = {
    u"Coffee break in 10, anyone?"_s,
    u"The build is green again ✅"_s,
    u"I pushed the new screenshots, have a look when you can."_s,
    u"Reminder: release review tomorrow at 10."_s,
    u"Who broke the staging server? 😅 (kidding, it was me)"_s,
    u"Lunch at the usual place?"_s,
};

struct Settings {
    QUrl server;
    QString profileDir;
    QString passwordSuffix;
    QString replyTo;
    QString group;
    int typingMs = 1500;
    int chatterMinS = 20;
    int chatterMaxS = 40;
};

// One demo user: its engine, and the replies it answers with.
class BotAccount : public QObject
{
public:
    BotAccount(const QString &username, const Settings &s, QObject *parent)
        : QObject(parent), m_username(username), m_settings(s)
    {
        connect(&m_engine, &SyncEngine::changes, this, &BotAccount::onChanges);
        connect(&m_engine, &SyncEngine::stateChanged, this, [this](SyncEngine::State st) {
            if (st == SyncEngine::State::Online && !m_announced) {
                m_announced = true;
                say(u"%1: online"_s.arg(m_username));
            }
        });
        connect(&m_engine, &SyncEngine::authFailed, this, [this](const QString &message) {
            say(u"%1: sign-in refused: %2"_s.arg(m_username, message));
            QCoreApplication::exit(1);
        });
    }

    QString username() const { return m_username; }

    bool start()
    {
        SyncEngine::Options options;
        options.dataDir = QDir(m_settings.profileDir).filePath(u"accounts"_s);
        options.device = u"chat-demo-bot"_s;
        options.backgroundGapFill = false; // a bot needs no old history
        if (const auto st = m_engine.openAccount(m_settings.server, m_username, options); !st) {
            say(u"%1: cannot open the local store: %2"_s.arg(m_username, st.error().message));
            return false;
        }
        chat::net::Credentials c;
        c.username = m_username;
        c.password = m_username + m_settings.passwordSuffix;
        c.device = options.device;
        m_engine.connectToServer(c);
        return true;
    }

    void stop() { m_engine.disconnectFromServer(); }

    // Types for a moment in `conversationId`, then sends `text`.
    void typeThenSend(const QString &conversationId, const QString &text)
    {
        m_engine.setTyping(conversationId, true);
        QTimer::singleShot(m_settings.typingMs, this, [this, conversationId, text] {
            m_engine.setTyping(conversationId, false);
            const auto r = m_engine.send(conversationId, text);
            if (r)
                say(u"%1: sent to %2: %3"_s.arg(m_username, conversationId, text));
            else
                say(u"%1: could not send: %2"_s.arg(m_username, r.error().message));
        });
    }

    // The group conversation named --group, if this user is in it.
    QString groupId() const
    {
        if (!m_engine.isOnline())
            return {};
        const auto c = m_engine.findConversation(m_settings.group);
        return c && c->group && !c->left ? c->conversationId : QString();
    }

private:
    void onChanges(const ChangeBatch &batch)
    {
        for (auto it = batch.messages.cbegin(); it != batch.messages.cend(); ++it) {
            for (const MessageChange &ch : it.value()) {
                // Only live news: not the catch-up of what happened while the bot was away.
                if (ch.kind != MessageChange::Kind::Inserted
                    || ch.origin != MessageChange::Origin::Push || ch.message.outgoing)
                    continue;
                const auto conv = m_engine.conversation(it.key());
                const auto sender = m_engine.user(ch.message.senderId);
                if (!conv || conv->group || !sender || sender->username != m_settings.replyTo)
                    continue;
                say(u"%1: %2 wrote: %3"_s.arg(m_username, sender->username, ch.message.content));
                m_engine.markRead(it.key(), ch.message.seq);
                typeThenSend(it.key(), kReplies.at(m_next++ % kReplies.size()));
            }
        }
    }

    QString m_username;
    Settings m_settings;
    SyncEngine m_engine;
    bool m_announced = false;
    int m_next = 0;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"chat-demo-bot"_s);

    QCommandLineParser p;
    p.setApplicationDescription(
        u"Demo activity for the chat demo: signs in as the given users and, while running, "
        "answers direct messages from --reply-to after showing typing for a moment, and now "
        "and then posts in the group conversation (typing first). Stops on SIGINT/SIGTERM."_s);
    p.addHelpOption();
    QCommandLineOption serverOpt(u"server"_s, u"Server URL, e.g. ws://127.0.0.1:8080 (required)."_s,
                                 u"URL"_s);
    QCommandLineOption profileOpt(
        u"profile"_s, u"Folder for the bots' local stores (required; created)."_s, u"DIR"_s);
    QCommandLineOption asOpt(u"as"_s, u"Comma-separated users to sign in as (default bob,carol)."_s,
                             u"USERS"_s, u"bob,carol"_s);
    QCommandLineOption suffixOpt(u"password-suffix"_s,
                                 u"Each user's password is its name plus this (default -pw, as "
                                 "in resources/demo-fixture.json)."_s,
                                 u"TEXT"_s, u"-pw"_s);
    QCommandLineOption replyOpt(u"reply-to"_s,
                                u"Answer direct messages from this user (default alice)."_s,
                                u"USER"_s, u"alice"_s);
    QCommandLineOption groupOpt(u"group"_s,
                                u"Title of the group conversation to chat in (default Team)."_s,
                                u"TITLE"_s, u"Team"_s);
    QCommandLineOption typingOpt(u"typing-ms"_s,
                                 u"How long to show typing before each message (default 1500)."_s,
                                 u"MS"_s, u"1500"_s);
    QCommandLineOption chatterOpt(u"chatter"_s,
                                  u"Group posts every MIN-MAX seconds, e.g. 20-40 (default); 0 = "
                                  "never."_s,
                                  u"MIN-MAX"_s, u"20-40"_s);
    p.addOptions(
        {serverOpt, profileOpt, asOpt, suffixOpt, replyOpt, groupOpt, typingOpt, chatterOpt});
    p.process(app);

    auto fail = [](const QString &text) {
        say(u"chat-demo-bot: "_s + text + u" (see --help)"_s);
        return 2;
    };
    Settings s;
    s.server = QUrl(p.value(serverOpt), QUrl::StrictMode);
    if (!p.isSet(serverOpt) || !s.server.isValid()
        || (s.server.scheme() != "ws"_L1 && s.server.scheme() != "wss"_L1))
        return fail(u"--server needs a ws:// or wss:// URL"_s);
    if (s.server.path().isEmpty())
        s.server.setPath(u"/"_s);
    s.profileDir = p.value(profileOpt);
    if (s.profileDir.isEmpty())
        return fail(u"--profile needs a folder"_s);
    if (!QDir().mkpath(s.profileDir))
        return fail(u"cannot create the folder %1"_s.arg(s.profileDir));
    s.passwordSuffix = p.value(suffixOpt);
    s.replyTo = p.value(replyOpt);
    s.group = p.value(groupOpt);
    bool ok = false;
    s.typingMs = p.value(typingOpt).toInt(&ok);
    if (!ok || s.typingMs < 0 || s.typingMs > 60000)
        return fail(u"--typing-ms needs a number of milliseconds from 0 to 60000"_s);
    const QString chatter = p.value(chatterOpt);
    if (chatter == "0"_L1) {
        s.chatterMinS = s.chatterMaxS = 0;
    } else {
        const QStringList range = chatter.split(u'-');
        bool ok1 = false, ok2 = false;
        s.chatterMinS = range.value(0).toInt(&ok1);
        s.chatterMaxS = range.value(1).toInt(&ok2);
        if (range.size() != 2 || !ok1 || !ok2 || s.chatterMinS < 1 || s.chatterMaxS < s.chatterMinS)
            return fail(u"--chatter needs MIN-MAX seconds (1 or more, MIN <= MAX) or 0"_s);
    }
    const QStringList users = p.value(asOpt).split(u',', Qt::SkipEmptyParts);
    if (users.isEmpty())
        return fail(u"--as needs at least one user name"_s);

    QList<BotAccount *> bots;
    for (const QString &u : users) {
        auto *bot = new BotAccount(u.trimmed(), s, &app);
        if (!bot->start())
            return 1;
        bots << bot;
    }

    // Group chatter: one bot after the other, each post after a random pause in the range.
    QTimer chatterTimer;
    chatterTimer.setSingleShot(true);
    int turn = 0;
    auto schedule = [&] {
        chatterTimer.start(1000
                           * QRandomGenerator::global()->bounded(s.chatterMinS, s.chatterMaxS + 1));
    };
    QObject::connect(&chatterTimer, &QTimer::timeout, &app, [&] {
        for (int i = 0; i < bots.size(); ++i) {
            BotAccount *bot = bots.at((turn + i) % bots.size());
            const QString group = bot->groupId();
            if (group.isEmpty())
                continue;
            bot->typeThenSend(group, kChatter.at(turn % kChatter.size()));
            break;
        }
        ++turn;
        schedule();
    });
    if (s.chatterMinS > 0)
        schedule();

    if (::pipe(g_signalPipe) == 0) {
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
    }
    QSocketNotifier sn(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&sn, &QSocketNotifier::activated, &app, [&] {
        say(u"chat-demo-bot: stopping"_s);
        for (BotAccount *bot : bots)
            bot->stop();
        app.quit();
    });
    say(u"chat-demo-bot: signing in as %1 on %2"_s.arg(users.join(u", "_s), s.server.toString()));
    return app.exec();
}
