// chat-cli: a headless client on the sync engine, for QA scripts and as the worked example
// of embedding chat::sync::SyncEngine (docs/SYNC_ENGINE.md). One command per run; state
// (the local store, the outbox, the session token) lives in --profile, so a message queued
// while the server is down is delivered by a later command.
#include "cliformat.h"
#include "net/logging.h"
#include "searchcommand.h"
#include "sync/syncengine.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QSocketNotifier>
#include <QTimer>
#include <csignal>
#include <cstdio>

using namespace Qt::StringLiterals;
using namespace chat::sync;
using chat::cli::conversationJson;
using chat::cli::messageJson;
using chat::cli::printLine;

namespace {

enum ExitCode {
    ExitOk = 0,
    ExitFailure = 1, // anything else (e.g. the server refused a request)
    ExitUsage = 2,
    ExitOffline = 3,  // server unreachable; for send: the message is queued
    ExitAuth = 4,     // credentials refused
    ExitNotFound = 5, // no such conversation
    ExitRefused = 6,  // the server refused the message for good (it is marked failed)
    ExitStorage = 7,  // the local store could not be opened or written
};

const char *const kHelp = R"(Commands:
  sync                         Catch up with the server, send anything queued, then print
                               one JSON line per conversation (most recent first).
  send CONVERSATION TEXT       Queue TEXT in the profile's outbox, send it, and print the
                               server's ack as one JSON line. CONVERSATION is a conversation
                               id, an exact group title, or the other member's username of a
                               direct conversation. If the server cannot be reached the
                               message stays queued (printed with "state":"pending"), a note
                               goes to stderr and the exit code is 3; any later command that
                               reaches the server delivers it, exactly once.
  history CONVERSATION [--limit N]
                               Print the newest N (default 50) messages as JSON lines in
                               ascending seq, from the local store, fetching only what is
                               missing from the server. Queued messages follow, as pending.
  listen [--for SECONDS]       Stay online and print every event as a JSON line ("event":
                               state, sync, message, message_update, message_removed,
                               conversation, typing, presence). Runs until SIGINT/SIGTERM or
                               for SECONDS.
  outbox                       Print the queued (pending or failed) messages as JSON lines.
                               Works offline.
  search QUERY [--conversation C] [--limit N]
                               Search the messages held in the local store (offline, no
                               server contact) and print up to N (default 50) as JSON lines,
                               newest first, each with "snippet" and "matches" ([start,
                               length] in "content"). Every word matches as a prefix, case
                               and accents ignored ("muller" finds "Müller"), "ß" the same as
                               "ss" ("strasse" finds "Straße"); "quoted words" match as a
                               phrase; no other syntax. C: as for send.

Exit codes:
  0  success
  1  other failure (e.g. the server refused a request)
  2  usage error
  3  server unreachable, or it did not answer within --timeout. send: the message is
     queued and will be sent later; sync, history: what the local store holds is printed
  4  authentication failed (wrong username, password or token)
  5  no such conversation
  6  the server refused the message permanently (it stays in the outbox as failed)
  7  the local store in --profile could not be opened or written

JSON lines go to stdout, human-readable messages to stderr. The password may also be given
in the environment variable CHAT_PASSWORD. The session token is kept in the profile (mode
0600) and tried before the password.)";

void err(const QString &text)
{
    const QByteArray b = (u"chat-cli: "_s + text + u'\n').toLocal8Bit();
    std::fwrite(b.constData(), 1, size_t(b.size()), stderr);
    std::fflush(stderr);
}

int g_signalPipe[2] = {-1, -1};
void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] auto n = ::write(g_signalPipe[1], &c, 1);
}

class Cli : public QObject
{
public:
    Cli(QString command, QStringList args, int limit, int forSeconds, int timeoutMs)
        : m_command(std::move(command)),
          m_args(std::move(args)),
          m_limit(limit),
          m_forSeconds(forSeconds),
          m_timeoutMs(timeoutMs)
    { }

    SyncEngine engine;
    QString searchConversation; // search --conversation

    int start(const QUrl &server, chat::net::Credentials creds, const SyncEngine::Options &opts)
    {
        if (Status s = engine.openAccount(server, creds.username, opts); !s) {
            err(u"cannot open the profile: "_s + s.error().message);
            return ExitStorage;
        }
        m_tokenFile = QFileInfo(engine.storePath()).absolutePath() + u"/session.token"_s;
        QFile tf(m_tokenFile);
        if (creds.token.isEmpty() && tf.open(QIODevice::ReadOnly))
            creds.token = QString::fromUtf8(tf.readAll()).trimmed();
        if (!creds.token.isEmpty())
            creds.registerAccount = false;
        m_creds = creds;

        if (m_command == "search"_L1)
            return chat::cli::runSearch(engine, m_args.at(0), searchConversation, m_limit);
        if (m_command == "outbox"_L1) {
            for (const LocalMessage &m : engine.outbox())
                printLine(messageJson(m, engine));
            return ExitOk;
        }
        QObject::connect(&engine, &SyncEngine::tokenChanged, this, [this](const QString &t) {
            QFile f(m_tokenFile);
            if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
                f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
                f.write(t.toUtf8());
            }
        });
        QObject::connect(&engine, &SyncEngine::authFailed, this, [this](const QString &why) {
            err(u"authentication failed: "_s + why);
            QFile::remove(m_tokenFile);
            finish(ExitAuth);
        });
        QObject::connect(&engine, &SyncEngine::errorOccurred, this,
                         [](const Error &e) { err(e.message); });
        QObject::connect(&engine, &SyncEngine::stateChanged, this,
                         [this](SyncEngine::State s) { onState(s); });

        if (m_command == "send"_L1) {
            // Durable first: the message is in the outbox before any network activity.
            if (auto conv = engine.findConversation(m_args.at(0))) {
                if (int rc = queueSend(conv->conversationId); rc != ExitOk)
                    return rc;
            }
        }
        if (m_command == "listen"_L1) {
            QObject::connect(&engine, &SyncEngine::changes, this,
                             [this](const ChangeBatch &b) { printChanges(b); });
            QObject::connect(&engine, &SyncEngine::syncProgress, this,
                             [](int pages, int convs, bool finished) {
                                 printLine({{"event"_L1, u"sync"_s},
                                            {"pages"_L1, pages},
                                            {"conversations"_L1, convs},
                                            {"finished"_L1, finished}});
                             });
            QObject::connect(&engine, &SyncEngine::typingChanged, this, [this](const QString &c) {
                printLine({{"event"_L1, u"typing"_s},
                           {"conversation_id"_L1, c},
                           {"users"_L1, QJsonArray::fromStringList(engine.typingUsers(c))}});
            });
            QObject::connect(&engine, &SyncEngine::presenceChanged, this, [this](const QString &u) {
                const PresenceInfo p = engine.presence(u);
                printLine({{"event"_L1, u"presence"_s},
                           {"user_id"_L1, u},
                           {"online"_L1, p.online},
                           {"last_seen"_L1, p.lastSeen}});
            });
            if (m_forSeconds > 0)
                QTimer::singleShot(m_forSeconds * 1000, this, [this] { finish(ExitOk); });
        } else {
            QTimer::singleShot(m_timeoutMs, this, [this] { onTimeout(); });
        }
        engine.connectToServer(m_creds);
        return -1; // running
    }

    void stop() { finish(ExitOk); }

private:
    int queueSend(const QString &conversationId)
    {
        auto queued = engine.send(conversationId, m_args.at(1));
        if (!queued) {
            err(queued.error().message);
            return queued.error().code == Error::Code::Storage ? ExitStorage : ExitUsage;
        }
        m_localId = queued.value();
        QObject::connect(&engine, &SyncEngine::messageSent, this, [this](const LocalMessage &m) {
            if (m.localId != m_localId)
                return;
            QJsonObject o = messageJson(m, engine);
            o.insert("event"_L1, u"ack"_s);
            printLine(o);
            m_acked = true;
            finishWhenOutboxDrained(ExitOk);
        });
        QObject::connect(&engine, &SyncEngine::messageFailed, this, [this](const LocalMessage &m) {
            if (m.localId != m_localId)
                return;
            printLine(messageJson(m, engine));
            err(u"the server refused the message ("_s + m.errorCode + u"): "_s + m.errorMessage
                + u". It stays in the outbox as failed."_s);
            finish(ExitRefused);
        });
        return ExitOk;
    }

    void onState(SyncEngine::State s)
    {
        if (s == SyncEngine::State::Authenticating || s == SyncEngine::State::Syncing)
            m_reached = true;
        if (m_command == "listen"_L1) {
            static const char *names[] = {"offline", "connecting", "authenticating", "syncing",
                                          "online"};
            printLine({{"event"_L1, u"state"_s}, {"state"_L1, QString::fromLatin1(names[int(s)])}});
            return;
        }
        if (s == SyncEngine::State::Offline && !m_done) {
            // The first attempt failed: treat the server as unreachable for this run.
            if (engine.connection()->reconnectPending() || !m_reached)
                offline();
            return;
        }
        if (s == SyncEngine::State::Online && !m_online) {
            m_online = true;
            onOnline();
        }
    }

    void onOnline()
    {
        if (m_command == "sync"_L1) {
            finishWhenOutboxDrained(ExitOk);
            return;
        }
        if (m_command == "send"_L1) {
            if (m_localId.isEmpty()) {
                auto conv = engine.findConversation(m_args.at(0));
                if (!conv) {
                    err(u"no such conversation: "_s + m_args.at(0));
                    finish(ExitNotFound);
                    return;
                }
                if (int rc = queueSend(conv->conversationId); rc != ExitOk)
                    finish(rc);
            }
            return; // waiting for the ack
        }
        if (m_command == "history"_L1) {
            auto conv = engine.findConversation(m_args.at(0));
            if (!conv) {
                err(u"no such conversation: "_s + m_args.at(0));
                finish(ExitNotFound);
                return;
            }
            m_conversationId = conv->conversationId;
            QObject::connect(&engine, &SyncEngine::historyLoaded, this,
                             [this](const QString &c, bool ok) {
                                 if (c != m_conversationId)
                                     return;
                                 if (!ok)
                                     err(u"part of the history could not be fetched"_s);
                                 printHistory();
                                 finish(ok ? ExitOk : ExitFailure);
                             });
            if (engine.loadOlder(m_conversationId, m_limit, conv->lastSeq + 1)) {
                printHistory();
                finish(ExitOk);
            }
        }
    }

    void offline()
    {
        if (m_done)
            return;
        if (m_command == "send"_L1) {
            if (m_localId.isEmpty()) {
                err(u"the server cannot be reached and \""_s + m_args.at(0)
                    + u"\" is not a known conversation in this profile; nothing was queued"_s);
                finish(ExitNotFound);
                return;
            }
            if (auto m = engine.message(m_localId))
                printLine(messageJson(*m, engine));
            err(u"the server cannot be reached; the message is queued in the profile and will be "
                "sent by the next command that reaches the server"_s);
            finish(ExitOffline);
            return;
        }
        if (m_command == "history"_L1) {
            if (auto conv = engine.findConversation(m_args.at(0))) {
                m_conversationId = conv->conversationId;
                printHistory();
            }
        } else if (m_command == "sync"_L1) {
            for (const ConversationInfo &c : engine.conversations())
                printLine(conversationJson(c));
        }
        err(u"the server cannot be reached; showing the local store only"_s);
        finish(ExitOffline);
    }

    void onTimeout()
    {
        if (m_done)
            return;
        if (!m_online) {
            offline();
            return;
        }
        if (m_command == "send"_L1 && !m_acked) {
            err(u"no answer from the server in time; the message stays queued"_s);
            finish(ExitOffline);
            return;
        }
        if (m_command == "sync"_L1) {
            err(u"some queued messages are not acknowledged yet; they stay in the outbox"_s);
            printConversations();
            finish(ExitOffline);
            return;
        }
        err(u"timed out"_s);
        finish(ExitFailure);
    }

    void finishWhenOutboxDrained(int code)
    {
        auto pendingLeft = [this] {
            int n = 0;
            for (const LocalMessage &m : engine.outbox())
                if (m.state == DeliveryState::Pending)
                    ++n;
            return n;
        };
        if (pendingLeft() == 0) {
            if (m_command == "sync"_L1)
                printConversations();
            finish(code);
            return;
        }
        QTimer::singleShot(50, this, [this, code] { finishWhenOutboxDrained(code); });
    }

    void printConversations()
    {
        for (const ConversationInfo &c : engine.conversations())
            printLine(conversationJson(c));
    }

    void printHistory()
    {
        const auto conv = engine.conversation(m_conversationId);
        if (!conv)
            return;
        for (const LocalMessage &m : engine.messages(m_conversationId, conv->lastSeq + 1, m_limit))
            printLine(messageJson(m, engine));
        for (const LocalMessage &m : engine.pendingMessages(m_conversationId))
            printLine(messageJson(m, engine));
    }

    void printChanges(const ChangeBatch &b)
    {
        for (const ConversationChange &c : b.conversations) {
            QJsonObject o = conversationJson(c.conversation);
            o.insert("event"_L1, u"conversation"_s);
            printLine(o);
        }
        for (auto it = b.messages.cbegin(); it != b.messages.cend(); ++it) {
            for (const MessageChange &mc : it.value()) {
                QJsonObject o = messageJson(mc.message, engine);
                o.insert("event"_L1, mc.kind == MessageChange::Kind::Inserted ? u"message"_s
                                     : mc.kind == MessageChange::Kind::Updated
                                         ? u"message_update"_s
                                         : u"message_removed"_s);
                printLine(o);
            }
        }
    }

    void finish(int code)
    {
        if (m_done)
            return;
        m_done = true;
        // Let a debounced read/delivered frame and the clean close go out.
        engine.disconnectFromServer();
        QCoreApplication::exit(code);
    }

    QString m_command;
    QStringList m_args;
    int m_limit;
    int m_forSeconds;
    int m_timeoutMs;
    chat::net::Credentials m_creds;
    QString m_tokenFile;
    QString m_localId;
    QString m_conversationId;
    bool m_reached = false;
    bool m_online = false;
    bool m_acked = false;
    bool m_done = false;
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"chat-cli"_s);
    QCoreApplication::setApplicationVersion(u"0.1.0"_s);
    if (qEnvironmentVariableIsEmpty("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(u"chat.*.info=false\nchat.*.debug=false"_s);

    QCommandLineParser p;
    p.setApplicationDescription(
        u"Headless chat client on the sync engine. State lives in --profile; every command "
        "that reaches the server first sends whatever is queued there."_s);
    p.addHelpOption();
    p.addVersionOption();
    QCommandLineOption serverOpt(u"server"_s, u"Server URL, e.g. ws://127.0.0.1:8080"_s, u"URL"_s);
    QCommandLineOption userOpt(u"username"_s, u"Account name."_s, u"U"_s);
    QCommandLineOption passOpt(u"password"_s, u"Password (or set CHAT_PASSWORD)."_s, u"P"_s);
    QCommandLineOption profileOpt(u"profile"_s,
                                  u"Folder holding the local store, outbox and token."_s, u"DIR"_s);
    QCommandLineOption registerOpt(u"register"_s,
                                   u"Create the account first (no token stored yet)."_s);
    QCommandLineOption caOpt(
        u"ca-file"_s, u"wss: trust this PEM certificate (self-signed servers)."_s, u"FILE"_s);
    QCommandLineOption limitOpt(u"limit"_s, u"history, search: number of messages (default 50)."_s,
                                u"N"_s, u"50"_s);
    QCommandLineOption forOpt(u"for"_s, u"listen: stop after SECONDS."_s, u"SECONDS"_s);
    QCommandLineOption timeoutOpt(u"timeout"_s,
                                  u"sync, send, history: give up waiting for the server after "
                                  "SECONDS (default 20)."_s,
                                  u"SECONDS"_s, u"20"_s);
    QCommandLineOption conversationOpt(u"conversation"_s, u"search: only this conversation."_s,
                                       u"C"_s);
    p.addOptions({serverOpt, userOpt, passOpt, profileOpt, registerOpt, caOpt, limitOpt, forOpt,
                  timeoutOpt, conversationOpt});
    p.addPositionalArgument(u"command"_s, u"sync | send | history | listen | outbox | search"_s);
    p.addPositionalArgument(u"args"_s, u"Command arguments (see below)."_s, u"[args...]"_s);

    if (!p.parse(app.arguments())) {
        err(p.errorText());
        return ExitUsage;
    }
    if (p.isSet(u"help"_s)) {
        const QByteArray text = p.helpText().toLocal8Bit() + '\n' + kHelp + '\n';
        std::fwrite(text.constData(), 1, size_t(text.size()), stdout);
        return ExitOk;
    }
    if (p.isSet(u"version"_s))
        p.showVersion();

    const QStringList pos = p.positionalArguments();
    if (pos.isEmpty()) {
        err(u"no command given; see --help"_s);
        return ExitUsage;
    }
    const QString command = pos.first();
    const QStringList args = pos.mid(1);
    const QHash<QString, int> arity{{u"sync"_s, 0},   {u"send"_s, 2},   {u"history"_s, 1},
                                    {u"listen"_s, 0}, {u"outbox"_s, 0}, {u"search"_s, 1}};
    if (!arity.contains(command)) {
        err(u"unknown command \""_s + command + u"\"; see --help"_s);
        return ExitUsage;
    }
    if (args.size() != arity.value(command)) {
        err(u"\""_s + command + u"\" takes "_s + QString::number(arity.value(command))
            + u" argument(s), got "_s + QString::number(args.size()) + u"; see --help"_s);
        return ExitUsage;
    }
    for (const auto &o : {serverOpt, userOpt, profileOpt}) {
        if (!p.isSet(o)) {
            err(u"--"_s + o.names().constFirst() + u" is required; see --help"_s);
            return ExitUsage;
        }
    }
    const QUrl server(p.value(serverOpt));
    if (!server.isValid() || (server.scheme() != "ws"_L1 && server.scheme() != "wss"_L1)
        || server.host().isEmpty()) {
        err(u"--server must be a ws:// or wss:// URL, got \""_s + p.value(serverOpt) + u'"');
        return ExitUsage;
    }
    bool ok = false;
    const int limit = p.value(limitOpt).toInt(&ok);
    if (!ok || limit < 1 || limit > 100000) {
        err(u"--limit must be a number from 1 to 100000"_s);
        return ExitUsage;
    }
    int forSeconds = 0;
    if (p.isSet(forOpt)) {
        forSeconds = p.value(forOpt).toInt(&ok);
        if (!ok || forSeconds < 1) {
            err(u"--for must be a positive number of seconds"_s);
            return ExitUsage;
        }
    }
    const int timeout = p.value(timeoutOpt).toInt(&ok);
    if (!ok || timeout < 1) {
        err(u"--timeout must be a positive number of seconds"_s);
        return ExitUsage;
    }

    chat::net::Credentials creds;
    creds.username = p.value(userOpt);
    creds.password = p.isSet(passOpt) ? p.value(passOpt) : qEnvironmentVariable("CHAT_PASSWORD");
    creds.device = u"chat-cli"_s;
    creds.registerAccount = p.isSet(registerOpt);
    if (creds.registerAccount && creds.password.isEmpty()) {
        err(u"--register needs a password"_s);
        return ExitUsage;
    }

    SyncEngine::Options opts;
    opts.dataDir = p.value(profileOpt);
    opts.caFile = p.value(caOpt);
    opts.device = creds.device;
    // One short run: no background history beyond what the command needs.
    opts.backgroundGapFill = command == "listen"_L1;

    if (::pipe(g_signalPipe) == 0) {
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
    }
    Cli cli(command, args, limit, forSeconds, timeout * 1000);
    cli.searchConversation = p.value(conversationOpt);
    QSocketNotifier sn(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&sn, &QSocketNotifier::activated, &cli, [&cli] { cli.stop(); });

    const int rc = cli.start(server, creds, opts);
    if (rc >= 0)
        return rc;
    return app.exec();
}
