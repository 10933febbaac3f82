// Short, human time texts for lists and bubbles ("14:05", "Yesterday", "Mon", "12.03.25"),
// "last seen" sentences and day-separator titles, all translatable and locale-aware.
#pragma once

#include <QCoreApplication>
#include <QDateTime>
#include <QString>

namespace chat::model {

class TimeFormat
{
    Q_DECLARE_TR_FUNCTIONS(TimeFormat)
public:
    /// Time of a message in a bubble: hours and minutes.
    static QString clock(qint64 msSinceEpoch);
    /// Time in the conversation list: clock today, "Yesterday", weekday this week, else date.
    static QString listStamp(qint64 msSinceEpoch,
                             const QDateTime &now = QDateTime::currentDateTime());
    /// Day separator: "Today", "Yesterday", or a long date.
    static QString day(qint64 msSinceEpoch, const QDateTime &now = QDateTime::currentDateTime());
    /// "online", "last seen just now", "last seen 5 minutes ago", "last seen yesterday at 14:05"...
    static QString presence(bool known, bool online, qint64 lastSeen,
                            const QDateTime &now = QDateTime::currentDateTime());
    static bool sameDay(qint64 a, qint64 b);
};

} // namespace chat::model
