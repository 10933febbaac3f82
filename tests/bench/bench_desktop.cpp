// chat-bench-desktop: what a big local cache costs the desktop client (issue 7).
//  - startup: chat-desktop (offscreen) from process start to its first drawn frame, with a
//    profile whose account store holds --messages messages and with an empty one (same
//    account, nothing cached), alternating runs; the app's RSS --settle-ms after that frame.
//    With the largest conversation opened at start, the baseline is a small profile (the
//    same conversations, 50 messages each: small-N/), which draws the same view.
//    The app runs offline (its server address refuses connections), so the figure is the
//    local part of a start: opening the store, loading the conversation list, building the UI.
//  - models: how the desktop's list models apply one large engine change batch (--batches
//    messages into the open conversation, conversations into the list): time, and which model
//    signals it took (one reset, or one insert per row); then the same with a plain ListView
//    attached (offscreen), and the time to the next drawn frame.
//  - open: the pieces of a start measured in-process on the filled store: LocalStore::open
//    (with its integrity check), the conversation list's load, opening the largest
//    conversation.
// Profiles are filled through LocalStore (insertMessages, so the search index is written as
// in the app) and kept with --profiles DIR for later runs. Prints a JSON summary.
#include "benchutil.h"
#include "model/conversationlistmodel.h"
#include "model/messagelistmodel.h"
#include "sync/localstore.h"
#include "sync/syncengine.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QJsonDocument>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QRandomGenerator>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fcntl.h>

using namespace Qt::StringLiterals;
using namespace chat::bench;
namespace proto = chat::proto;
using chat::sync::ChangeBatch;
using chat::sync::ConversationChange;
using chat::sync::LocalMessage;
using chat::sync::LocalStore;
using chat::sync::MessageChange;

namespace {

// The app is told this server; nothing listens there, so it starts offline from its cache.
const QUrl kServer(u"ws://127.0.0.1:9"_s);
const QString kUser = u"alice"_s;
const QString kMe = u"u_0"_s;
constexpr int kUsers = 20;
constexpr int kSmallPerConversation = 50; // the small profile: one page per conversation

QString storePath(const QString &profile)
{
    // SyncEngine::openAccount's layout: <profile>/accounts/<host>_<port>_<user>/store.sqlite
    return profile + u"/accounts/127.0.0.1_9_"_s + kUser + u"/store.sqlite"_s;
}

QString conversationId(int i)
{
    return u"c_%1"_s.arg(i, 5, 10, QLatin1Char('0'));
}

QJsonObject loadAverage()
{
    QFile f(u"/proc/loadavg"_s);
    const QList<QByteArray> p =
        f.open(QIODevice::ReadOnly) ? f.readAll().split(' ') : QList<QByteArray>();
    return QJsonObject{{"load1"_L1, p.value(0).toDouble()},
                       {"load5"_L1, p.value(1).toDouble()},
                       {"cores"_L1, QThread::idealThreadCount()}};
}

// Text of 3-18 words, Zipf-like over a vocabulary of common words and made-up ones.
class Words
{
public:
    Words()
    {
        const QString common = u"the a to and of in is it you that for on we this be with are "
                               "i have not at can do so but was what all just if about "
                               "meeting tomorrow lunch review deadline call later today thanks "
                               "ok yes no maybe sure great done plan build test release fix "
                               "café müller déjà straße garçon über"_s;
        m_words = common.split(u' ');
        for (int i = 0; i < 3000; ++i)
            m_words.append(u"w%1x"_s.arg(i));
    }
    QString text(QRandomGenerator &g) const
    {
        const int n = 3 + int(g.bounded(16));
        QString s;
        for (int i = 0; i < n; ++i) {
            // Squaring a uniform draw favours the front of the list (the common words).
            const double u = g.generateDouble();
            const int w = int(u * u * u * double(m_words.size()));
            if (i)
                s += u' ';
            s += m_words.at(std::min(w, int(m_words.size()) - 1));
        }
        return s;
    }

private:
    QStringList m_words;
};

proto::Conversation makeConversation(int i, qint64 lastSeq)
{
    proto::Conversation c;
    c.conversationId = conversationId(i);
    c.kind = i % 4 == 0 ? proto::ConversationKind::Group : proto::ConversationKind::Direct;
    if (c.kind == proto::ConversationKind::Group)
        c.title = u"Group %1"_s.arg(i);
    c.lastSeq = lastSeq;
    c.createdTs = 1700000000000 + i;
    const int n = c.kind == proto::ConversationKind::Group ? 6 : 2;
    for (int k = 0; k < n; ++k) {
        proto::Member m;
        m.userId = k == 0 ? kMe : u"u_%1"_s.arg(1 + (i + k * 3) % (kUsers - 1));
        m.deliveredSeq = lastSeq;
        m.readSeq = lastSeq;
        if (std::any_of(c.members.cbegin(), c.members.cend(),
                        [&](const proto::Member &o) { return o.userId == m.userId; }))
            continue;
        c.members.append(m);
    }
    return c;
}

QString check(const chat::sync::Status &s, const QString &what)
{
    return s.ok() ? QString() : what + u": "_s + s.error().message;
}

// A signed-in account with `total` messages over `conversations` conversations (none when
// total is 0: a fresh account). Returns an error sentence or "".
QString fillProfile(const QString &profile, qint64 total, int conversations, double *seconds)
{
    const qint64 t0 = nowNs();
    auto opened = LocalStore::open(storePath(profile));
    if (!opened)
        return opened.error().message;
    LocalStore &store = *opened.value();
    {
        LocalStore::Transaction tx(store);
        QString e = check(tx.begin(), u"begin"_s);
        if (e.isEmpty())
            e = check(store.setMeta(u"user_id"_s, kMe), u"meta"_s);
        for (int u = 0; u < kUsers && e.isEmpty(); ++u)
            e = check(store.upsertUser({u"u_%1"_s.arg(u), u == 0 ? kUser : u"user%1"_s.arg(u),
                                        u == 0 ? u"Alice"_s : u"User %1"_s.arg(u)}),
                      u"user"_s);
        if (e.isEmpty())
            e = check(tx.commit(), u"commit"_s);
        if (!e.isEmpty())
            return e;
    }
    if (total == 0) {
        *seconds = double(nowNs() - t0) / 1e9;
        return {};
    }
    QRandomGenerator gen(7);
    const Words words;
    const qint64 perConv = std::max<qint64>(1, total / conversations);
    qint64 written = 0;
    QList<proto::Message> rows;
    for (int c = 0; c < conversations && written < total; ++c) {
        const qint64 n = std::min(perConv, total - written);
        const proto::Conversation conv = makeConversation(c, n);
        {
            LocalStore::Transaction tx(store);
            QString e = check(tx.begin(), u"begin"_s);
            if (e.isEmpty())
                e = check(store.upsertConversation(conv, kMe), u"conversation"_s);
            if (e.isEmpty())
                e = check(tx.commit(), u"commit"_s);
            if (!e.isEmpty())
                return e;
        }
        for (qint64 s = 1; s <= n; ++s, ++written) {
            proto::Message m;
            m.conversationId = conv.conversationId;
            m.seq = s;
            m.messageId = u"m_%1_%2"_s.arg(c).arg(s);
            m.senderId = conv.members.at(int(gen.bounded(int(conv.members.size())))).userId;
            m.clientMsgId = u"cm_%1_%2"_s.arg(c).arg(s);
            m.content = words.text(gen);
            // One message a minute or so, older conversations further in the past.
            m.ts = 1700000000000 + s * 60000 - qint64(c) * 3600000;
            rows.append(m);
            if (rows.size() == 1000 || s == n) {
                LocalStore::Transaction tx(store);
                QString e = check(tx.begin(), u"begin"_s);
                if (e.isEmpty()) {
                    auto r = store.insertMessages(rows, kMe);
                    if (!r)
                        e = u"insert: "_s + r.error().message;
                }
                if (e.isEmpty())
                    e = check(tx.commit(), u"commit"_s);
                if (!e.isEmpty())
                    return e;
                rows.clear();
            }
        }
        // A few unread messages in some conversations, as after a normal day.
        if (auto r = store.raiseOwnRead(conv.conversationId, std::max<qint64>(1, n - c % 7)); !r)
            return r.error().message;
        if ((c + 1) % 20 == 0)
            std::fprintf(stderr, "chat-bench-desktop: filled %lld of %lld messages (%.0f s)\n",
                         written, total, double(nowNs() - t0) / 1e9);
    }
    if (auto s = store.setMeta(u"bench_messages"_s, QString::number(total)); !s)
        return s.error().message;
    *seconds = double(nowNs() - t0) / 1e9;
    return {};
}

// The profile at `dir` holding `total` messages: reused when a finished fill is there.
QString ensureProfile(const QString &dir, qint64 total, int conversations, QJsonObject *info)
{
    const QString path = storePath(dir);
    if (QFileInfo::exists(path)) {
        auto opened = LocalStore::open(path);
        if (opened
            && (total == 0 || opened.value()->meta(u"bench_messages"_s).toLongLong() == total)
            && opened.value()->messageCount() == total) {
            (*info)["reused"_L1] = true;
            (*info)["messages"_L1] = total;
            return {};
        }
        return u"%1 exists but does not hold a finished fill of %2 messages; remove it"_s.arg(path)
            .arg(total);
    }
    double seconds = 0;
    if (QString e = fillProfile(dir, total, conversations, &seconds); !e.isEmpty())
        return u"filling %1: %2"_s.arg(path, e);
    (*info)["reused"_L1] = false;
    (*info)["messages"_L1] = total;
    (*info)["fill_s"_L1] = round3(seconds);
    return {};
}

qint64 storeBytes(const QString &profile)
{
    const QString p = storePath(profile);
    return QFileInfo(p).size() + QFileInfo(p + u"-wal"_s).size();
}

// VmRSS and VmHWM of a process in KiB.
QPair<qint64, qint64> memoryKb(qint64 pid)
{
    QFile f(u"/proc/%1/status"_s.arg(pid));
    qint64 rss = -1, hwm = -1;
    if (f.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : f.readAll().split('\n')) {
            if (line.startsWith("VmRSS:"))
                rss = line.mid(6).trimmed().split(' ').value(0).toLongLong();
            else if (line.startsWith("VmHWM:"))
                hwm = line.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
    }
    return {rss, hwm};
}

struct RunResult {
    double firstFrameMs = -1;
    qint64 rssKb = -1, hwmKb = -1;
    QString error;
};

RunResult runDesktop(const QString &bin, const QString &profile, const QString &open, int settleMs)
{
    RunResult r;
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
    env.insert(u"QT_LOGGING_RULES"_s, u"chat.*.info=false;chat.*.debug=false"_s);
    env.remove(u"DBUS_SESSION_BUS_ADDRESS"_s); // no desktop notifications service: same both ways
    p.setProcessEnvironment(env);
    p.setProcessChannelMode(QProcess::SeparateChannels);
    QStringList args{u"--profile"_s,
                     profile,
                     u"--server"_s,
                     kServer.toString(),
                     u"--username"_s,
                     kUser,
                     u"--password"_s,
                     u"unused-offline"_s,
                     u"--report-first-frame"_s,
                     u"--quit-after"_s,
                     u"120000"_s};
    if (!open.isEmpty())
        args << u"--open"_s << open;
    const qint64 t0 = nowNs();
    p.start(bin, args);
    if (!p.waitForStarted(10000)) {
        r.error = u"could not start "_s + bin;
        return r;
    }
    QByteArray out;
    const qint64 deadline = t0 + 120LL * 1000000000LL;
    while (!out.contains("first-frame ") || !out.contains('\n')) {
        if (nowNs() > deadline || p.state() == QProcess::NotRunning) {
            r.error = u"no first frame reported; stderr: "_s
                      + QString::fromUtf8(p.readAllStandardError().right(400));
            p.kill();
            p.waitForFinished(5000);
            return r;
        }
        p.waitForReadyRead(100);
        out += p.readAllStandardOutput();
    }
    const qsizetype at = out.indexOf("first-frame ");
    const qint64 ns = out.mid(at + 12, out.indexOf('\n', at) - at - 12).trimmed().toLongLong();
    r.firstFrameMs = double(ns - t0) / 1e6;
    // Settle: let it finish whatever it does after the first frame, then read its memory.
    QThread::msleep(static_cast<unsigned long>(settleMs));
    const auto mem = memoryKb(p.processId());
    r.rssKb = mem.first;
    r.hwmKb = mem.second;
    p.terminate();
    if (!p.waitForFinished(10000)) {
        p.kill();
        p.waitForFinished(5000);
    }
    return r;
}

QJsonObject stats(QList<double> v)
{
    std::sort(v.begin(), v.end());
    if (v.isEmpty())
        return {};
    const double median =
        v.size() % 2 ? v.at(v.size() / 2) : (v.at(v.size() / 2 - 1) + v.at(v.size() / 2)) / 2;
    QJsonArray all;
    for (double x : v)
        all.append(round3(x));
    return QJsonObject{{"median"_L1, round3(median)},
                       {"min"_L1, round3(v.first())},
                       {"max"_L1, round3(v.last())},
                       {"runs"_L1, all}};
}

// One batch size's figures, the same for both models.
QJsonObject batchSummary(int n, const QList<double> &ms, const QList<double> &viewMs,
                         const QList<double> &frameMs, int rowsAfter,
                         const QJsonObject &signalCounts, QLatin1StringView perRowKey)
{
    QJsonObject o{{"batch"_L1, n},
                  {"apply_ms"_L1, stats(ms)},
                  {"apply_with_listview_ms"_L1, stats(viewMs)},
                  {"then_next_frame_ms"_L1, stats(frameMs)},
                  {"rows_after"_L1, rowsAfter},
                  {"signals"_L1, signalCounts}};
    o[perRowKey] = round3(o["apply_ms"_L1].toObject()["median"_L1].toDouble() * 1000.0 / n);
    return o;
}

// Asks the kernel to drop the store's pages (and its WAL's) from the page cache, so the next
// start reads it from disk. Only these files are touched; the rest of the cache stays.
bool dropFromPageCache(const QString &profile)
{
    bool ok = true;
    for (const QString &path : QStringList{storePath(profile), storePath(profile) + u"-wal"_s}) {
        QFile f(path);
        if (!f.exists())
            continue;
        if (!f.open(QIODevice::ReadOnly)
            || posix_fadvise(f.handle(), 0, 0, POSIX_FADV_DONTNEED) != 0)
            ok = false;
    }
    return ok;
}

// `baseline` is started alternately with `full` and reported under `baselineKey`.
QJsonObject runStartup(const QString &bin, const QString &baseline, const QString &full, int runs,
                       int settleMs, const QString &open, bool cold = false,
                       const char *baselineKey = "empty")
{
    QJsonObject out{{"open"_L1, open.isEmpty() ? u"(none: conversation list)"_s : open},
                    {"store_in_page_cache"_L1, !cold},
                    {"baseline"_L1, QFileInfo(baseline).fileName()}};
    QList<double> frame[2], rss[2], hwm[2];
    const QString profiles[2] = {baseline, full};
    QJsonArray load;
    // One unmeasured start each first (page cache, fontconfig cache), then alternate.
    for (int i = -1; i < runs; ++i) {
        for (int k = 0; k < 2; ++k) {
            if (cold && !dropFromPageCache(profiles[k])) {
                out["error"_L1] = u"could not drop the store from the page cache"_s;
                return out;
            }
            const RunResult r = runDesktop(bin, profiles[k], open, i < 0 ? 500 : settleMs);
            if (!r.error.isEmpty()) {
                out["error"_L1] = r.error;
                return out;
            }
            if (i < 0)
                continue;
            frame[k].append(r.firstFrameMs);
            rss[k].append(double(r.rssKb) / 1024.0);
            hwm[k].append(double(r.hwmKb) / 1024.0);
        }
        if (i >= 0)
            load.append(loadAverage()["load1"_L1]);
        std::fprintf(stderr, "chat-bench-desktop: startup run %d of %d%s\n", i + 1, runs,
                     i < 0 ? " (warm-up)" : "");
    }
    const char *names[2] = {baselineKey, "full"};
    for (int k = 0; k < 2; ++k)
        out[QLatin1StringView(names[k])] = QJsonObject{{"first_frame_ms"_L1, stats(frame[k])},
                                                       {"rss_mb_after_settle"_L1, stats(rss[k])},
                                                       {"peak_rss_mb"_L1, stats(hwm[k])}};
    const double e = out[QLatin1StringView(baselineKey)]
                         .toObject()["first_frame_ms"_L1]
                         .toObject()["median"_L1]
                         .toDouble();
    const double f =
        out["full"_L1].toObject()["first_frame_ms"_L1].toObject()["median"_L1].toDouble();
    const QString ratioKey = u"full_over_%1_median"_s.arg(QLatin1StringView(baselineKey));
    if (e > 0)
        out[ratioKey] = round3(f / e);
    // Ratio run by run (each pair started back to back, so under the same load).
    QList<double> pairs;
    for (qsizetype i = 0; i < frame[0].size(); ++i)
        pairs.append(frame[1].at(i) / frame[0].at(i));
    out[u"full_over_%1_per_pair"_s.arg(QLatin1StringView(baselineKey))] = stats(pairs);
    out["load1_per_pair"_L1] = load;
    return out;
}

// --- in-process: the pieces of a start, and batch apply ---------------------------------------

struct SignalCount {
    int resets = 0, inserts = 0, insertedRows = 0, moves = 0, dataChanged = 0, removes = 0;
    void attach(QAbstractItemModel *m)
    {
        QObject::connect(m, &QAbstractItemModel::modelReset, [this] { ++resets; });
        QObject::connect(m, &QAbstractItemModel::rowsInserted,
                         [this](const QModelIndex &, int a, int b) {
                             ++inserts;
                             insertedRows += b - a + 1;
                         });
        QObject::connect(m, &QAbstractItemModel::rowsMoved, [this] { ++moves; });
        QObject::connect(m, &QAbstractItemModel::rowsRemoved, [this] { ++removes; });
        QObject::connect(m, &QAbstractItemModel::dataChanged, [this] { ++dataChanged; });
    }
    QJsonObject json() const
    {
        return QJsonObject{
            {"model_resets"_L1, resets},          {"rows_inserted_signals"_L1, inserts},
            {"rows_inserted"_L1, insertedRows},   {"rows_moved_signals"_L1, moves},
            {"rows_removed_signals"_L1, removes}, {"data_changed_signals"_L1, dataChanged}};
    }
};

// Opening the filled store the way the app does, timed piece by piece.
QJsonObject runOpen(const QString &profile, const QString &conversation, int rounds)
{
    QList<double> openMs, listMs, convMs;
    for (int i = 0; i < rounds; ++i) {
        chat::sync::SyncEngine engine;
        chat::sync::SyncEngine::Options options;
        options.dataDir = profile + u"/accounts"_s;
        qint64 t = nowNs();
        if (auto s = engine.openAccount(kServer, kUser, options); !s)
            return QJsonObject{{"error"_L1, s.error().message}};
        openMs.append(double(nowNs() - t) / 1e6);
        chat::model::ConversationListModel list;
        t = nowNs();
        list.setEngine(&engine);
        listMs.append(double(nowNs() - t) / 1e6);
        t = nowNs();
        chat::model::MessageListModel messages(&engine, conversation);
        convMs.append(double(nowNs() - t) / 1e6);
        if (messages.count() == 0 || list.count() == 0)
            return QJsonObject{
                {"error"_L1, u"the filled store shows no conversation or messages"_s}};
    }
    // What LocalStore::open spends its time on: the integrity check it runs on every open,
    // timed alone on a plain connection to the same file.
    QList<double> checkMs;
    for (int i = 0; i < rounds; ++i) {
        const QString name = u"bench-quick-check-%1"_s.arg(i);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
            db.setDatabaseName(storePath(profile));
            if (!db.open())
                return QJsonObject{{"error"_L1, db.lastError().text()}};
            QSqlQuery q(db);
            const qint64 t = nowNs();
            if (!q.exec(u"PRAGMA quick_check"_s) || !q.next())
                return QJsonObject{{"error"_L1, q.lastError().text()}};
            checkMs.append(double(nowNs() - t) / 1e6);
        }
        QSqlDatabase::removeDatabase(name);
    }
    return QJsonObject{{"store_open_ms"_L1, stats(openMs)},
                       {"pragma_quick_check_alone_ms"_L1, stats(checkMs)},
                       {"conversation_list_load_ms"_L1, stats(listMs)},
                       {"open_conversation_ms"_L1, stats(convMs)},
                       {"conversation"_L1, conversation}};
}

LocalMessage incoming(const QString &conv, qint64 seq, const Words &words, QRandomGenerator &g)
{
    LocalMessage m;
    m.conversationId = conv;
    m.seq = seq;
    m.messageId = u"m_%1_%2"_s.arg(conv).arg(seq);
    m.localId = m.messageId;
    m.senderId = u"u_%1"_s.arg(1 + int(g.bounded(kUsers - 1)));
    m.content = words.text(g);
    m.ts = 1700000000000 + seq * 60000;
    m.state = chat::sync::DeliveryState::Received;
    return m;
}

// A window with a plain ListView over `model` (a Text per row, bound to `role`), as the app's
// views see the model's signals: rows inserted one by one each make the view react.
class ViewHarness
{
public:
    ViewHarness(QAbstractItemModel *model, const QByteArray &role, bool bottomToTop)
    {
        const QByteArray qml = "import QtQuick\n"
                               "Window {\n"
                               "    required property var rows\n"
                               "    width: 480; height: 720; visible: true\n"
                               "    ListView {\n"
                               "        anchors.fill: parent\n"
                               "        model: rows\n"
                               "        verticalLayoutDirection: ListView."
                               + QByteArray(bottomToTop ? "BottomToTop" : "TopToBottom")
                               + "\n        delegate: Text {\n"
                                 "            width: ListView.view.width; wrapMode: Text.Wrap\n"
                                 "            text: String(model."
                               + role + ")\n        }\n    }\n}\n";
        m_engine.setInitialProperties({{u"rows"_s, QVariant::fromValue<QObject *>(model)}});
        m_engine.loadData(qml);
        if (!m_engine.rootObjects().isEmpty())
            m_window = qobject_cast<QQuickWindow *>(m_engine.rootObjects().constFirst());
        if (m_window)
            QObject::connect(
                m_window, &QQuickWindow::frameSwapped, m_window, [this] { ++m_frames; },
                Qt::DirectConnection);
    }
    bool ok() const { return m_window != nullptr; }
    // Runs the loop until the window has drawn a frame after this call; returns ms waited.
    double waitFrame()
    {
        const qint64 t = nowNs();
        const int before = m_frames.load();
        m_window->requestUpdate();
        waitFor([&] { return m_frames.load() > before; }, 30000);
        return double(nowNs() - t) / 1e6;
    }

private:
    QQmlApplicationEngine m_engine;
    QQuickWindow *m_window = nullptr;
    std::atomic_int m_frames{0};
};

QJsonObject runModels(const QList<int> &batches, int rounds)
{
    QTemporaryDir tmp;
    const QString profile = tmp.path();
    double fillS = 0;
    // A small store: 8 conversations of 200 messages; the open conversation is c_00000.
    if (QString e = fillProfile(profile, 1600, 8, &fillS); !e.isEmpty())
        return QJsonObject{{"error"_L1, e}};
    chat::sync::SyncEngine engine;
    chat::sync::SyncEngine::Options options;
    options.dataDir = profile + u"/accounts"_s;
    if (auto s = engine.openAccount(kServer, kUser, options); !s)
        return QJsonObject{{"error"_L1, s.error().message}};
    const Words words;
    QRandomGenerator gen(11);
    QJsonArray messageRuns, conversationRuns;
    for (int n : batches) {
        QList<double> ms;
        SignalCount last;
        int rowsAfter = 0;
        for (int r = 0; r < rounds; ++r) {
            // The open conversation, newest page loaded; a batch of n newer messages arrives
            // (a catch-up page or a burst of pushes committed in one transaction).
            chat::model::MessageListModel model(&engine, conversationId(0));
            SignalCount count;
            count.attach(&model);
            ChangeBatch batch;
            for (int i = 1; i <= n; ++i)
                batch.add(MessageChange::Kind::Inserted,
                          incoming(conversationId(0), 200 + i, words, gen),
                          MessageChange::Origin::Sync);
            const qint64 t = nowNs();
            model.applyBatch(batch);
            ms.append(double(nowNs() - t) / 1e6);
            last = count;
            rowsAfter = model.count();
        }
        // The same with a ListView attached: the apply (the view handles every signal
        // synchronously) and the wait for the next drawn frame.
        QList<double> viewMs, frameMs;
        for (int r = 0; r < rounds; ++r) {
            chat::model::MessageListModel model(&engine, conversationId(0));
            ViewHarness view(&model, "content", true);
            if (!view.ok())
                return QJsonObject{{"error"_L1, u"the ListView harness did not load"_s}};
            view.waitFrame();
            ChangeBatch batch;
            for (int i = 1; i <= n; ++i)
                batch.add(MessageChange::Kind::Inserted,
                          incoming(conversationId(0), 200 + i, words, gen),
                          MessageChange::Origin::Sync);
            const qint64 t = nowNs();
            model.applyBatch(batch);
            viewMs.append(double(nowNs() - t) / 1e6);
            frameMs.append(view.waitFrame());
        }
        messageRuns.append(batchSummary(n, ms, viewMs, frameMs, rowsAfter, last.json(),
                                        "us_per_message_median"_L1));
        std::fprintf(stderr, "chat-bench-desktop: message model, batch of %d done\n", n);
    }
    for (int n : batches) {
        QList<double> ms;
        SignalCount last;
        int rowsAfter = 0;
        for (int r = 0; r < rounds; ++r) {
            // The conversation list (8 conversations); a sync batch brings n new ones.
            chat::model::ConversationListModel model;
            model.setEngine(&engine);
            SignalCount count;
            count.attach(&model);
            ChangeBatch batch;
            for (int i = 0; i < n; ++i) {
                chat::sync::ConversationInfo c;
                c.conversationId = u"n_%1_%2"_s.arg(r).arg(i);
                c.group = true;
                c.title = u"New %1"_s.arg(i);
                c.displayTitle = c.title;
                c.lastSeq = 1;
                c.createdTs = 1700000000000 + gen.bounded(1000000);
                c.lastActivityTs = c.createdTs;
                batch.add(ConversationChange{ConversationChange::Kind::Inserted, c});
            }
            const qint64 t = nowNs();
            model.applyBatch(batch);
            ms.append(double(nowNs() - t) / 1e6);
            last = count;
            rowsAfter = model.count();
        }
        QList<double> viewMs, frameMs;
        for (int r = 0; r < rounds; ++r) {
            chat::model::ConversationListModel model;
            model.setEngine(&engine);
            ViewHarness view(&model, "title", false);
            if (!view.ok())
                return QJsonObject{{"error"_L1, u"the ListView harness did not load"_s}};
            view.waitFrame();
            ChangeBatch batch;
            for (int i = 0; i < n; ++i) {
                chat::sync::ConversationInfo c;
                c.conversationId = u"v_%1_%2"_s.arg(r).arg(i);
                c.group = true;
                c.title = u"New %1"_s.arg(i);
                c.displayTitle = c.title;
                c.lastSeq = 1;
                c.createdTs = 1700000000000 + gen.bounded(1000000);
                c.lastActivityTs = c.createdTs;
                batch.add(ConversationChange{ConversationChange::Kind::Inserted, c});
            }
            const qint64 t = nowNs();
            model.applyBatch(batch);
            viewMs.append(double(nowNs() - t) / 1e6);
            frameMs.append(view.waitFrame());
        }
        conversationRuns.append(batchSummary(n, ms, viewMs, frameMs, rowsAfter, last.json(),
                                             "us_per_conversation_median"_L1));
        std::fprintf(stderr, "chat-bench-desktop: conversation model, batch of %d done\n", n);
    }
    return QJsonObject{{"message_list_model"_L1, messageRuns},
                       {"conversation_list_model"_L1, conversationRuns},
                       {"rounds"_L1, rounds}};
}

QList<int> intList(const QString &s, bool *ok)
{
    QList<int> l;
    *ok = true;
    for (const QString &p : s.split(u',', Qt::SkipEmptyParts)) {
        bool one = false;
        const int v = p.toInt(&one);
        if (!one || v <= 0)
            *ok = false;
        l.append(v);
    }
    return l;
}

int fail(const QString &why)
{
    std::fprintf(stderr, "chat-bench-desktop: %s\n", qPrintable(why));
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    // The models part shows a ListView; no display is needed (nor wanted) for that.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"chat-bench-desktop"_s);
    QCommandLineParser p;
    p.setApplicationDescription(
        u"Desktop client benchmarks: chat-desktop start to first frame with a full local "
        "cache against an empty one, its RSS, the pieces of a start in-process, and how the "
        "list models apply large change batches. Prints a JSON summary; exit 1 if a part "
        "failed, 2 on bad arguments."_s);
    p.addHelpOption();
    p.addOptions({
        {u"parts"_s,
         u"Which parts to run, comma separated: startup, open, models, and cold (the "
         "startup of the list with the store files dropped from the page cache before each "
         "start: posix_fadvise DONTNEED on them only; not in the default)."_s,
         u"list"_s, u"startup,open,models"_s},
        {u"messages"_s, u"Messages in the full profile's store (default 1000000)."_s, u"n"_s,
         u"1000000"_s},
        {u"conversations"_s, u"Conversations they are spread over (default 200)."_s, u"n"_s,
         u"200"_s},
        {u"profiles"_s,
         u"Keep the profiles here (empty/, full-N/ and small-M/: the same conversations with "
         "50 messages each, the baseline of the start with a conversation open), filled only "
         "when missing, so later runs skip the fill. Default: a temporary folder, removed "
         "afterwards."_s,
         u"DIR"_s},
        {u"desktop-bin"_s, u"The chat-desktop binary (default: next to this one)."_s, u"path"_s},
        {u"runs"_s, u"Measured starts of each profile (default 5)."_s, u"n"_s, u"5"_s},
        {u"settle-ms"_s, u"Wait after the first frame before reading RSS (default 3000)."_s,
         u"ms"_s, u"3000"_s},
        {u"batches"_s, u"models: batch sizes, comma separated (default 1000,10000)."_s, u"list"_s,
         u"1000,10000"_s},
        {u"rounds"_s, u"models and open: repetitions of each measurement (default 3)."_s, u"n"_s,
         u"3"_s},
        {u"out"_s, u"Also write the JSON summary to this file."_s, u"file"_s},
    });
    p.process(app);

    bool ok = true;
    const QStringList parts = p.value(u"parts"_s).split(u',', Qt::SkipEmptyParts);
    for (const QString &part : parts)
        if (part != "startup"_L1 && part != "cold"_L1 && part != "open"_L1 && part != "models"_L1)
            return fail(u"unknown part \"%1\" (startup, cold, open, models)"_s.arg(part));
    const qint64 messages = p.value(u"messages"_s).toLongLong(&ok);
    if (!ok || messages < 1)
        return fail(u"--messages must be a positive number"_s);
    const int conversations = p.value(u"conversations"_s).toInt(&ok);
    if (!ok || conversations < 1)
        return fail(u"--conversations must be a positive number"_s);
    const int runs = p.value(u"runs"_s).toInt(&ok);
    if (!ok || runs < 1)
        return fail(u"--runs must be a positive number"_s);
    const int settleMs = p.value(u"settle-ms"_s).toInt(&ok);
    if (!ok || settleMs < 0)
        return fail(u"--settle-ms must be a number of milliseconds"_s);
    const int rounds = p.value(u"rounds"_s).toInt(&ok);
    if (!ok || rounds < 1)
        return fail(u"--rounds must be a positive number"_s);
    const QList<int> batches = intList(p.value(u"batches"_s), &ok);
    if (!ok || batches.isEmpty())
        return fail(u"--batches wants positive numbers, comma separated"_s);
    const QString bin = p.isSet(u"desktop-bin"_s)
                            ? p.value(u"desktop-bin"_s)
                            : QCoreApplication::applicationDirPath() + u"/chat-desktop"_s;
    if ((parts.contains(u"startup"_s) || parts.contains(u"cold"_s))
        && !QFileInfo(bin).isExecutable())
        return fail(u"no chat-desktop at %1 (build it, or pass --desktop-bin)"_s.arg(bin));

    QTemporaryDir tmp;
    const QString base =
        p.isSet(u"profiles"_s) ? QDir(p.value(u"profiles"_s)).absolutePath() : tmp.path();
    const QString empty = base + u"/empty"_s;
    const QString full = base + u"/full-"_s + QString::number(messages);
    // The baseline of a start with a conversation open: the same conversations with a page
    // of messages each, so both starts draw the same view (an empty cache has no
    // conversation to open and draws an empty list: far less to lay out than 50 messages).
    const qint64 smallMessages = qint64(conversations) * kSmallPerConversation;
    const QString small = base + u"/small-"_s + QString::number(smallMessages);

    QJsonObject out{{"benchmark"_L1, u"desktop"_s}, {"machine_before"_L1, loadAverage()}};
    out["params"_L1] = QJsonObject{{"messages"_L1, messages}, {"conversations"_L1, conversations},
                                   {"runs"_L1, runs},         {"settle_ms"_L1, settleMs},
                                   {"rounds"_L1, rounds},     {"parts"_L1, parts.join(u',')}};
    bool failed = false;
    if (parts.contains(u"startup"_s) || parts.contains(u"open"_s) || parts.contains(u"cold"_s)) {
        QJsonObject e, f, sm;
        QString err = ensureProfile(empty, 0, conversations, &e);
        if (err.isEmpty())
            err = ensureProfile(full, messages, conversations, &f);
        if (err.isEmpty() && parts.contains(u"startup"_s))
            err = ensureProfile(small, smallMessages, conversations, &sm);
        if (!err.isEmpty())
            return fail(err);
        f["store_bytes"_L1] = storeBytes(full);
        e["store_bytes"_L1] = storeBytes(empty);
        QJsonObject profiles{{"empty"_L1, e}, {"full"_L1, f}};
        if (!sm.isEmpty()) {
            sm["store_bytes"_L1] = storeBytes(small);
            profiles["small"_L1] = sm;
        }
        out["profiles"_L1] = profiles;
    }
    if (parts.contains(u"open"_s)) {
        const QJsonObject o = runOpen(full, conversationId(0), rounds);
        failed = failed || o.contains("error"_L1);
        out["open_in_process"_L1] = o;
    }
    if (parts.contains(u"startup"_s)) {
        QJsonObject s = runStartup(bin, empty, full, runs, settleMs, {});
        failed = failed || s.contains("error"_L1);
        out["startup_list"_L1] = s;
        if (!failed) {
            // The same with the largest conversation opened at start (its newest page shown),
            // against the small profile showing the same conversation with a page of
            // messages: what the full cache adds, not what drawing 50 messages costs.
            s = runStartup(bin, small, full, runs, settleMs, conversationId(0), false, "small");
            failed = failed || s.contains("error"_L1);
            out["startup_open_conversation"_L1] = s;
        }
    }
    if (parts.contains(u"cold"_s) && !failed) {
        // Cold: the store is read from disk on every start (posix_fadvise DONTNEED first).
        const QJsonObject c = runStartup(bin, empty, full, runs, settleMs, {}, true);
        failed = failed || c.contains("error"_L1);
        out["startup_list_cold"_L1] = c;
    }
    if (parts.contains(u"models"_s)) {
        const QJsonObject m = runModels(batches, rounds);
        failed = failed || m.contains("error"_L1);
        out["models"_L1] = m;
    }
    out["machine_after"_L1] = loadAverage();
    const QByteArray json = QJsonDocument(out).toJson(QJsonDocument::Indented);
    std::fwrite(json.constData(), 1, size_t(json.size()), stdout);
    if (p.isSet(u"out"_s)) {
        QFile f(p.value(u"out"_s));
        if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size())
            return fail(u"cannot write "_s + p.value(u"out"_s));
    }
    return failed ? 1 : 0;
}
