#include "jsonreader.h"

#include <cmath>

using namespace Qt::StringLiterals;

namespace chat::proto {

void DecodeState::fail(ErrorCode code, const QString &field, const QString &message)
{
    if (!error)
        error = ProtocolError{code, field, message, {}};
}

JsonReader::JsonReader(DecodeState &state, const QJsonObject &object, QString prefix)
    : m_state(state), m_obj(object), m_prefix(std::move(prefix))
{
}

QString JsonReader::path(QLatin1StringView key) const
{
    if (m_prefix.isEmpty())
        return QString(key);
    return m_prefix + u'.' + key;
}

bool JsonReader::has(QLatin1StringView key) const
{
    return m_obj.contains(key);
}

bool JsonReader::isNull(QLatin1StringView key) const
{
    return m_obj.value(key).isNull();
}

void JsonReader::fail(ErrorCode code, QLatin1StringView key, const QString &message)
{
    m_state.fail(code, path(key), message);
}

qsizetype JsonReader::codePoints(QStringView s)
{
    qsizetype n = 0;
    for (QChar c : s) {
        if (!c.isLowSurrogate())
            ++n;
    }
    return n;
}

static QString typeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null: return u"null"_s;
    case QJsonValue::Bool: return u"a boolean"_s;
    case QJsonValue::Double: return u"a number"_s;
    case QJsonValue::String: return u"a string"_s;
    case QJsonValue::Array: return u"an array"_s;
    case QJsonValue::Object: return u"an object"_s;
    case QJsonValue::Undefined: break;
    }
    return u"missing"_s;
}

const QJsonValue *JsonReader::lookup(QLatin1StringView key, Presence presence)
{
    if (!ok())
        return nullptr;
    auto it = m_obj.constFind(key);
    if (it == m_obj.constEnd()) {
        if (presence == Presence::Required)
            fail(ErrorCode::BadRequest, key, u"missing required field \"%1\""_s.arg(path(key)));
        return nullptr;
    }
    m_scratch = it.value();
    return &m_scratch;
}

QString JsonReader::string(QLatin1StringView key, int minChars, int maxChars, Presence presence,
                           const QString &fallback, ErrorCode tooLongCode)
{
    const QJsonValue *v = lookup(key, presence);
    if (!v)
        return fallback;
    if (!v->isString()) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" must be a string, got %2"_s.arg(path(key), typeName(*v)));
        return fallback;
    }
    QString s = v->toString();
    const qsizetype n = codePoints(s);
    if (n < minChars) {
        fail(ErrorCode::BadRequest, key,
             minChars == 1 ? u"field \"%1\" must not be empty"_s.arg(path(key))
                           : u"field \"%1\" must have at least %2 characters"_s.arg(path(key)).arg(minChars));
        return fallback;
    }
    if (n > maxChars) {
        fail(tooLongCode, key,
             u"field \"%1\" is too long: %2 characters, at most %3"_s.arg(path(key)).arg(n).arg(maxChars));
        return fallback;
    }
    return s;
}

std::optional<QString> JsonReader::nullableString(QLatin1StringView key, int minChars, int maxChars)
{
    const QJsonValue *v = lookup(key, Presence::Optional);
    if (!v || v->isNull())
        return std::nullopt;
    QString s = string(key, minChars, maxChars);
    if (!ok())
        return std::nullopt;
    return s;
}

qint64 JsonReader::integer(QLatin1StringView key, qint64 min, qint64 max, Presence presence,
                           qint64 fallback)
{
    const QJsonValue *v = lookup(key, presence);
    if (!v)
        return fallback;
    if (!v->isDouble()) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" must be an integer, got %2"_s.arg(path(key), typeName(*v)));
        return fallback;
    }
    const double d = v->toDouble();
    // 2^53: beyond it doubles stop being exact integers, so the value cannot be trusted.
    constexpr double kExact = 9007199254740992.0;
    if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) > kExact) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" must be a whole number"_s.arg(path(key)));
        return fallback;
    }
    const qint64 i = v->toInteger(static_cast<qint64>(d));
    if (i < min || i > max) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" is out of range: %2 (allowed %3 to %4)"_s.arg(path(key)).arg(i).arg(min).arg(max));
        return fallback;
    }
    return i;
}

std::optional<qint64> JsonReader::optionalInteger(QLatin1StringView key, qint64 min, qint64 max)
{
    const QJsonValue *v = lookup(key, Presence::Optional);
    if (!v || v->isNull())
        return std::nullopt;
    const qint64 i = integer(key, min, max);
    if (!ok())
        return std::nullopt;
    return i;
}

double JsonReader::number(QLatin1StringView key, double min, double max, Presence presence,
                          double fallback)
{
    const QJsonValue *v = lookup(key, presence);
    if (!v)
        return fallback;
    if (!v->isDouble() || !std::isfinite(v->toDouble())) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" must be a number, got %2"_s.arg(path(key), typeName(*v)));
        return fallback;
    }
    const double d = v->toDouble();
    if (d < min || d > max) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" is out of range: %2 (allowed %3 to %4)"_s.arg(path(key)).arg(d).arg(min).arg(max));
        return fallback;
    }
    return d;
}

bool JsonReader::boolean(QLatin1StringView key, Presence presence, bool fallback)
{
    const QJsonValue *v = lookup(key, presence);
    if (!v)
        return fallback;
    if (!v->isBool()) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" must be true or false, got %2"_s.arg(path(key), typeName(*v)));
        return fallback;
    }
    return v->toBool();
}

QStringList JsonReader::stringArray(QLatin1StringView key, int minItems, int maxItems,
                                    int minChars, int maxChars, Presence presence)
{
    const QJsonValue *v = lookup(key, presence);
    if (!v)
        return {};
    if (!v->isArray()) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" must be an array of strings, got %2"_s.arg(path(key), typeName(*v)));
        return {};
    }
    const QJsonArray arr = v->toArray();
    if (arr.size() > maxItems) {
        fail(ErrorCode::TooLarge, key,
             u"field \"%1\" has too many items: %2, at most %3"_s.arg(path(key)).arg(arr.size()).arg(maxItems));
        return {};
    }
    if (arr.size() < minItems) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" needs at least %2 item(s)"_s.arg(path(key)).arg(minItems));
        return {};
    }
    QStringList out;
    out.reserve(arr.size());
    for (qsizetype i = 0; i < arr.size(); ++i) {
        const QJsonValue item = arr.at(i);
        const QString itemPath = u"%1[%2]"_s.arg(path(key)).arg(i);
        if (!item.isString()) {
            m_state.fail(ErrorCode::BadRequest, itemPath,
                         u"field \"%1\" must be a string, got %2"_s.arg(itemPath, typeName(item)));
            return {};
        }
        const QString s = item.toString();
        const qsizetype n = codePoints(s);
        if (n < minChars || n > maxChars) {
            m_state.fail(ErrorCode::BadRequest, itemPath,
                         u"field \"%1\" must have %2 to %3 characters"_s.arg(itemPath).arg(minChars).arg(maxChars));
            return {};
        }
        out.append(s);
    }
    return out;
}

QJsonObject JsonReader::objectField(QLatin1StringView key, Presence presence)
{
    const QJsonValue *v = lookup(key, presence);
    if (!v)
        return {};
    if (!v->isObject()) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" must be an object, got %2"_s.arg(path(key), typeName(*v)));
        return {};
    }
    return v->toObject();
}

QJsonArray JsonReader::arrayField(QLatin1StringView key, int maxItems, Presence presence)
{
    const QJsonValue *v = lookup(key, presence);
    if (!v)
        return {};
    if (!v->isArray()) {
        fail(ErrorCode::BadRequest, key,
             u"field \"%1\" must be an array, got %2"_s.arg(path(key), typeName(*v)));
        return {};
    }
    QJsonArray arr = v->toArray();
    if (arr.size() > maxItems) {
        fail(ErrorCode::TooLarge, key,
             u"field \"%1\" has too many items: %2, at most %3"_s.arg(path(key)).arg(arr.size()).arg(maxItems));
        return {};
    }
    return arr;
}

QString JsonReader::oneOf(QLatin1StringView key, std::initializer_list<QLatin1StringView> words,
                          Presence presence, const QString &fallback)
{
    const QJsonValue *v = lookup(key, presence);
    if (!v)
        return fallback;
    const QString s = v->isString() ? v->toString() : QString();
    for (QLatin1StringView w : words) {
        if (v->isString() && s == w)
            return s;
    }
    QStringList allowed;
    for (QLatin1StringView w : words)
        allowed << u'"' + QString(w) + u'"';
    fail(ErrorCode::BadRequest, key,
         u"field \"%1\" must be one of %2"_s.arg(path(key), allowed.join(u", "_s)));
    return fallback;
}

} // namespace chat::proto
