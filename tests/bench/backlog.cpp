#include "backlog.h"

#include "benchutil.h"

using namespace Qt::StringLiterals;

namespace chat::bench {

bool writeBacklog(const Target &target, int messages, int conversations, Backlog *out,
                  QString *error)
{
    QObject owner;
    Population pop(target, &owner);
    QList<Account> accounts;
    QList<BenchClient *> clients;
    if (!pop.createAccounts(2, &accounts, &clients)) {
        *error = pop.error();
        return false;
    }
    BenchClient *writer = clients[0];
    QList<Population::ConvRequest> reqs;
    for (int i = 0; i < conversations; ++i)
        reqs.append({writer, true, u"catchup %1"_s.arg(i), {accounts[1].userId}});
    if (!pop.createConversations(reqs, &out->conversations)) {
        *error = pop.error();
        return false;
    }
    clients[1]->close();
    qint64 sent = 0, acked = 0;
    const QString padding(64, u'x');
    const QStringList &convs = out->conversations;
    writer->onAck = [&](qint64) {
        ++acked;
        if (sent < messages) {
            writer->sendMessage(convs.at(int(sent % convs.size())), padding);
            ++sent;
        }
    };
    for (; sent < qMin<qint64>(256, messages); ++sent)
        writer->sendMessage(convs.at(int(sent % convs.size())), padding);
    if (!waitFor([&] { return acked >= messages; }, 1800000)) {
        *error = u"the write phase did not finish (%1 of %2 acked)"_s.arg(acked).arg(messages);
        return false;
    }
    writer->close();
    out->writer = accounts[0];
    out->reader = accounts[1];
    return true;
}

} // namespace chat::bench
