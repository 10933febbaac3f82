// chat-bench: a load generator for any protocol-v1 server. See --help and docs/PERFORMANCE.md.
#include "benchutil.h"
#include "epolldispatcher.h"
#include "leanreceiver.h"
#include "scenarios.h"
#include "serverprocess.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

#include <csignal>
#include <cstdio>

using namespace Qt::StringLiterals;
using namespace chat::bench;

namespace {

const QStringList kScenarios{u"throughput"_s, u"latency"_s, u"connections"_s, u"fanout"_s,
                             u"catchup"_s};

QJsonObject runScenario(const QString &name, const Target &t, const Options &o)
{
    if (name == "throughput"_L1)
        return runThroughput(t, o);
    if (name == "latency"_L1)
        return runLatency(t, o);
    if (name == "connections"_L1)
        return runConnections(t, o);
    if (name == "fanout"_L1)
        return runFanout(t, o);
    return runCatchup(t, o);
}

// ours / peer for every number both summaries hold at the same place (arrays by index).
QJsonValue ratios(const QJsonValue &ours, const QJsonValue &peer)
{
    if (ours.isDouble() && peer.isDouble()) {
        if (peer.toDouble() == 0)
            return QJsonValue::Null;
        return round3(ours.toDouble() / peer.toDouble());
    }
    if (ours.isObject() && peer.isObject()) {
        QJsonObject out;
        const QJsonObject a = ours.toObject(), b = peer.toObject();
        for (auto it = a.begin(); it != a.end(); ++it) {
            if (it.key() == "cdf"_L1 || it.key().startsWith("machine"_L1) || it.key() == "params"_L1
                || !b.contains(it.key()))
                continue;
            const QJsonValue r = ratios(it.value(), b.value(it.key()));
            if (!r.isUndefined() && !(r.isObject() && r.toObject().isEmpty())
                && !(r.isArray() && r.toArray().isEmpty()))
                out.insert(it.key(), r);
        }
        return out;
    }
    if (ours.isArray() && peer.isArray()) {
        QJsonArray out;
        const QJsonArray a = ours.toArray(), b = peer.toArray();
        for (qsizetype i = 0; i < qMin(a.size(), b.size()); ++i)
            out.append(ratios(a.at(i), b.at(i)));
        return out;
    }
    return QJsonValue::Undefined;
}

QList<int> intList(const QString &text, bool *ok)
{
    QList<int> out;
    *ok = true;
    for (const QString &p : text.split(u',', Qt::SkipEmptyParts)) {
        bool one = false;
        const int v = p.trimmed().toInt(&one);
        if (!one || v <= 0)
            *ok = false;
        out.append(v);
    }
    *ok = *ok && !out.isEmpty();
    return out;
}

int fail(const QString &message)
{
    fprintf(stderr, "chat-bench: %s\n", qPrintable(message));
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    // The load generator holds thousands of sockets too: give it the O(ready) loop so its own
    // polling is not what the figures measure.
    QCoreApplication::setEventDispatcher(new chat::eventloop::EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"chat-bench"_s);
    std::signal(SIGPIPE, SIG_IGN);

    QCommandLineParser p;
    p.setApplicationDescription(
        u"Load generator for protocol-v1 chat servers. Prints one JSON summary per run.\n\n"
        "  chat-bench SCENARIO --url ws://127.0.0.1:PORT [--server-pid PID] [options]\n"
        "  chat-bench compare SCENARIO [options]   starts chat-server (--rate-limit 0) and the\n"
        "      Node.js peer on free loopback ports with temporary data, runs SCENARIO against\n"
        "      each and prints both summaries and the ratios ours / peer.\n\n"
        "Scenarios: throughput, latency, connections, fanout, catchup.\n"
        "fanout: one protocol-v1 sender in this process; the receivers are held by\n"
        "--receiver-processes `chat-bench fanout-worker` processes that count message pushes by\n"
        "walking WebSocket frame headers (no JSON parse per message) and read the sender's\n"
        "timestamp every --sample-every messages, so the rate measured is the server's.\n"
        "latency: --senders protocol-v1 clients in this process send at each offered rate\n"
        "(send→ack measured here); the --receivers are held by --receiver-processes lean\n"
        "workers that read the sender's timestamp of every message (send→recipient), so the\n"
        "measuring costs little next to the server. Sends are paced on a timer at each send\n"
        "interval (at least 100 µs); times are from the planned send moment (and, as\n"
        "*_from_send, from the moment the send left).\n"
        "Server CPU and RSS figures need the server's pid (--server-pid, or compare mode)."_s);
    p.addHelpOption();
    p.addPositionalArgument(u"scenario"_s, u"throughput | latency | connections | fanout | "
                                           "catchup | compare SCENARIO"_s);
    auto opt = [&](const char *name, const char *desc, const char *value = nullptr,
                   const char *def = nullptr) {
        QCommandLineOption o(QString::fromLatin1(name), QString::fromLatin1(desc));
        if (value)
            o.setValueName(QString::fromLatin1(value));
        if (def)
            o.setDefaultValue(QString::fromLatin1(def));
        p.addOption(o);
        return o;
    };
    const auto oUrl = opt("url", "Server URL; repeat for several destinations.", "url");
    const auto oPid = opt("server-pid",
                          "The server's pid, for CPU and RSS from /proc; connections: repeat "
                          "for several nodes (each is reported, the first is the probe's).",
                          "pid");
    const auto oAdmin =
        opt("admin-token", "Create users through admin_seed (reference server).", "token");
    const auto oSenders = opt("senders", "throughput/latency: sending connections.", "n", "8");
    const auto oReceivers = opt("receivers",
                                "throughput/latency: receiving connections (latency: in lean "
                                "worker processes).",
                                "n", "8");
    const auto oWindow = opt("window", "Unacked sends in flight per sender.", "n", "64");
    const auto oDuration =
        opt("duration", "Measured seconds (throughput, latency per rate).", "s", "5");
    const auto oWarmup = opt("warmup", "Unmeasured seconds first.", "s", "1");
    const auto oRates =
        opt("rates", "latency: offered msg/s, comma separated.", "list", "1000,5000,10000");
    const auto oPadding = opt("padding", "Extra characters of content per message.", "n", "64");
    const auto oConnections =
        opt("connections", "connections: K connections to hold.", "k", "1000");
    const auto oProbe = opt("probe", "connections: probe connections measuring ping.", "n", "100");
    const auto oOpenRate = opt("open-rate", "connections: new connections per second.", "n", "400");
    const auto oPerProcess =
        opt("per-process", "connections: at most this many per process.", "n", "9000");
    const auto oIdle = opt("idle", "connections: seconds of idle CPU measurement.", "s", "10");
    const auto oPing =
        opt("ping-seconds", "connections: seconds of ping sampling at each count.", "s", "5");
    const auto oAccounts = opt("accounts-file",
                               "connections: use these accounts instead of registering: one "
                               "\"user_id token username\" per line, at least K/10 of them.",
                               "file");
    const auto oHold = opt("hold",
                           "connections: keep the K connections open this many seconds after "
                           "measuring (\"holding\" on stderr at the start), for outside probes.",
                           "s", "0");
    const auto oGroups =
        opt("groups", "fanout: group sizes, comma separated.", "list", "10,100,1000");
    const auto oFanout =
        opt("fanout-deliveries",
            "fanout: deliveries per group size (messages = n / (size - 1), 20 to 5000).", "n",
            "100000");
    const auto oReceiverProcs = opt("receiver-processes",
                                    "fanout, latency: worker processes holding the receiving "
                                    "connections (lean receivers: frame headers walked, no JSON "
                                    "parse).",
                                    "n", "2");
    const auto oSampleEvery =
        opt("sample-every",
            "fanout: a delivery latency sample (the sender's timestamp against the receiving "
            "worker's clock) every Nth text frame per receiver.",
            "n", "64");
    const auto oCoalesce = opt("receiver-coalesce-us",
                               "fanout: each receiver worker passes over its ready sockets at "
                               "most once per this many microseconds, so frames written one by "
                               "one are read together (adds up to this much to the sampled "
                               "latency). 0 = read as soon as data arrives.",
                               "us", "0");
    const auto oMessages = opt("messages", "catchup: messages missed.", "n", "100000");
    const auto oConvs =
        opt("conversations", "catchup: conversations they are spread over.", "n", "500");
    const auto oOut = opt("out", "Also write the JSON summary to this file.", "file");
    const auto oServerBin = opt("server-bin", "compare: chat-server binary.", "path");
    const auto oServerArg =
        opt("server-arg", "compare: extra chat-server argument (repeat).", "arg");
    const auto oNode = opt("node", "compare: node binary.", "path", "node");
    const auto oPeerDir =
        opt("peer-dir", "compare: the peer's folder (server.js).", "dir", CHAT_BENCH_PEER_DIR);
    // Internal: the worker halves of `connections` and `fanout`.
    const auto oTokenFile =
        opt("token-file", "connections-worker, fanout-worker: account tokens.", "file");
    const auto oFrom = opt("from", "connections-worker: first account line.", "n", "0");
    const auto oCount = opt("count", "connections-worker: connections.", "n", "0");
    const auto oRawSamples =
        opt("raw-samples", "fanout-worker: samples as \"sent_ns,read_ns\" pairs (latency).");
    p.process(app);

    QStringList pos = p.positionalArguments();
    if (pos.isEmpty())
        return fail(u"name a scenario (see --help)"_s);
    const bool compare = pos.first() == "compare"_L1;
    if (compare)
        pos.removeFirst();

    QList<QUrl> urls;
    for (const QString &u : p.values(oUrl)) {
        const QUrl url(u);
        if (!url.isValid() || (url.scheme() != "ws"_L1 && url.scheme() != "wss"_L1))
            return fail(u"--url %1 is not a ws:// or wss:// URL"_s.arg(u));
        urls.append(url);
    }

    if (pos.value(0) == "fanout-worker"_L1)
        return urls.size() == 1
                   ? runFanoutWorker(urls.first(), p.value(oTokenFile),
                                     qMax(1, p.value(oSampleEvery).toInt()),
                                     qMax(0, p.value(oCoalesce).toInt()), p.isSet(oRawSamples))
                   : fail(u"fanout-worker takes one --url"_s);
    if (pos.value(0) == "connections-worker"_L1)
        return runConnectionsWorker(urls, p.value(oTokenFile), p.value(oFrom).toInt(),
                                    p.value(oCount).toInt(), p.value(oOpenRate).toInt());

    if (pos.size() != 1 || !kScenarios.contains(pos.first()))
        return fail(u"unknown scenario; one of: "_s + kScenarios.join(u", "_s));
    const QString scenario = pos.first();

    Options o;
    bool ok = true, all = true;
    auto num = [&](const QCommandLineOption &opt, double min) {
        const double v = p.value(opt).toDouble(&ok);
        if (!ok || v < min) {
            fprintf(stderr, "chat-bench: --%s must be a number >= %g\n",
                    qPrintable(opt.names().first()), min);
            all = false;
        }
        return v;
    };
    o.senders = int(num(oSenders, 1));
    o.receivers = int(num(oReceivers, 1));
    o.window = int(num(oWindow, 1));
    o.durationS = num(oDuration, 0.1);
    o.warmupS = num(oWarmup, 0);
    o.padding = int(num(oPadding, 0));
    o.connections = int(num(oConnections, 1));
    o.probe = int(num(oProbe, 1));
    o.openRate = int(num(oOpenRate, 1));
    o.perProcess = int(num(oPerProcess, 10));
    o.idleS = num(oIdle, 0.5);
    o.pingS = num(oPing, 0.5);
    o.holdS = num(oHold, 0);
    o.accountsFile = p.value(oAccounts);
    for (const QString &v : p.values(oPid)) {
        const qint64 pid = v.toLongLong(&ok);
        all = all && ok && pid > 0;
        o.serverPids.append(pid);
    }
    o.fanoutDeliveries = int(num(oFanout, 1));
    o.receiverProcesses = int(num(oReceiverProcs, 1));
    o.sampleEvery = int(num(oSampleEvery, 1));
    o.coalesceUs = int(num(oCoalesce, 0));
    o.catchupMessages = int(num(oMessages, 1));
    o.catchupConversations = int(num(oConvs, 1));
    o.rates = intList(p.value(oRates), &ok);
    all = all && ok;
    o.groups = intList(p.value(oGroups), &ok);
    all = all && ok;
    for (int g : o.groups)
        all = all && g >= 2 && g <= 1000;
    if (!all)
        return fail(u"bad option value (lists are positive integers; groups 2..1000)"_s);
    if (o.perProcess > 18000)
        return fail(u"--per-process above 18000 would pass the 20k open files limit"_s);
    o.selfPath = QCoreApplication::applicationFilePath();

    QJsonObject result;
    if (!compare) {
        if (urls.isEmpty())
            return fail(u"--url is required (or use: chat-bench compare SCENARIO)"_s);
        Target t;
        t.label = u"server"_s;
        t.urls = urls;
        t.pid = p.values(oPid).value(0).toLongLong();
        t.adminToken = p.value(oAdmin);
        result = runScenario(scenario, t, o);
    } else {
        const QString serverBin = p.isSet(oServerBin)
                                      ? p.value(oServerBin)
                                      : QCoreApplication::applicationDirPath() + u"/chat-server"_s;
        const QString peerJs = p.value(oPeerDir) + u"/server.js"_s;
        if (!QFileInfo::exists(serverBin))
            return fail(u"no chat-server at %1 (build it, or pass --server-bin)"_s.arg(serverBin));
        if (!QFileInfo::exists(p.value(oPeerDir) + u"/node_modules/better-sqlite3"_s))
            return fail(
                u"the peer's dependencies are missing: run scripts/bench-peer-install.sh"_s);
        result = QJsonObject{{"scenario"_L1, scenario}, {"mode"_L1, u"compare"_s}};
        struct Side {
            QString key, program;
            QStringList args;
        };
        const QList<Side> sides{
            {u"ours"_s, serverBin,
             QStringList{u"--listen"_s, u"127.0.0.1:0"_s, u"--rate-limit"_s, u"0"_s}
                 + p.values(oServerArg)},
            {u"peer"_s, p.value(oNode), {peerJs, u"--listen"_s, u"127.0.0.1:0"_s}},
        };
        for (const Side &side : sides) {
            ServerProcess server(side.program, side.args);
            QString error;
            if (!server.start(30000, &error))
                return fail(error);
            Target t;
            t.label = side.key;
            t.urls = {server.url()};
            t.pid = server.pid();
            fprintf(stderr, "chat-bench: %s on %s (pid %lld)\n", qPrintable(side.key),
                    qPrintable(server.url().toString()), t.pid);
            result.insert(side.key, runScenario(scenario, t, o));
            server.stop();
        }
        result.insert(u"ratios_ours_over_peer"_s, ratios(result["ours"_L1], result["peer"_L1]));
    }
    const QByteArray json = QJsonDocument(result).toJson(QJsonDocument::Indented);
    fwrite(json.constData(), 1, size_t(json.size()), stdout);
    fflush(stdout);
    if (p.isSet(oOut)) {
        QFile f(p.value(oOut));
        if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size())
            return fail(u"cannot write "_s + p.value(oOut));
    }
    auto hasError = [](const QJsonObject &o) { return o.contains("error"_L1); };
    if (hasError(result) || hasError(result["ours"_L1].toObject())
        || hasError(result["peer"_L1].toObject()))
        return 1;
    return 0;
}
