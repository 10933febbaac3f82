// Strict, field-naming reader over a QJsonObject. Each accessor validates presence, JSON
// type and range; the first failure is recorded (with the dotted path of the field) and
// later calls become no-ops returning defaults, so a decoder reads straight through and
// checks ok() once at the end.
#pragma once

#include "errors.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

#include <memory>
#include <optional>

namespace chat::proto {

// Shared error slot of one decode (one per frame, passed to nested readers).
struct DecodeState {
    std::optional<ProtocolError> error;
    void fail(ErrorCode code, const QString &field, const QString &message);
};

enum class Presence { Required, Optional };

class JsonReader
{
public:
    JsonReader(DecodeState &state, const QJsonObject &object, QString prefix = {});

    bool ok() const { return !m_state.error.has_value(); }
    DecodeState &state() { return m_state; }
    const QJsonObject &object() const { return m_obj; }
    QString path(QLatin1StringView key) const;
    bool has(QLatin1StringView key) const;
    bool isNull(QLatin1StringView key) const;

    // Text, length counted in Unicode code points. tooLongCode lets "content" report
    // too_large while identifiers report bad_request.
    QString string(QLatin1StringView key, int minChars, int maxChars,
                   Presence presence = Presence::Required, const QString &fallback = {},
                   ErrorCode tooLongCode = ErrorCode::BadRequest);
    // Absent or JSON null -> nullopt; otherwise a string within bounds.
    std::optional<QString> nullableString(QLatin1StringView key, int minChars, int maxChars);
    // A whole number in [min, max]; 1.5, "3", 1e300 are rejected.
    qint64 integer(QLatin1StringView key, qint64 min, qint64 max,
                   Presence presence = Presence::Required, qint64 fallback = 0);
    std::optional<qint64> optionalInteger(QLatin1StringView key, qint64 min, qint64 max);
    double number(QLatin1StringView key, double min, double max,
                  Presence presence = Presence::Required, double fallback = 0);
    bool boolean(QLatin1StringView key, Presence presence = Presence::Required,
                 bool fallback = false);
    QStringList stringArray(QLatin1StringView key, int minItems, int maxItems, int minChars,
                            int maxChars, Presence presence = Presence::Required);
    QJsonObject objectField(QLatin1StringView key, Presence presence = Presence::Required);
    QJsonArray arrayField(QLatin1StringView key, int maxItems,
                          Presence presence = Presence::Required);
    // One of the given words (e.g. kind: "direct" | "group").
    QString oneOf(QLatin1StringView key, std::initializer_list<QLatin1StringView> words,
                  Presence presence = Presence::Required, const QString &fallback = {});

    void fail(ErrorCode code, QLatin1StringView key, const QString &message);

    static qsizetype codePoints(QStringView s);

private:
    const QJsonValue *lookup(QLatin1StringView key, Presence presence);

    DecodeState &m_state;
    QJsonObject m_obj;
    QString m_prefix;
    QJsonValue m_scratch;
};

} // namespace chat::proto
