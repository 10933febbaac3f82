// ServerProcess: chat-server as a real child process on a fixed loopback port, so a test can
// SIGKILL it, SIGSTOP/SIGCONT it and start it again on the same port and data folder.
#pragma once

#include <QProcess>
#include <QStringList>
#include <QUrl>

namespace chat::reliability {

class ServerProcess
{
public:
    // `command`: chat-server's path, or a launcher and its arguments ending with that path
    // (e.g. fiu-run -x chat-server). The process id is the server's (launchers exec).
    ServerProcess(QStringList command, QString dataDir, QStringList extraArgs = {});
    qint64 pid() const { return m_proc.processId(); }
    ~ServerProcess();
    bool start(QString *error); // waits for "listening"; the first start picks the port
    void sigkill();
    void sigstop();
    void sigcont();
    bool isRunning() const { return m_proc.state() == QProcess::Running; }
    bool isStopped() const { return m_stopped; }
    quint16 port() const { return m_port; }
    QUrl url() const;
    // Everything the server wrote so far (stdout and stderr, all lives).
    QByteArray output();
    static quint16 freePort();

private:
    QStringList m_command;
    QString m_dataDir;
    QStringList m_extra;
    QProcess m_proc;
    quint16 m_port = 0;
    bool m_stopped = false;
    QByteArray m_output;
};

} // namespace chat::reliability
