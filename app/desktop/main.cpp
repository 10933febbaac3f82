// chat-desktop: wiring only. Parses the command line, picks a platform that works (offscreen
// when there is no display), creates the profile's settings, keychain, session and
// notification backend, loads the QML UI and, for QA, signs in, opens a conversation and takes
// a screenshot.
#include "languagemanager.h"
#include "model/chatsession.h"
#include "model/conversationlistmodel.h"
#include "model/keychainstore.h"
#include "model/notificationbackend.h"
#include "model/notifier.h"
#include "model/profilesettings.h"
#include "quitonsignal.h"
#include "slicedincubation.h"
#include "stallprobe.h"
#include "sync/syncengine.h"
#include "traynotificationbackend.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QImage>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QStandardPaths>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>

Q_IMPORT_QML_PLUGIN(ChatPlugin)

using namespace Qt::StringLiterals;
using chat::model::ChatSession;

namespace {

void chooseDefaultPlatform()
{
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    // Without a display Qt aborts (exit 134). Rendering offscreen still allows --screenshot.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
        std::fprintf(stderr, "chat-desktop: no display found, rendering offscreen\n");
    }
#endif
}

int fail(const QString &message)
{
    std::fprintf(stderr, "chat-desktop: %s\n", qPrintable(message));
    return 2;
}

} // namespace

int main(int argc, char *argv[])
{
    chooseDefaultPlatform();
    if (qEnvironmentVariableIsEmpty("QT_QUICK_CONTROLS_STYLE"))
        QQuickStyle::setStyle(u"Basic"_s); // the UI is themed on Basic; pinned for stable looks

    QApplication app(argc, argv);
    QApplication::setApplicationName(u"chat-desktop"_s);
    QApplication::setApplicationDisplayName(u"Chat"_s);
    QApplication::setOrganizationName(u"chat"_s);
    QApplication::setApplicationVersion(QStringLiteral(CHAT_VERSION));
    quitOnTerminationSignals(&app);
    QGuiApplication::setDesktopFileName(u"chat-desktop"_s);
    QGuiApplication::setWindowIcon(QIcon(u":/chat/icons/chat-desktop-256.png"_s));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Chat, the offline-first desktop client.\n\n"
        "Several instances can run side by side with different --profile folders. Without "
        "--username/--password the remembered account of the profile is resumed (its token "
        "is kept in the system keychain). With them, the app signs in for this run only.\n\n"
        "Exit codes: 0 success, 2 bad arguments or unusable profile folder, 3 the screenshot "
        "could not be written."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption serverOpt(u"server"_s, u"Server address, e.g. ws://127.0.0.1:8080."_s,
                                       u"URL"_s);
    const QCommandLineOption profileOpt(
        u"profile"_s,
        u"Folder holding this instance's settings, drafts and local message store "
        "(default: the user's application data folder)."_s,
        u"DIR"_s);
    const QCommandLineOption userOpt(u"username"_s, u"Sign in as this user."_s, u"U"_s);
    const QCommandLineOption passOpt(u"password"_s, u"Password for --username."_s, u"P"_s);
    const QCommandLineOption openOpt(
        u"open"_s,
        u"Open this conversation once signed in: its title, id, or the other "
        "member's username."_s,
        u"REF"_s);
    const QCommandLineOption sendOpt(
        u"send"_s, u"Once the --open conversation is open, send this text into it (QA)."_s,
        u"TEXT"_s);
    const QCommandLineOption themeOpt(
        u"theme"_s, u"Colour theme: system, light or dark (saved in the profile)."_s, u"THEME"_s);
    const QCommandLineOption langOpt(
        u"language"_s, u"UI language: en, de or fr (saved in the profile)."_s, u"LANG"_s);
    const QCommandLineOption shotOpt(
        u"screenshot"_s,
        u"Render the window into this PNG file after --quit-after milliseconds, then exit "
        "(works offscreen: QT_QPA_PLATFORM=offscreen)."_s,
        u"FILE"_s);
    const QCommandLineOption quitOpt(
        u"quit-after"_s, u"Exit after this many milliseconds (default with --screenshot: 3000)."_s,
        u"MS"_s);
    const QCommandLineOption sizeOpt(u"size"_s, u"Window size, e.g. 1120x720."_s, u"WxH"_s);
    const QCommandLineOption showOpt(
        u"show"_s, u"Once signed in, open this dialog: settings or members (screenshots, QA)."_s,
        u"DIALOG"_s);
    const QCommandLineOption firstFrameOpt(
        u"report-first-frame"_s,
        u"Benchmarks: when the window has drawn its first frame, print \"first-frame NS\" on "
        "stdout (NS: the system's monotonic clock in nanoseconds, CLOCK_MONOTONIC on Linux), "
        "then exit unless --quit-after is given."_s);
    const QCommandLineOption stallsOpt(
        u"report-stalls"_s,
        u"Benchmarks: from the first frame until exit, record how long the UI thread goes "
        "without running its event loop and write it as JSON to FILE at exit (longest gap, "
        "p99, gaps over 16 ms with the UI thread's CPU time in each, when the catch-up began "
        "and ended, the monotonic clock at the start to line gaps up with a profile). Also "
        "prints \"caught-up NS\" on stdout the "
        "first time the account is online after catching up. CHAT_STALL_LIST_OVER_MS=N lists "
        "each gap over N ms instead of 16 (profiling)."_s,
        u"FILE"_s);
    parser.addOptions({serverOpt, profileOpt, userOpt, passOpt, openOpt, sendOpt, themeOpt, langOpt,
                       shotOpt, quitOpt, sizeOpt, showOpt, firstFrameOpt, stallsOpt});
    parser.process(app);

    if (parser.isSet(passOpt) && !parser.isSet(userOpt))
        return fail(u"--password needs --username"_s);
    bool quitOk = true;
    const int quitAfter = parser.isSet(quitOpt) ? parser.value(quitOpt).toInt(&quitOk)
                                                : (parser.isSet(shotOpt) ? 3000 : -1);
    if (!quitOk || (parser.isSet(quitOpt) && quitAfter < 0))
        return fail(u"--quit-after needs a number of milliseconds"_s);
    if (parser.isSet(themeOpt)
        && !QStringList{u"system"_s, u"light"_s, u"dark"_s}.contains(parser.value(themeOpt)))
        return fail(u"--theme must be system, light or dark"_s);
    if (parser.isSet(langOpt) && !LanguageManager::shipped().contains(parser.value(langOpt)))
        return fail(u"--language must be one of: "_s + LanguageManager::shipped().join(u", "_s));

    const QString profile =
        parser.isSet(profileOpt)
            ? QDir(parser.value(profileOpt)).absolutePath()
            : QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                  .filePath(u"default"_s);
    if (!QDir().mkpath(profile))
        return fail(u"cannot create the profile folder "_s + profile);

    chat::model::ProfileSettings settings(profile);
    if (parser.isSet(themeOpt))
        settings.setTheme(parser.value(themeOpt));
    if (parser.isSet(langOpt))
        settings.setLanguage(parser.value(langOpt));
    chat::model::KeychainStore keychain(u"chat-desktop"_s);
    ChatSession session(&settings, &keychain);
    LanguageManager languages(&settings);

    // Notifications: the freedesktop service where there is one (Linux desktops), else the
    // tray balloon (Windows, macOS, Linux with a tray only), else none (said in the log).
    std::unique_ptr<chat::model::NotificationBackend> backend;
    if (chat::model::DBusNotificationBackend::serverAvailable())
        backend = std::make_unique<chat::model::DBusNotificationBackend>();
    else if (TrayNotificationBackend::available())
        backend = std::make_unique<TrayNotificationBackend>();
    else
        std::fprintf(stderr, "chat-desktop: no notification service found; desktop "
                             "notifications are off\n");
    session.notifier()->setBackend(backend.get());

    // Set before the window exists, so Qt Quick does not install its own (10 ms at a time).
    SlicedIncubationController incubation(3);
    QQmlApplicationEngine engine;
    engine.setIncubationController(&incubation);
    engine.addImportPath(u"qrc:/"_s); // the Chat module is compiled in; its qmldir is qrc:/Chat
    languages.setEngine(&engine);
    languages.apply();
    engine.setInitialProperties({{u"session"_s, QVariant::fromValue(&session)},
                                 {u"settings"_s, QVariant::fromValue(&settings)},
                                 {u"languages"_s, QVariant::fromValue(&languages)}});
    engine.load(QUrl(u"qrc:/Chat/Main.qml"_s));
    if (engine.rootObjects().isEmpty())
        return fail(u"the user interface could not be loaded"_s);
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    if (parser.isSet(sizeOpt)) {
        const QStringList wh = parser.value(sizeOpt).split(u'x');
        if (wh.size() == 2 && wh[0].toInt() > 0 && wh[1].toInt() > 0)
            window->resize(wh[0].toInt(), wh[1].toInt());
    }
    QObject::connect(session.notifier(), &chat::model::Notifier::openConversation, window,
                     [window] {
                         window->show();
                         window->raise();
                         window->requestActivate();
                     });

    // Sign in: explicit credentials (this run only), or resume the profile's account.
    if (parser.isSet(userOpt)) {
        const QString server =
            parser.isSet(serverOpt) ? parser.value(serverOpt) : settings.serverUrl();
        if (server.isEmpty())
            return fail(u"--username needs --server (no server remembered in this profile)"_s);
        session.signIn(server, parser.value(userOpt), parser.value(passOpt), false);
    } else {
        if (parser.isSet(serverOpt))
            settings.setServerUrl(parser.value(serverOpt));
        session.restore();
    }

    if (parser.isSet(sendOpt) && !parser.isSet(openOpt))
        return fail(u"--send needs --open"_s);
    if (parser.isSet(openOpt)) {
        const QString ref = parser.value(openOpt);
        const QString text = parser.value(sendOpt);
        auto *watch = new QObject(&session); // deleted once the conversation is open
        auto open = [&session, text, watch](const QString &id) {
            session.openConversation(id);
            if (!text.isEmpty())
                session.send(text);
            watch->deleteLater();
        };
        // While a catch-up adds conversations, look only at the list model's rows (id or
        // title): findConversation() reads every conversation from the store, and doing that
        // for each batch froze the UI for half a second a page at 500 conversations. The
        // store is asked (the other member's username, too) when the sign-in state or the
        // connection state changes.
        auto inList = [&session, ref, open, watch] {
            if (!session.currentConversationId().isEmpty() || !session.engine()->isOpen()
                || session.state() != ChatSession::State::SignedIn)
                return;
            auto *list = session.conversations();
            for (int row = 0; row < list->rowCount(); ++row) {
                const QModelIndex i = list->index(row, 0);
                if (i.data(chat::model::ConversationListModel::ConversationIdRole).toString() == ref
                    || i.data(chat::model::ConversationListModel::TitleRole).toString() == ref) {
                    open(i.data(chat::model::ConversationListModel::ConversationIdRole).toString());
                    return;
                }
            }
        };
        auto inStore = [&session, ref, open] {
            if (!session.currentConversationId().isEmpty() || !session.engine()->isOpen()
                || session.state() != ChatSession::State::SignedIn)
                return;
            if (const auto c = session.engine()->findConversation(ref))
                open(c->conversationId);
        };
        QObject::connect(session.conversations(), &chat::model::ConversationListModel::countChanged,
                         watch, inList);
        QObject::connect(&session, &ChatSession::stateChanged, watch, inStore);
        // connectionChanged also reports sync progress (every page): only a new state counts.
        auto lastConnection = std::make_shared<ChatSession::Connection>(session.connection());
        QObject::connect(
            &session, &ChatSession::connectionChanged, watch, [&session, inStore, lastConnection] {
                if (std::exchange(*lastConnection, session.connection()) != session.connection())
                    inStore();
            });
        inStore();
    }

    if (parser.isSet(showOpt)) {
        const QString dialog = parser.value(showOpt);
        if (dialog != "settings"_L1 && dialog != "members"_L1)
            return fail(u"--show takes settings or members"_s);
        // The chat page (and its dialogs) exists only once signed in: look for it until then.
        auto *poll = new QTimer(&app);
        poll->setInterval(300);
        QObject::connect(poll, &QTimer::timeout, &app, [poll, window, dialog, &session] {
            if (session.state() != ChatSession::State::SignedIn
                || (dialog == "members"_L1 && session.currentConversationId().isEmpty()))
                return;
            if (QObject *popup = window->findChild<QObject *>(dialog + u"Dialog"_s)) {
                QMetaObject::invokeMethod(popup, "open");
                poll->stop();
            }
        });
        poll->start();
    }

    if (parser.isSet(firstFrameOpt)) {
        // frameSwapped may come from the render thread: print there (the time is the point),
        // quit through the GUI thread's queue.
        auto reported = std::make_shared<std::atomic_bool>(false);
        QObject::connect(
            window, &QQuickWindow::frameSwapped, &app,
            [reported, quit = quitAfter < 0, &app] {
                if (reported->exchange(true))
                    return;
                const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now().time_since_epoch())
                                    .count();
                std::printf("first-frame %lld\n", static_cast<long long>(ns));
                std::fflush(stdout);
                if (quit)
                    QMetaObject::invokeMethod(&app, &QCoreApplication::quit, Qt::QueuedConnection);
            },
            Qt::DirectConnection);
    }

    std::unique_ptr<StallProbe> stalls;
    if (parser.isSet(stallsOpt)) {
        stalls = std::make_unique<StallProbe>(parser.value(stallsOpt));
        QObject::connect(window, &QQuickWindow::frameSwapped, stalls.get(), &StallProbe::start,
                         Qt::QueuedConnection);
        auto onConnection = [&session, probe = stalls.get()] {
            switch (session.connection()) {
            case ChatSession::Connection::Syncing: probe->mark(u"syncing"_s); break;
            case ChatSession::Connection::Online: {
                probe->mark(u"caught_up"_s);
                static bool printed = false;
                if (!std::exchange(printed, true)) {
                    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count();
                    std::printf("caught-up %lld\n", static_cast<long long>(ns));
                    std::fflush(stdout);
                }
                break;
            }
            default: break;
            }
        };
        QObject::connect(&session, &ChatSession::connectionChanged, stalls.get(), onConnection);
        QObject::connect(&app, &QCoreApplication::aboutToQuit, stalls.get(), [&stalls] {
            QString why;
            if (!stalls->write(&why))
                std::fprintf(stderr, "chat-desktop: could not write the stall report: %s\n",
                             qPrintable(why));
        });
    }

    int exitCode = 0;
    if (quitAfter >= 0) {
        QTimer::singleShot(quitAfter, &app, [&] {
            if (parser.isSet(shotOpt)) {
                const QString file = parser.value(shotOpt);
                const QImage image = window->grabWindow();
                if (image.isNull() || !image.save(file)) {
                    std::fprintf(stderr, "chat-desktop: could not write the screenshot %s\n",
                                 qPrintable(file));
                    exitCode = 3;
                } else {
                    std::printf("screenshot %s\n", qPrintable(QDir(file).absolutePath()));
                    std::fflush(stdout);
                }
            }
            session.notifier()->flush();
            app.quit();
        });
    }
    const int rc = app.exec();
    return rc != 0 ? rc : exitCode;
}
