// chat-bench-desktop-catchup: the UI thread of the real chat-desktop while it catches up on a
// backlog (issue 7: "no UI-thread stall > 16 ms during catch-up"). chat-bench-engine measures
// the sync engine alone on a bare thread; here the same catch-up runs inside the app, with the
// models applying every change batch and QML drawing the conversation list (and, with --open,
// a conversation the messages stream into).
//
// A writer posts --messages round-robin into --conversations group conversations while the
// reader is offline (through chat-server, started here on loopback with temporary data). Then
// chat-desktop (offscreen, a fresh profile) signs in as the reader with --report-stalls: a
// 1 ms timer on its UI thread records every gap from the first frame until it exits; it is
// stopped (SIGTERM, a clean quit) --settle-ms after it reports being caught up. The floor is
// a second start of the same profile with nothing missed, held for as long: what the machine
// itself costs the thread.
#include "backlog.h"
#include "benchutil.h"
#include "scenarios.h"
#include "serverprocess.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>

#include <cstdio>
#include <memory>

using namespace Qt::StringLiterals;
using namespace chat::bench;

namespace {

struct AppRun {
    QJsonObject report; // the app's --report-stalls JSON, plus our own timings
    QString error;      // empty on success
};

// Starts chat-desktop, waits for its "caught-up NS" line, lets it run settleMs more, stops it
// with SIGTERM and reads the stall report it writes as it quits.
AppRun runApp(const QString &bin, const QStringList &args, const QString &reportFile, int settleMs,
              int timeoutMs)
{
    AppRun r;
    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    env.insert(u"QT_LOGGING_RULES"_s, u"chat.*.info=false;chat.*.debug=false"_s);
    app.setProcessEnvironment(env);
    app.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QFile::remove(reportFile);
    const qint64 t0 = nowNs();
    app.start(bin, args + QStringList{u"--report-stalls"_s, reportFile});
    if (!app.waitForStarted(10000)) {
        r.error = u"cannot start "_s + bin + u": "_s + app.errorString();
        return r;
    }
    qint64 caughtUpNs = 0;
    QByteArray out;
    const bool caughtUp = waitFor(
        [&] {
            out += app.readAllStandardOutput();
            const qsizetype at = out.indexOf("caught-up ");
            if (at < 0 || out.indexOf('\n', at) < 0)
                return app.state() == QProcess::NotRunning;
            caughtUpNs = out.mid(at + 10, out.indexOf('\n', at) - at - 10).trimmed().toLongLong();
            return true;
        },
        timeoutMs);
    if (!caughtUp || caughtUpNs == 0) {
        app.kill();
        app.waitForFinished(5000);
        r.error = app.state() == QProcess::NotRunning && app.exitCode() != 0
                      ? u"chat-desktop exited with %1 before catching up"_s.arg(app.exitCode())
                      : u"chat-desktop did not catch up within %1 s"_s.arg(timeoutMs / 1000);
        return r;
    }
    runFor(settleMs);
    app.terminate(); // SIGTERM: a clean quit, which writes the report
    if (!app.waitForFinished(20000)) {
        app.kill();
        app.waitForFinished(5000);
        r.error = u"chat-desktop did not quit on SIGTERM"_s;
        return r;
    }
    QFile f(reportFile);
    if (!f.open(QIODevice::ReadOnly)) {
        r.error = u"no stall report was written"_s;
        return r;
    }
    r.report = QJsonDocument::fromJson(f.readAll()).object();
    r.report["start_to_caught_up_ms"_L1] = round3(double(caughtUpNs - t0) / 1e6);
    // The gaps over a frame after the catch-up finished (the long_gaps list has their time).
    const qint64 caughtUpAt =
        r.report.value("marks_ms"_L1).toObject().value("caught_up"_L1).toInteger(-1);
    int after = 0;
    for (const QJsonValue &g : r.report.value("long_gaps"_L1).toArray())
        after += caughtUpAt >= 0 && g.toObject().value("at_ms"_L1).toInteger() > caughtUpAt;
    r.report["gaps_over_16ms_after_caught_up"_L1] = after;
    return r;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication qapp(argc, argv);
    QCommandLineParser p;
    p.setApplicationDescription(
        u"chat-desktop catching up on a backlog: the longest stall of its UI thread, gaps over "
        "16 ms, time to caught up; and the same app idle as the floor."_s);
    p.addHelpOption();
    const QString dir = QCoreApplication::applicationDirPath();
    p.addOptions({
        {u"messages"_s, u"Messages missed."_s, u"n"_s, u"100000"_s},
        {u"conversations"_s, u"Conversations they are spread over."_s, u"n"_s, u"500"_s},
        {u"open"_s, u"Have this conversation open while catching up (e.g. \"catchup 0\")."_s,
         u"REF"_s},
        {u"settle-ms"_s, u"How long the app runs on after it is caught up."_s, u"ms"_s, u"3000"_s},
        {u"server-bin"_s, u"chat-server binary."_s, u"path"_s, dir + u"/chat-server"_s},
        {u"desktop-bin"_s, u"chat-desktop binary."_s, u"path"_s, dir + u"/chat-desktop"_s},
        {u"timeout"_s, u"Seconds the catch-up may take."_s, u"s"_s, u"600"_s},
        {u"out"_s, u"Also write the JSON summary here."_s, u"file"_s},
    });
    p.process(qapp);
    auto fail = [](const QString &why) {
        fprintf(stderr, "chat-bench-desktop-catchup: %s\n", qPrintable(why));
        return 1;
    };
    bool ok1 = false, ok2 = false, ok3 = false, ok4 = false;
    const int total = p.value(u"messages"_s).toInt(&ok1);
    const int convCount = p.value(u"conversations"_s).toInt(&ok2);
    const int settleMs = p.value(u"settle-ms"_s).toInt(&ok3);
    const int timeoutS = p.value(u"timeout"_s).toInt(&ok4);
    if (!ok1 || !ok2 || !ok3 || !ok4 || total < 1 || convCount < 1 || settleMs < 0
        || timeoutS < 1) {
        fprintf(stderr, "chat-bench-desktop-catchup: --messages, --conversations, --settle-ms "
                        "and --timeout take non-negative integers (the first two positive)\n");
        return 2;
    }

    ServerProcess server(p.value(u"server-bin"_s),
                         QStringList{u"--listen"_s, u"127.0.0.1:0"_s, u"--rate-limit"_s, u"0"_s});
    QString error;
    if (!server.start(30000, &error))
        return fail(error);
    Target t;
    t.label = u"server"_s;
    t.urls = {server.url()};
    t.pid = server.pid();
    Backlog backlog;
    if (!writeBacklog(t, total, convCount, &backlog, &error))
        return fail(error);
    fprintf(stderr, "chat-bench-desktop-catchup: %d messages written; chat-desktop catches up\n",
            total);

    QTemporaryDir tmp;
    const QString profile = tmp.filePath(u"profile"_s);
    QStringList args{u"--server"_s,   server.url().toString(), u"--profile"_s,
                     profile,         u"--username"_s,         backlog.reader.username,
                     u"--password"_s, backlog.reader.password};
    if (p.isSet(u"open"_s))
        args << u"--open"_s << p.value(u"open"_s);
    QJsonObject out{{"benchmark"_L1, u"desktop_catchup"_s},
                    {"messages"_L1, total},
                    {"conversations"_L1, convCount},
                    {"open"_L1, p.value(u"open"_s)},
                    {"settle_ms"_L1, settleMs},
                    {"machine_before"_L1, machineContext()}};
    const QString desktop = p.value(u"desktop-bin"_s);
    const AppRun catchup =
        runApp(desktop, args, tmp.filePath(u"catchup.json"_s), settleMs, timeoutS * 1000);
    if (!catchup.error.isEmpty())
        return fail(u"catch-up run: "_s + catchup.error);
    out["catchup"_L1] = catchup.report;
    // The floor: the same profile, nothing missed, held as long as the catch-up run lasted.
    const int held = int(catchup.report.value("recorded_ms"_L1).toInteger());
    const AppRun floor =
        runApp(desktop, args, tmp.filePath(u"floor.json"_s), qMax(settleMs, held), timeoutS * 1000);
    if (!floor.error.isEmpty())
        return fail(u"floor run: "_s + floor.error);
    out["floor_nothing_missed"_L1] = floor.report;
    out["machine_after"_L1] = machineContext();
    const QByteArray json = QJsonDocument(out).toJson(QJsonDocument::Indented);
    fwrite(json.constData(), 1, size_t(json.size()), stdout);
    if (p.isSet(u"out"_s)) {
        QFile f(p.value(u"out"_s));
        if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size())
            return fail(u"cannot write "_s + p.value(u"out"_s));
    }
    return 0;
}
