// ServerProcess: starts a protocol-v1 server (chat-server or the Node.js peer) on a free
// loopback port with a temporary data directory, waits for its `listening ws://…` line and
// stops it with SIGTERM (SIGKILL after 10 s). Used by `chat-bench compare`.
#pragma once

#include <QProcess>
#include <QTemporaryDir>
#include <QUrl>

namespace chat::bench {

class ServerProcess
{
public:
    ServerProcess(QString program, QStringList args);
    ~ServerProcess();
    // Appends `--data <tmp>` and waits up to timeoutMs for the listening line.
    bool start(int timeoutMs, QString *error);
    void stop();
    QUrl url() const { return m_url; }
    qint64 pid() const { return m_process.processId(); }

private:
    QString m_program;
    QStringList m_args;
    QTemporaryDir m_dir;
    QProcess m_process;
    QUrl m_url;
};

} // namespace chat::bench
