#include "serverprocess.h"

#include <QDeadlineTimer>
#include <QTcpServer>
#include <QThread>
#include <csignal>

using namespace Qt::StringLiterals;

namespace chat::reliability {

ServerProcess::ServerProcess(QStringList command, QString dataDir, QStringList extraArgs)
    : m_command(std::move(command)), m_dataDir(std::move(dataDir)), m_extra(std::move(extraArgs))
{
    m_proc.setProcessChannelMode(QProcess::MergedChannels);
}

ServerProcess::~ServerProcess()
{
    if (isRunning()) {
        sigcont();
        m_proc.kill();
        m_proc.waitForFinished(10000);
    }
}

quint16 ServerProcess::freePort()
{
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

QUrl ServerProcess::url() const
{
    QUrl u;
    u.setScheme(u"ws"_s);
    u.setHost(u"127.0.0.1"_s);
    u.setPort(m_port);
    return u;
}

QByteArray ServerProcess::output()
{
    if (m_proc.state() != QProcess::NotRunning)
        m_output += m_proc.readAll();
    return m_output;
}

bool ServerProcess::start(QString *error)
{
    if (m_port == 0)
        m_port = freePort();
    output();
    const QStringList args =
        m_command.mid(1)
        + QStringList{u"--listen"_s, u"127.0.0.1:%1"_s.arg(m_port), u"--data"_s, m_dataDir}
        + m_extra;
    // The port of a killed server can take a moment to be free again: retry a few times.
    for (int attempt = 0; attempt < 20; ++attempt) {
        m_proc.start(m_command.first(), args);
        if (!m_proc.waitForStarted(10000)) {
            *error = u"cannot start %1: %2"_s.arg(m_command.first(), m_proc.errorString());
            return false;
        }
        m_stopped = false;
        QByteArray seen;
        const QDeadlineTimer deadline(30000);
        while (!deadline.hasExpired() && m_proc.state() == QProcess::Running) {
            m_proc.waitForReadyRead(200);
            const QByteArray chunk = m_proc.readAll();
            seen += chunk;
            m_output += chunk;
            if (seen.contains("listening "))
                return true;
        }
        if (m_proc.state() == QProcess::Running) {
            *error = u"chat-server did not report listening within 30 s"_s;
            return false;
        }
        m_proc.waitForFinished(1000);
        m_output += m_proc.readAll();
        QThread::msleep(250);
    }
    *error = u"chat-server exited at start: %1"_s.arg(QString::fromUtf8(m_output.right(2000)));
    return false;
}

void ServerProcess::sigkill()
{
    if (!isRunning())
        return;
    output();
    ::kill(pid_t(m_proc.processId()), SIGKILL);
    m_proc.waitForFinished(10000);
    m_output += m_proc.readAll();
    m_stopped = false;
}

void ServerProcess::sigstop()
{
    if (isRunning() && !m_stopped) {
        ::kill(pid_t(m_proc.processId()), SIGSTOP);
        m_stopped = true;
    }
}

void ServerProcess::sigcont()
{
    if (isRunning() && m_stopped) {
        ::kill(pid_t(m_proc.processId()), SIGCONT);
        m_stopped = false;
    }
}

} // namespace chat::reliability
