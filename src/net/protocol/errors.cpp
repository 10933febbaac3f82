#include "errors.h"

#include <array>
#include <utility>

using namespace Qt::StringLiterals;

namespace chat::proto {

namespace {
constexpr std::array<std::pair<ErrorCode, QLatin1StringView>, 9> kNames{{
    {ErrorCode::BadRequest, "bad_request"_L1},
    {ErrorCode::Unauthorized, "unauthorized"_L1},
    {ErrorCode::Forbidden, "forbidden"_L1},
    {ErrorCode::NotFound, "not_found"_L1},
    {ErrorCode::Conflict, "conflict"_L1},
    {ErrorCode::TooLarge, "too_large"_L1},
    {ErrorCode::RateLimited, "rate_limited"_L1},
    {ErrorCode::Unavailable, "unavailable"_L1},
    {ErrorCode::Internal, "internal"_L1},
}};
} // namespace

QString errorCodeName(ErrorCode code)
{
    for (const auto &[c, name] : kNames) {
        if (c == code)
            return QString(name);
    }
    return u"internal"_s;
}

std::optional<ErrorCode> errorCodeFromName(QStringView name)
{
    for (const auto &[c, n] : kNames) {
        if (name == n)
            return c;
    }
    return std::nullopt;
}

} // namespace chat::proto
