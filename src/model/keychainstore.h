// The session token in the operating system's keychain (QtKeychain: Secret Service on Linux,
// Keychain on macOS, Credential Manager on Windows). Honest by design: a keychain that cannot be
// reached is reported as such, with a sentence a person understands and what to install — it is
// never silently replaced by a plain-text file (that only happens if the user opts in, see
// ProfileSettings::plainTokenStorage).
#pragma once

#include <QObject>
#include <QString>

#include <functional>

namespace chat::model {

struct KeychainResult {
    enum class Kind {
        Ok,          ///< done; for a read, `value` holds the secret
        NotFound,    ///< the keychain works but holds nothing under this key
        Unavailable, ///< no keychain could be used; `error` says why
    };
    Kind kind = Kind::Ok;
    QString value;
    QString error;
};

class KeychainStore : public QObject
{
    Q_OBJECT
    /// Whether the keychain has been seen working on this run.
    Q_PROPERTY(Status status READ status NOTIFY statusChanged)
    /// A plain sentence describing why the keychain cannot be used, and what to install.
    /// Empty while the keychain works or has not been tried.
    Q_PROPERTY(QString problem READ problem NOTIFY statusChanged)

public:
    enum class Status { Unknown, Available, Unavailable };
    Q_ENUM(Status)

    using Callback = std::function<void(const KeychainResult &)>;

    /// `service` names the application entry in the keychain (e.g. "chat-desktop").
    explicit KeychainStore(QString service, QObject *parent = nullptr);

    Status status() const { return m_status; }
    QString problem() const { return m_problem; }

    /// Asynchronous; `done` runs on `context`'s thread and not at all if `context` is gone.
    void read(const QString &key, QObject *context, Callback done);
    void write(const QString &key, const QString &secret, QObject *context, Callback done);
    void remove(const QString &key, QObject *context, Callback done);

    /// What a user of this platform installs to get a working keychain.
    static QString installHint();

Q_SIGNALS:
    void statusChanged();

private:
    void record(const KeychainResult &r);
    QString m_service;
    Status m_status = Status::Unknown;
    QString m_problem;
};

} // namespace chat::model
