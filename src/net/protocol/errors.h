// Protocol error codes (protocol §3) and WebSocket close codes (§2), with their wire names.
#pragma once

#include <QString>
#include <optional>

namespace chat::proto {

enum class ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    TooLarge,
    RateLimited,
    Unavailable,
    Internal,
};

QString errorCodeName(ErrorCode code);
std::optional<ErrorCode> errorCodeFromName(QStringView name);

// WebSocket close codes used by the protocol.
namespace CloseCode {
inline constexpr int Normal = 1000;
inline constexpr int GoingAway = 1001;
inline constexpr int TooLarge = 1009;
inline constexpr int HeartbeatTimeout = 4000;
inline constexpr int Unauthorized = 4001;
inline constexpr int ProtocolErrors = 4002;
inline constexpr int RateLimited = 4008;
} // namespace CloseCode

// A decode or validation failure: the protocol code to answer with, the field at fault
// (dotted path, e.g. "conversation.members[2].user_id"; empty for whole-frame problems),
// a sentence for a person, and the request id if one could be read from the frame.
struct ProtocolError {
    ErrorCode code = ErrorCode::BadRequest;
    QString field;
    QString message;
    QString id;
};

} // namespace chat::proto
