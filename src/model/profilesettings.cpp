#include "profilesettings.h"

#include "net/logging.h"

#include <QDir>
#include <QFile>

#include <utility>

using namespace Qt::StringLiterals;

namespace chat::model {

namespace {
// Conversation ids are opaque: they may contain '/' or '\' which QSettings treats as groups.
QString keyFor(const QString &group, const QString &conversationId)
{
    return group + u'/'
           + QString::fromLatin1(conversationId.toUtf8().toBase64(
               QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}
} // namespace

ProfileSettings::ProfileSettings(const QString &profileDir, QObject *parent)
    : QObject(parent),
      m_dir(profileDir),
      m_settings(QDir(profileDir).filePath(u"settings.ini"_s), QSettings::IniFormat)
{
    QDir().mkpath(profileDir);
    m_notifiedWrite.setSingleShot(true);
    m_notifiedWrite.setInterval(kNotifiedWriteMs);
    connect(&m_notifiedWrite, &QTimer::timeout, this, [this] { flush(); });
}

ProfileSettings::~ProfileSettings()
{
    if (!m_notified.isEmpty())
        flush();
}

void ProfileSettings::write(const QString &key, const QVariant &value)
{
    m_settings.setValue(key, value);
    flush();
}

bool ProfileSettings::flush(QString *error)
{
    m_notifiedWrite.stop();
    for (auto it = m_notified.cbegin(); it != m_notified.cend(); ++it)
        m_settings.setValue(keyFor(u"notified"_s, it.key()), it.value());
    m_notified.clear();
    m_settings.sync();
    if (m_settings.status() != QSettings::NoError) {
        const QString why = u"cannot write %1"_s.arg(m_settings.fileName());
        qCWarning(lcModel) << why;
        if (error)
            *error = why;
        return false;
    }
    return true;
}

QString ProfileSettings::theme() const
{
    const QString t = m_settings.value(u"ui/theme"_s, u"system"_s).toString();
    return (t == "light"_L1 || t == "dark"_L1) ? t : u"system"_s;
}

void ProfileSettings::setTheme(const QString &theme)
{
    if (theme == this->theme())
        return;
    write(u"ui/theme"_s, theme);
    Q_EMIT themeChanged();
}

QString ProfileSettings::language() const
{
    return m_settings.value(u"ui/language"_s).toString();
}

void ProfileSettings::setLanguage(const QString &language)
{
    if (language == this->language())
        return;
    write(u"ui/language"_s, language);
    Q_EMIT languageChanged();
}

bool ProfileSettings::notificationsEnabled() const
{
    return m_settings.value(u"ui/notifications"_s, true).toBool();
}

void ProfileSettings::setNotificationsEnabled(bool on)
{
    if (on == notificationsEnabled())
        return;
    write(u"ui/notifications"_s, on);
    Q_EMIT notificationsEnabledChanged();
}

bool ProfileSettings::rememberMe() const
{
    return m_settings.value(u"account/remember"_s, true).toBool();
}

void ProfileSettings::setRememberMe(bool on)
{
    if (on == rememberMe())
        return;
    write(u"account/remember"_s, on);
    Q_EMIT rememberMeChanged();
}

bool ProfileSettings::plainTokenStorage() const
{
    return m_settings.value(u"account/plainTokenStorage"_s, false).toBool();
}

void ProfileSettings::setPlainTokenStorage(bool on)
{
    if (on == plainTokenStorage())
        return;
    write(u"account/plainTokenStorage"_s, on);
    if (!on)
        setPlainToken({});
    Q_EMIT plainTokenStorageChanged();
}

QString ProfileSettings::serverUrl() const
{
    return m_settings.value(u"account/server"_s).toString();
}

void ProfileSettings::setServerUrl(const QString &url)
{
    if (url == serverUrl())
        return;
    write(u"account/server"_s, url);
    Q_EMIT serverUrlChanged();
}

QString ProfileSettings::username() const
{
    return m_settings.value(u"account/username"_s).toString();
}

void ProfileSettings::setUsername(const QString &name)
{
    if (name == username())
        return;
    write(u"account/username"_s, name);
    Q_EMIT usernameChanged();
}

qint64 ProfileSettings::notifiedSeq(const QString &conversationId) const
{
    // One not written yet is higher than the file's: watermarks only move forward.
    if (const auto it = m_notified.constFind(conversationId); it != m_notified.cend())
        return it.value();
    return m_settings.value(keyFor(u"notified"_s, conversationId), 0).toLongLong();
}

void ProfileSettings::setNotifiedSeq(const QString &conversationId, qint64 seq)
{
    if (seq <= notifiedSeq(conversationId))
        return; // a watermark only moves forward
    m_notified.insert(conversationId, seq);
    if (!m_notifiedWrite.isActive())
        m_notifiedWrite.start();
}

QString ProfileSettings::plainToken() const
{
    return plainTokenStorage() ? m_settings.value(u"account/token"_s).toString() : QString();
}

void ProfileSettings::setPlainToken(const QString &token)
{
    if (token.isEmpty())
        m_settings.remove(u"account/token"_s);
    else
        m_settings.setValue(u"account/token"_s, token);
    flush();
    // The token is a credential: keep the file private to the user.
    QFile::setPermissions(m_settings.fileName(), QFile::ReadOwner | QFile::WriteOwner);
}

} // namespace chat::model
