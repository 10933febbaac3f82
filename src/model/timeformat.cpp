#include "timeformat.h"

#include <QLocale>

namespace chat::model {

namespace {
QDateTime local(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toLocalTime();
}
} // namespace

QString TimeFormat::clock(qint64 ms)
{
    // Hours and minutes in the locale's order and 12/24 h style; some locales' short format
    // (e.g. "C") carries seconds, which a chat does not need.
    QString format = QLocale().timeFormat(QLocale::ShortFormat);
    format.remove(QStringLiteral(":ss"));
    format.remove(QStringLiteral(".ss"));
    return QLocale().toString(local(ms).time(), format);
}

QString TimeFormat::listStamp(qint64 ms, const QDateTime &now)
{
    if (ms <= 0)
        return {};
    const QDate d = local(ms).date();
    const QDate today = now.toLocalTime().date();
    if (d == today)
        return clock(ms);
    if (d == today.addDays(-1))
        return tr("Yesterday");
    if (d > today.addDays(-7) && d < today)
        return QLocale().dayName(d.dayOfWeek(), QLocale::ShortFormat);
    return QLocale().toString(d, QLocale::ShortFormat);
}

QString TimeFormat::day(qint64 ms, const QDateTime &now)
{
    const QDate d = local(ms).date();
    const QDate today = now.toLocalTime().date();
    if (d == today)
        return tr("Today");
    if (d == today.addDays(-1))
        return tr("Yesterday");
    if (d.year() == today.year())
        return QLocale().toString(d, tr("dddd, MMMM d", "day separator date in the current year"));
    return QLocale().toString(d, QLocale::LongFormat);
}

QString TimeFormat::presence(bool known, bool online, qint64 lastSeen, const QDateTime &now)
{
    if (!known)
        return {};
    if (online)
        return tr("online");
    if (lastSeen <= 0)
        return tr("offline");
    const qint64 ago = (now.toMSecsSinceEpoch() - lastSeen) / 1000;
    if (ago < 60)
        return tr("last seen just now");
    if (ago < 3600)
        return tr("last seen %n minute(s) ago", nullptr, int(ago / 60));
    const QDate d = local(lastSeen).date();
    const QDate today = now.toLocalTime().date();
    if (d == today)
        return tr("last seen today at %1").arg(clock(lastSeen));
    if (d == today.addDays(-1))
        return tr("last seen yesterday at %1").arg(clock(lastSeen));
    return tr("last seen %1").arg(QLocale().toString(d, QLocale::ShortFormat));
}

bool TimeFormat::sameDay(qint64 a, qint64 b)
{
    return local(a).date() == local(b).date();
}

} // namespace chat::model
