// fanout: one sender posts into groups of 10 / 100 / 1000 members whose other members are all
// connected; deliveries per second and the server's CPU per delivery (cost per recipient).
// The same users serve every group size: the largest group's members are registered once.
#include "scenarios.h"

#include "benchutil.h"

#include <memory>

using namespace Qt::StringLiterals;

namespace chat::bench {

QJsonObject runFanout(const Target &t, const Options &o)
{
    QJsonObject out{{"scenario"_L1, u"fanout"_s}, {"target"_L1, t.label}};
    int maxGroup = 2;
    for (int g : o.groups)
        maxGroup = qMax(maxGroup, g);
    out["params"_L1] = QJsonObject{{"deliveries_per_size"_L1, o.fanoutDeliveries},
                                   {"window"_L1, o.window},
                                   {"padding"_L1, o.padding}};
    out["machine_before"_L1] = machineContext();
    auto owner = std::make_unique<QObject>();
    Population pop(t, owner.get());
    QList<Account> accounts;
    QList<BenchClient *> clients;
    const qint64 r0 = nowNs();
    if (!pop.createAccounts(maxGroup, &accounts, &clients)) {
        out["error"_L1] = pop.error();
        return out;
    }
    out["register_s"_L1] = round3(double(nowNs() - r0) / 1e9);
    BenchClient *sender = clients.first();
    const QString padding(o.padding, u'x');
    QJsonArray runs;
    for (int g : o.groups) {
        QJsonObject run{{"group_size"_L1, g}};
        QStringList members;
        for (int i = 1; i < g; ++i)
            members.append(clients.at(i)->userId);
        QStringList ids;
        if (!pop.createConversations({{sender, true, u"fanout %1"_s.arg(g), members}}, &ids)) {
            run["error"_L1] = pop.error();
            runs.append(run);
            continue;
        }
        const QString conv = ids.first();
        const qint64 messages = qMax<qint64>(20, qMin<qint64>(5000, o.fanoutDeliveries / (g - 1)));
        const qint64 expected = messages * (g - 1);
        qint64 sent = 0, acked = 0, delivered = 0, errors = 0;
        LatencyRecorder lat;
        for (int i = 1; i < g; ++i)
            clients.at(i)->onMessage = [&](qint64 sentNs) {
                if (sentNs > 0) {
                    ++delivered;
                    lat.add(nowNs() - sentNs);
                }
            };
        sender->onAck = [&](qint64 sentNs) {
            if (sentNs < 0)
                ++errors;
            ++acked;
            if (sent < messages) {
                sender->sendMessage(conv, padding);
                ++sent;
            }
        };
        const ProcSample s0 = sampleProcess(t.pid);
        const qint64 t0 = nowNs();
        for (int w = 0; w < o.window && sent < messages; ++w, ++sent)
            sender->sendMessage(conv, padding);
        const bool complete =
            waitFor([&] { return delivered >= expected - errors * (g - 1); }, int(120000));
        const qint64 t1 = nowNs();
        const ProcSample s1 = sampleProcess(t.pid);
        const double secs = double(t1 - t0) / 1e9;
        run["messages"_L1] = messages;
        run["deliveries"_L1] = delivered;
        run["expected_deliveries"_L1] = expected;
        run["send_errors"_L1] = errors;
        run["complete"_L1] = complete;
        run["seconds"_L1] = round3(secs);
        run["deliveries_per_s"_L1] = round3(double(delivered) / secs);
        run["delivery_latency"_L1] = lat.summary();
        if (s0.ok && s1.ok && delivered > 0) {
            const double cpu = s1.cpuSeconds - s0.cpuSeconds;
            run["server_cpu_s"_L1] = round3(cpu);
            run["server_cpu_us_per_delivery"_L1] = round3(cpu / double(delivered) * 1e6);
            run["server_cpu_us_per_message"_L1] = round3(cpu / double(messages) * 1e6);
        }
        for (int i = 1; i < g; ++i)
            clients.at(i)->onMessage = nullptr;
        sender->onAck = nullptr;
        runs.append(run);
        runFor(500);
    }
    out["groups"_L1] = runs;
    out["machine_after"_L1] = machineContext();
    return out;
}

} // namespace chat::bench
