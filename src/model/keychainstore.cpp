#include "keychainstore.h"

#include "net/logging.h"

#include <QPointer>
#include <qt6keychain/keychain.h>

using namespace Qt::StringLiterals;

namespace chat::model {

namespace {

KeychainResult resultOf(const QKeychain::Job *job, const QString &value = {})
{
    switch (job->error()) {
    case QKeychain::NoError: return {KeychainResult::Kind::Ok, value, {}};
    case QKeychain::EntryNotFound: return {KeychainResult::Kind::NotFound, {}, {}};
    default:
        // Every "no keychain" situation measured on Linux arrives as OtherError (7), not as
        // NoBackendAvailable: treat anything but the two answers above as "unavailable".
        return {KeychainResult::Kind::Unavailable,
                {},
                job->errorString().isEmpty() ? u"error %1"_s.arg(int(job->error()))
                                             : job->errorString()};
    }
}

template<typename Job>
void run(Job *job, QObject *context, KeychainStore *store,
         std::function<KeychainResult(const QKeychain::Job *)> interpret,
         std::function<void(const KeychainResult &)> record, KeychainStore::Callback done)
{
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // never fall back to plain text behind the user's back
    QPointer<QObject> guard(context);
    QObject::connect(job, &QKeychain::Job::finished, store,
                     [guard, interpret, record, done](QKeychain::Job *j) {
                         const KeychainResult r = interpret(j);
                         record(r);
                         if (guard && done)
                             done(r);
                     });
    job->start();
}

} // namespace

KeychainStore::KeychainStore(QString service, QObject *parent)
    : QObject(parent), m_service(std::move(service))
{ }

QString KeychainStore::installHint()
{
#if defined(Q_OS_LINUX) || defined(Q_OS_FREEBSD)
    return tr("Install and start a Secret Service provider, for example GNOME Keyring "
              "(package \"gnome-keyring\") or KDE Wallet (package \"kwalletmanager\"), and make "
              "sure it is unlocked.");
#elif defined(Q_OS_MACOS)
    return tr("Open Keychain Access and make sure your login keychain is unlocked.");
#elif defined(Q_OS_WIN)
    return tr("Make sure the Windows Credential Manager service is running.");
#else
    return tr("Install a keychain service supported by QtKeychain.");
#endif
}

void KeychainStore::record(const KeychainResult &r)
{
    const Status s =
        r.kind == KeychainResult::Kind::Unavailable ? Status::Unavailable : Status::Available;
    QString problem;
    if (s == Status::Unavailable) {
        problem = tr("Your system keychain could not be used (%1). You will stay signed in only "
                     "until you close the app. %2")
                      .arg(r.error, installHint());
        qCWarning(lcModel) << "keychain unavailable:" << r.error;
    }
    if (s == m_status && problem == m_problem)
        return;
    m_status = s;
    m_problem = problem;
    Q_EMIT statusChanged();
}

void KeychainStore::read(const QString &key, QObject *context, Callback done)
{
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setKey(key);
    run(
        job, context, this,
        [](const QKeychain::Job *j) {
            return resultOf(j, static_cast<const QKeychain::ReadPasswordJob *>(j)->textData());
        },
        [this](const KeychainResult &r) { record(r); }, std::move(done));
}

void KeychainStore::write(const QString &key, const QString &secret, QObject *context,
                          Callback done)
{
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setKey(key);
    job->setTextData(secret);
    run(
        job, context, this, [](const QKeychain::Job *j) { return resultOf(j); },
        [this](const KeychainResult &r) { record(r); }, std::move(done));
}

void KeychainStore::remove(const QString &key, QObject *context, Callback done)
{
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setKey(key);
    run(
        job, context, this,
        [](const QKeychain::Job *j) {
            KeychainResult r = resultOf(j);
            if (r.kind == KeychainResult::Kind::NotFound)
                r.kind = KeychainResult::Kind::Ok; // removing nothing is success
            return r;
        },
        [this](const KeychainResult &r) { record(r); }, std::move(done));
}

} // namespace chat::model
