// Wire codec: one UTF-8 JSON object per text frame (protocol §1). Decoding is strict and
// total: any input yields either a frame or a ProtocolError naming the field; nothing throws.
#pragma once

#include "clientframes.h"
#include "result.h"
#include "serverframes.h"

#include <QByteArray>
#include <QJsonDocument>

namespace chat::proto {

Result<ClientFrame> decodeClientFrame(QByteArrayView utf8, const Limits &limits = {});
Result<ServerFrame> decodeServerFrame(QByteArrayView utf8, const Limits &limits = {});

QByteArray encode(const ClientFrame &frame);
QByteArray encode(const ServerFrame &frame);

// Encode one concrete frame without going through the variant.
template<typename F>
QByteArray encodeFrame(const F &frame)
{
    return QJsonDocument(frame.toJson()).toJson(QJsonDocument::Compact);
}

} // namespace chat::proto
