#include "services.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <csignal>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace chat::testing {

quint16 freeLoopbackPort()
{
    for (int i = 0; i < 200; ++i) {
        const auto port = quint16(20000 + QRandomGenerator::global()->bounded(12768));
        QTcpServer probe;
        if (probe.listen(QHostAddress::LocalHost, port))
            return port;
    }
    return 0;
}

bool waitForPort(quint16 port, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, port);
        if (s.waitForConnected(500))
            return true;
        QThread::msleep(50);
    }
    return false;
}

bool RedisServer::start(QString *error)
{
    if (running())
        return true;
    if (!m_dir)
        m_dir = std::make_unique<QTemporaryDir>();
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (m_port == 0 || attempt > 0)
            m_port = freeLoopbackPort();
        m_proc = std::make_unique<QProcess>();
        m_proc->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
        m_proc->setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_proc->setStandardOutputFile(m_dir->filePath(u"redis.log"_s), QIODevice::Append);
        m_proc->start(u"redis-server"_s,
                      {u"--bind"_s, u"127.0.0.1"_s, u"--port"_s, QString::number(m_port),
                       u"--save"_s, u""_s, u"--appendonly"_s, u"no"_s, u"--dir"_s, m_dir->path()});
        if (!m_proc->waitForStarted(5000)) {
            *error = u"cannot run redis-server: %1"_s.arg(m_proc->errorString());
            return false;
        }
        if (waitForPort(m_port, 10000))
            return true;
        stop();
    }
    *error = u"redis-server did not start listening"_s;
    return false;
}

void RedisServer::stop()
{
    if (!m_proc)
        return;
    if (m_proc->state() != QProcess::NotRunning) {
        ::kill(pid_t(m_proc->processId()), SIGCONT);
        m_proc->kill();
        m_proc->waitForFinished(10000);
    }
    m_proc.reset();
}

void RedisServer::pause()
{
    if (running())
        ::kill(pid_t(m_proc->processId()), SIGSTOP);
}

void RedisServer::resume()
{
    if (running())
        ::kill(pid_t(m_proc->processId()), SIGCONT);
}

QUrl RedisServer::url() const
{
    return QUrl(u"redis://127.0.0.1:%1"_s.arg(m_port));
}

PgServer::~PgServer()
{
    stop();
}

QString PgServer::binDir() const
{
    QDir d(u"/usr/lib/postgresql"_s);
    QStringList versions = d.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (auto it = versions.crbegin(); it != versions.crend(); ++it) {
        const QString bin = d.filePath(*it + u"/bin"_s);
        if (QFile::exists(bin + u"/postgres"_s))
            return bin;
    }
    return {};
}

namespace {
// Drops to the postgres user in the child when running as root.
// Drops to the postgres user in the child when running as root; either way the child dies
// with the test (a crashed test must not leave a server behind). PDEATHSIG is set after
// setuid, which would clear it.
void asPostgres(QProcess &p)
{
    const bool root = ::geteuid() == 0;
    p.setChildProcessModifier([root] {
        if (root) {
            if (const passwd *pw = ::getpwnam("postgres")) {
                if (::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0)
                    ::_exit(126);
            }
        }
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    });
}

void chownToPostgres(const QString &path)
{
    if (::geteuid() != 0)
        return;
    if (const passwd *pw = ::getpwnam("postgres")) [[maybe_unused]]
        int rc = ::chown(QFile::encodeName(path).constData(), pw->pw_uid, pw->pw_gid);
}
} // namespace

bool PgServer::init(QString *error)
{
    if (binDir().isEmpty()) {
        *error = u"PostgreSQL server binaries not found (package postgresql)"_s;
        return false;
    }
    m_dir = std::make_unique<QTemporaryDir>();
    QFile::setPermissions(m_dir->path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                             | QFileDevice::ExeOwner | QFileDevice::ReadOther
                                             | QFileDevice::ExeOther | QFileDevice::ReadGroup
                                             | QFileDevice::ExeGroup);
    const QString data = m_dir->filePath(u"data"_s), sock = m_dir->filePath(u"sock"_s);
    QDir().mkpath(data);
    QDir().mkpath(sock);
    chownToPostgres(data);
    chownToPostgres(sock);
    chownToPostgres(m_dir->path());
    QProcess initdb;
    asPostgres(initdb);
    initdb.setProcessChannelMode(QProcess::MergedChannels);
    initdb.start(binDir() + u"/initdb"_s, {u"-D"_s, data, u"-U"_s, u"postgres"_s, u"--auth=trust"_s,
                                           u"--no-locale"_s, u"-E"_s, u"UTF8"_s, u"--no-sync"_s});
    if (!initdb.waitForFinished(120000) || initdb.exitCode() != 0) {
        *error = u"initdb failed: %1"_s.arg(QString::fromLocal8Bit(initdb.readAll()));
        return false;
    }
    return true;
}

bool PgServer::start(QString *error)
{
    if (running())
        return true;
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (m_port == 0 || attempt > 0)
            m_port = freeLoopbackPort();
        m_proc = std::make_unique<QProcess>();
        asPostgres(*m_proc);
        m_proc->setProcessChannelMode(QProcess::MergedChannels);
        m_proc->setStandardOutputFile(m_dir->filePath(u"server.log"_s), QIODevice::Append);
        m_proc->start(binDir() + u"/postgres"_s,
                      {u"-D"_s, m_dir->filePath(u"data"_s), u"-p"_s, QString::number(m_port),
                       u"-k"_s, m_dir->filePath(u"sock"_s), u"-c"_s,
                       u"listen_addresses=127.0.0.1"_s, u"-c"_s, u"max_connections=200"_s});
        if (!m_proc->waitForStarted(5000)) {
            *error = u"cannot run postgres: %1"_s.arg(m_proc->errorString());
            return false;
        }
        // Accepting TCP is not yet accepting queries; pg_isready knows the difference.
        QDeadlineTimer deadline(30000);
        while (!deadline.hasExpired() && m_proc->state() == QProcess::Running) {
            QProcess ready;
            ready.start(binDir() + u"/pg_isready"_s,
                        {u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(m_port), u"-q"_s});
            if (ready.waitForFinished(5000) && ready.exitCode() == 0)
                return true;
            QThread::msleep(100);
        }
        stop();
    }
    QFile log(m_dir->filePath(u"server.log"_s));
    log.open(QIODevice::ReadOnly);
    *error = u"postgres did not start: %1"_s.arg(QString::fromLocal8Bit(log.readAll().right(2000)));
    return false;
}

void PgServer::stop()
{
    if (!m_proc)
        return;
    if (m_proc->state() != QProcess::NotRunning) {
        ::kill(pid_t(m_proc->processId()), SIGINT);
        if (!m_proc->waitForFinished(30000)) {
            m_proc->kill();
            m_proc->waitForFinished(10000);
        }
    }
    m_proc.reset();
}

void PgServer::kill()
{
    if (!m_proc)
        return;
    m_proc->kill();
    m_proc->waitForFinished(10000);
    m_proc.reset();
    // The backends of a SIGKILLed postmaster exit on their own once they notice; the next
    // start() waits for the old shared memory to be released.
    QThread::msleep(300);
}

QUrl PgServer::createDatabase(const QString &name, QString *error)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(binDir() + u"/createdb"_s, {u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(m_port),
                                        u"-U"_s, u"postgres"_s, name});
    if (!p.waitForFinished(30000) || p.exitCode() != 0) {
        *error = u"createdb %1 failed: %2"_s.arg(name, QString::fromLocal8Bit(p.readAll()));
        return {};
    }
    return QUrl(u"postgres://postgres:postgres@127.0.0.1:%1/%2"_s.arg(m_port).arg(name));
}

QString fixtureUrl(const char *envVar, QString *error)
{
    const QString file = qEnvironmentVariable(envVar);
    if (file.isEmpty()) {
        *error = u"%1 is not set: run this test through ctest, which starts the service"_s.arg(
            QString::fromLatin1(envVar));
        return {};
    }
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) {
        *error =
            u"cannot read %1 (%2): did the service fixture start?"_s.arg(file, f.errorString());
        return {};
    }
    return QString::fromUtf8(f.readAll()).trimmed();
}

} // namespace chat::testing
