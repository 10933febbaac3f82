// Real services for the cluster tests, started by the test itself on 127.0.0.1 with temporary
// data, because these tests stop, kill and restart them mid-run. Every process is a QProcess
// child of the test (killed with it), never daemonized.
#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>
#include <QUrl>
#include <memory>

namespace chat::testing {

// A TCP port on 127.0.0.1 that nothing listens on right now (below the ephemeral range).
quint16 freeLoopbackPort();
// Polls until a TCP connect to 127.0.0.1:port succeeds (true) or timeoutMs passes.
bool waitForPort(quint16 port, int timeoutMs);

// redis-server, no persistence. restart() keeps the port.
class RedisServer
{
public:
    ~RedisServer() { stop(); }
    bool start(QString *error); // picks a free port the first time
    void stop();                // SIGKILL: Redis dying is what the tests want to see
    bool restart(QString *error)
    {
        stop();
        return start(error);
    }
    void pause();  // SIGSTOP: holds the sockets open, answers nothing
    void resume(); // SIGCONT
    bool running() const { return m_proc && m_proc->state() == QProcess::Running; }
    quint16 port() const { return m_port; }
    QUrl url() const;

private:
    std::unique_ptr<QProcess> m_proc;
    std::unique_ptr<QTemporaryDir> m_dir;
    quint16 m_port = 0;
};

// PostgreSQL 15 (initdb once into a temporary folder; start/stop keep the data and the port).
// Run as the postgres user when the test runs as root (postgres refuses root).
class PgServer
{
public:
    ~PgServer();
    bool init(QString *error);  // initdb
    bool start(QString *error); // postgres in the foreground, waits until it accepts connections
    void stop();                // SIGINT = fast shutdown, waits for exit
    void kill();                // SIGKILL of the postmaster (crash)
    bool running() const { return m_proc && m_proc->state() == QProcess::Running; }
    quint16 port() const { return m_port; }
    // A new empty database; returns its postgres:// URL.
    QUrl createDatabase(const QString &name, QString *error);

private:
    QString binDir() const;
    std::unique_ptr<QProcess> m_proc;
    std::unique_ptr<QTemporaryDir> m_dir;
    quint16 m_port = 0;
};

// The URL a ctest service fixture wrote (CHAT_TEST_<NAME>_URL_FILE), or empty + a sentence.
QString fixtureUrl(const char *envVar, QString *error);

} // namespace chat::testing
