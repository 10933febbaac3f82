#include "codec.h"

#include <QJsonParseError>

using namespace Qt::StringLiterals;

namespace chat::proto {

namespace {

// Parse the envelope: size, JSON, object, "type" string. Returns the object or an error.
Result<QJsonObject> parseEnvelope(QByteArrayView utf8, const Limits &limits)
{
    if (utf8.size() > limits.maxFrameBytes)
        return ProtocolError{ErrorCode::TooLarge, {},
                             u"frame is %1 bytes, the limit is %2"_s.arg(utf8.size()).arg(limits.maxFrameBytes),
                             {}};
    if (utf8.isEmpty())
        return ProtocolError{ErrorCode::BadRequest, {}, u"empty frame: expected a JSON object"_s, {}};
    QJsonParseError perr;
    const QJsonDocument doc = QJsonDocument::fromJson(utf8.toByteArray(), &perr);
    if (perr.error != QJsonParseError::NoError)
        return ProtocolError{ErrorCode::BadRequest, {},
                             u"not valid JSON at offset %1: %2"_s.arg(perr.offset).arg(perr.errorString()),
                             {}};
    if (!doc.isObject())
        return ProtocolError{ErrorCode::BadRequest, {}, u"frame must be a JSON object"_s, {}};
    return doc.object();
}

// Compile-time table over the variant's alternatives: find the one whose kType matches.
template<typename Variant, std::size_t... I>
std::optional<Variant> dispatch(QStringView type, JsonReader &r, const Limits &l,
                                std::index_sequence<I...>)
{
    std::optional<Variant> out;
    (void)((type == std::variant_alternative_t<I, Variant>::kType
                    ? (out.emplace(std::variant_alternative_t<I, Variant>::read(r, l)), true)
                    : false)
           || ...);
    return out;
}

template<typename Variant>
Result<Variant> decode(QByteArrayView utf8, const Limits &limits)
{
    auto env = parseEnvelope(utf8, limits);
    if (!env.ok())
        return env.error();
    const QJsonObject &obj = env.value();

    // Best effort: the request id, so that an error answer can echo it.
    QString id;
    if (const QJsonValue v = obj.value("id"_L1); v.isString() && v.toString().size() <= limits.maxIdChars)
        id = v.toString();

    DecodeState st;
    JsonReader r(st, obj);
    const QString type = r.string("type"_L1, 1, 64);
    if (!r.ok()) {
        st.error->id = id;
        return *st.error;
    }
    auto frame = dispatch<Variant>(type, r, limits,
                                   std::make_index_sequence<std::variant_size_v<Variant>>{});
    if (!frame)
        return ProtocolError{ErrorCode::BadRequest, u"type"_s,
                             u"unknown frame type \"%1\""_s.arg(type.left(64)), id};
    if (st.error) {
        st.error->id = id;
        return *st.error;
    }
    return std::move(*frame);
}

} // namespace

Result<ClientFrame> decodeClientFrame(QByteArrayView utf8, const Limits &limits)
{
    return decode<ClientFrame>(utf8, limits);
}

Result<ServerFrame> decodeServerFrame(QByteArrayView utf8, const Limits &limits)
{
    return decode<ServerFrame>(utf8, limits);
}

QByteArray encode(const ClientFrame &frame)
{
    return std::visit([](const auto &f) { return encodeFrame(f); }, frame);
}

QByteArray encode(const ServerFrame &frame)
{
    return std::visit([](const auto &f) { return encodeFrame(f); }, frame);
}

} // namespace chat::proto
