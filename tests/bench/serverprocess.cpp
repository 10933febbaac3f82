#include "serverprocess.h"

#include "benchutil.h"

using namespace Qt::StringLiterals;

namespace chat::bench {

ServerProcess::ServerProcess(QString program, QStringList args)
    : m_program(std::move(program)), m_args(std::move(args))
{ }

ServerProcess::~ServerProcess()
{
    stop();
}

bool ServerProcess::start(int timeoutMs, QString *error)
{
    if (!m_dir.isValid()) {
        *error = u"cannot create a temporary data directory"_s;
        return false;
    }
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.setReadChannel(QProcess::StandardOutput);
    // The server's log goes to our stderr; its stdout carries the listening line.
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start(m_program, m_args + QStringList{u"--data"_s, m_dir.path()});
    if (!m_process.waitForStarted(10000)) {
        *error = u"cannot start %1: %2"_s.arg(m_program, m_process.errorString());
        return false;
    }
    QByteArray seen;
    const bool ok = waitFor(
        [&] {
            while (m_process.canReadLine()) {
                const QByteArray line = m_process.readLine().trimmed();
                seen += line + '\n';
                const qsizetype at = line.indexOf("listening ");
                if (at >= 0) {
                    m_url = QUrl(QString::fromUtf8(line.mid(at + 10)));
                    return true;
                }
            }
            return m_process.state() == QProcess::NotRunning;
        },
        timeoutMs);
    if (!ok || !m_url.isValid() || m_url.isEmpty()) {
        *error = u"%1 did not print its listening line (stdout: %2)"_s.arg(
            m_program, QString::fromUtf8(seen.left(500)));
        stop();
        return false;
    }
    // Keep draining stdout so a chatty server never blocks on a full pipe.
    QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process,
                     [this] { m_process.readAllStandardOutput(); });
    return true;
}

void ServerProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(10000)) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

} // namespace chat::bench
