// chat-bench-engine: the sync engine (src/sync) catching up on a big backlog, measured from the
// thread it runs on — in chat-desktop that is the UI thread. A writer posts --messages across
// --conversations group conversations to a reader who is offline; then a SyncEngine with an
// empty store signs in as the reader. Reported: sign-in → first sync page applied, → sync
// finished, → every message stored (loadAll() on each conversation once the sync finished:
// older history is otherwise fetched only as the user scrolls), and the event-loop stalls of that
// thread (gaps between ticks of a 1 ms timer: longest, p99, how many exceed 16 ms = a frame),
// and for each phase (before the first page, the sync pages, the loadAll() call, the history
// pages after it) how many gaps exceed 16 ms and the longest, plus the 20 longest gaps with
// when they ended and in which phase.
// Starts chat-server itself (temporary data, loopback) unless --url is given.
#include "backlog.h"
#include "benchutil.h"
#include "population.h"
#include "scenarios.h"
#include "serverprocess.h"

#include "sync/localstore.h"
#include "sync/syncengine.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>

using namespace Qt::StringLiterals;
using namespace chat::bench;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.setApplicationDescription(u"SyncEngine catch-up benchmark: time to first page, to "
                                "complete, and the longest stall of the engine's thread."_s);
    p.addHelpOption();
    p.addOption({u"messages"_s, u"Messages missed."_s, u"n"_s, u"100000"_s});
    p.addOption({u"conversations"_s, u"Conversations they are spread over."_s, u"n"_s, u"500"_s});
    p.addOption({u"url"_s, u"Use this server instead of starting chat-server."_s, u"url"_s});
    p.addOption({u"server-bin"_s, u"chat-server binary."_s, u"path"_s,
                 QCoreApplication::applicationDirPath() + u"/chat-server"_s});
    p.addOption({u"timeout"_s, u"Seconds the catch-up may take."_s, u"s"_s, u"900"_s});
    p.addOption({u"out"_s, u"Also write the JSON summary here."_s, u"file"_s});
    p.process(app);
    bool ok1 = false, ok2 = false;
    const int total = p.value(u"messages"_s).toInt(&ok1);
    const int convCount = p.value(u"conversations"_s).toInt(&ok2);
    if (!ok1 || !ok2 || total < 1 || convCount < 1) {
        fprintf(stderr,
                "chat-bench-engine: --messages and --conversations are positive integers\n");
        return 2;
    }
    QJsonObject out{{"benchmark"_L1, u"engine_catchup"_s},
                    {"messages"_L1, total},
                    {"conversations"_L1, convCount}};
    std::unique_ptr<ServerProcess> server;
    Target t;
    t.label = u"server"_s;
    if (p.isSet(u"url"_s)) {
        t.urls = {QUrl(p.value(u"url"_s))};
    } else {
        server = std::make_unique<ServerProcess>(
            p.value(u"server-bin"_s),
            QStringList{u"--listen"_s, u"127.0.0.1:0"_s, u"--rate-limit"_s, u"0"_s});
        QString error;
        if (!server->start(30000, &error)) {
            fprintf(stderr, "chat-bench-engine: %s\n", qPrintable(error));
            return 1;
        }
        t.urls = {server->url()};
        t.pid = server->pid();
    }
    auto fail = [&](const QString &why) {
        fprintf(stderr, "chat-bench-engine: %s\n", qPrintable(why));
        return 1;
    };

    fprintf(stderr, "chat-bench-engine: server %s\n", qPrintable(t.url().toString()));
    // --- the backlog ------------------------------------------------------------------------
    Backlog backlog;
    if (QString error; !writeBacklog(t, total, convCount, &backlog, &error))
        return fail(error);
    const QList<Account> accounts{backlog.writer, backlog.reader};
    fprintf(stderr, "chat-bench-engine: %d messages written; the engine catches up\n", total);
    out["machine_before"_L1] = machineContext();

    // --- the engine catches up --------------------------------------------------------------
    QTemporaryDir dir;
    chat::sync::SyncEngine engine;
    chat::sync::SyncEngine::Options opts;
    opts.dataDir = dir.path();
    if (auto st = engine.openAccount(t.url(), accounts[1].username, opts); !st.ok())
        return fail(u"openAccount: "_s + st.error().message);

    LatencyRecorder gaps;
    qint64 lastTick = 0, longest = 0, over16 = 0;
    qint64 t0 = 0, tAuthOk = 0, tOnline = 0, tFirstPage = 0, tSynced = 0, tComplete = 0;
    qint64 loadAllCallNs = 0;
    // Gaps over a frame, by phase: where the thread's time went.
    // With the CPU time the thread itself used during the gap: a gap mostly not spent
    // running was spent waiting (for a core on a busy machine, a lock, the disk).
    struct Stall {
        qint64 endNs;
        qint64 gapNs;
        qint64 cpuNs;
        QString phase;
    };
    auto threadCpuNs = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    };
    qint64 lastCpu = 0;
    // Per phase, over every gap: the thread's CPU time in total and the most it used between
    // two ticks (the longest piece of its own work, whatever the machine's load).
    QHash<QString, QPair<qint64, qint64>> cpuByPhase; // phase -> (total, longest)
    QList<Stall> stalls;
    auto phaseOf = [&](qint64 start, qint64 end) -> QString {
        if (tSynced > 0 && start <= tSynced + loadAllCallNs && end >= tSynced)
            return u"last_sync_page_and_load_all_call"_s;
        if (tSynced > 0)
            return u"history_after_sync"_s;
        if (tFirstPage > 0)
            return u"sync_pages"_s;
        return u"before_first_page"_s;
    };
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    QObject::connect(&tick, &QTimer::timeout, [&] {
        const qint64 now = nowNs();
        const qint64 cpu = threadCpuNs();
        if (lastTick > 0) {
            const qint64 gap = now - lastTick;
            gaps.add(gap);
            longest = qMax(longest, gap);
            over16 += gap > 16000000 ? 1 : 0;
            if (t0 > 0) {
                const QString phase = phaseOf(lastTick, now);
                auto &c = cpuByPhase[phase];
                c.first += cpu - lastCpu;
                c.second = qMax(c.second, cpu - lastCpu);
                if (gap > 16000000)
                    stalls.append({now - t0, gap, cpu - lastCpu, phase});
            }
        }
        lastTick = now;
        lastCpu = cpu;
    });
    int batches = 0;
    QObject::connect(&engine, &chat::sync::SyncEngine::stateChanged, &engine,
                     [&](chat::sync::SyncEngine::State s) {
                         using S = chat::sync::SyncEngine::State;
                         // Past Authenticating = auth_ok received.
                         if (s != S::Offline && s != S::Connecting && s != S::Authenticating
                             && tAuthOk == 0)
                             tAuthOk = nowNs();
                         if (s == S::Online && tOnline == 0)
                             tOnline = nowNs();
                     });
    QObject::connect(&engine, &chat::sync::SyncEngine::syncProgress, &engine,
                     [&](int, int, bool finished) {
                         if (tFirstPage == 0)
                             tFirstPage = nowNs();
                         if (finished && tSynced == 0) {
                             tSynced = nowNs();
                             // Older history is fetched on demand only (scrolling up): ask
                             // for all of it, as "download everything" would. This call is
                             // itself one stall of the thread (reported on its own).
                             for (const auto &c : engine.conversations())
                                 engine.loadAll(c.conversationId);
                             loadAllCallNs = nowNs() - tSynced;
                         }
                     });
    // Stored messages counted from the change feed (an Inserted change with a seq is a new
    // stored row): a COUNT(*) over the store on every wake-up of the wait loop below (each
    // millisecond, for the tick) was itself most of the thread's work in the history phase.
    qint64 storedSeen = 0;
    QObject::connect(&engine, &chat::sync::SyncEngine::changes, &engine,
                     [&](const chat::sync::ChangeBatch &b) {
                         ++batches;
                         for (const auto &list : b.messages)
                             for (const auto &c : list)
                                 storedSeen += c.kind == chat::sync::MessageChange::Kind::Inserted
                                               && c.message.seq > 0;
                     });
    chat::net::Credentials cred;
    cred.username = accounts[1].username;
    cred.password = accounts[1].password;
    cred.token = accounts[1].token;
    // The floor: the same timer for 3 s with the engine idle. On a shared machine the thread
    // also waits for a core; those gaps are not the engine's.
    tick.start(1);
    {
        QEventLoop idleLoop;
        QTimer::singleShot(3000, &idleLoop, &QEventLoop::quit);
        idleLoop.exec();
    }
    QJsonObject idle = gaps.summary();
    idle["longest_ms"_L1] = round3(double(longest) / 1e6);
    idle["gaps_over_16ms"_L1] = over16;
    out["idle_thread_stalls"_L1] = idle;
    gaps = LatencyRecorder();
    longest = 0;
    over16 = 0;
    lastTick = 0;
    t0 = nowNs();
    engine.connectToServer(cred);
    const bool complete = waitFor(
        [&] {
            if (tSynced > 0 && storedSeen >= total) {
                tComplete = nowNs();
                return true;
            }
            return false;
        },
        qMax(1, p.value(u"timeout"_s).toInt()) * 1000);
    tick.stop();
    if (!complete)
        fprintf(stderr,
                "chat-bench-engine: not complete: online %d, first page %d, synced %d, "
                "stored %lld of %d\n",
                tOnline > 0, tFirstPage > 0, tSynced > 0,
                engine.store() ? engine.store()->messageCount() : -1LL, total);
    auto ms = [&](qint64 tEnd) { return tEnd > 0 ? round3(double(tEnd - t0) / 1e6) : -1.0; };
    out["connect_to_auth_ok_ms"_L1] = ms(tAuthOk);
    out["connect_to_online_ms"_L1] = ms(tOnline);
    out["connect_to_first_page_ms"_L1] = ms(tFirstPage);
    if (tAuthOk > 0 && tFirstPage > 0)
        out["auth_ok_to_first_page_ms"_L1] = round3(double(tFirstPage - tAuthOk) / 1e6);
    out["connect_to_sync_finished_ms"_L1] = ms(tSynced);
    out["connect_to_all_stored_ms"_L1] = ms(tComplete);
    out["complete"_L1] = complete;
    out["stored"_L1] = engine.store() ? engine.store()->messageCount() : 0;
    out["stored_in_change_feed"_L1] = storedSeen;
    out["change_batches"_L1] = batches;
    out["load_all_call_ms"_L1] = round3(double(loadAllCallNs) / 1e6);
    QJsonObject stall = gaps.summary();
    stall["longest_ms"_L1] = round3(double(longest) / 1e6);
    stall["gaps_over_16ms"_L1] = over16;
    out["thread_stalls"_L1] = stall;
    QJsonObject byPhase;
    for (const Stall &st : std::as_const(stalls)) {
        QJsonObject ph = byPhase.value(st.phase).toObject();
        ph["gaps_over_16ms"_L1] = ph.value("gaps_over_16ms"_L1).toInt() + 1;
        ph["longest_ms"_L1] =
            qMax(ph.value("longest_ms"_L1).toDouble(), round3(double(st.gapNs) / 1e6));
        // Gaps over 16 ms in which the thread itself ran over 16 ms: the engine's own work.
        ph["gaps_with_over_16ms_cpu"_L1] =
            ph.value("gaps_with_over_16ms_cpu"_L1).toInt() + (st.cpuNs > 16000000 ? 1 : 0);
        ph["longest_cpu_ms"_L1] =
            qMax(ph.value("longest_cpu_ms"_L1).toDouble(), round3(double(st.cpuNs) / 1e6));
        byPhase[st.phase] = ph;
    }
    out["stalls_over_16ms_by_phase"_L1] = byPhase;
    QJsonObject cpuOut;
    for (auto it = cpuByPhase.cbegin(); it != cpuByPhase.cend(); ++it)
        cpuOut[it.key()] =
            QJsonObject{{"thread_cpu_ms"_L1, round3(double(it->first) / 1e6)},
                        {"longest_cpu_between_ticks_ms"_L1, round3(double(it->second) / 1e6)}};
    out["thread_cpu_by_phase"_L1] = cpuOut;
    std::sort(stalls.begin(), stalls.end(),
              [](const Stall &a, const Stall &b) { return a.gapNs > b.gapNs; });
    QJsonArray longestStalls;
    for (const Stall &st : stalls.mid(0, 20))
        longestStalls.append(QJsonObject{{"ended_at_ms"_L1, round3(double(st.endNs) / 1e6)},
                                         {"gap_ms"_L1, round3(double(st.gapNs) / 1e6)},
                                         {"thread_cpu_ms"_L1, round3(double(st.cpuNs) / 1e6)},
                                         {"phase"_L1, st.phase}});
    out["longest_stalls"_L1] = longestStalls;
    out["process_rss_mb"_L1] = round3(double(sampleSelf().rssBytes) / 1048576.0);
    out["machine_after"_L1] = machineContext();
    const QByteArray json = QJsonDocument(out).toJson(QJsonDocument::Indented);
    fwrite(json.constData(), 1, size_t(json.size()), stdout);
    if (p.isSet(u"out"_s)) {
        QFile f(p.value(u"out"_s));
        if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size())
            return fail(u"cannot write "_s + p.value(u"out"_s));
    }
    engine.disconnectFromServer();
    return complete ? 0 : 1;
}
