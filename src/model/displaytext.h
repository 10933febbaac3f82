// Texts derived from engine state that several models show: a user's name, "X is typing…".
#pragma once

#include <QCoreApplication>
#include <QString>
#include <QStringList>

namespace chat::sync {
class SyncEngine;
}

namespace chat::model {

class DisplayText
{
    Q_DECLARE_TR_FUNCTIONS(DisplayText)
public:
    /// Display name, else username, else a placeholder (never the raw id).
    static QString userName(const chat::sync::SyncEngine *engine, const QString &userId);
    /// "" when nobody types; "typing…" in a direct conversation; names in a group.
    static QString typing(const chat::sync::SyncEngine *engine, const QString &conversationId,
                          bool group);
    /// Human name of a delivery state for screen readers and tooltips.
    static QString deliveryState(const QString &state);
};

} // namespace chat::model
