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

// The generic encoder: the frame's toJson() through QJsonDocument (compact).
template<typename F>
QByteArray encodeFrameJson(const F &frame)
{
    return QJsonDocument(frame.toJson()).toJson(QJsonDocument::Compact);
}

// Encode one concrete frame without going through the variant.
template<typename F>
QByteArray encodeFrame(const F &frame)
{
    return encodeFrameJson(frame);
}

// The same frame as text, for transports that take a QString.
template<typename F>
QString encodeFrameText(const F &frame)
{
    return QString::fromUtf8(encodeFrame(frame));
}

// The frames a server sends per message and per page, written straight to text without a
// QJsonObject (fastencode.cpp). Byte-identical to encodeFrameJson(); the text variants skip
// the UTF-8 round trip.
QByteArray encodeFrame(const Ack &f);
QByteArray encodeFrame(const MessagePush &f);
QByteArray encodeFrame(const Receipt &f);
QByteArray encodeFrame(const Pong &f);
QByteArray encodeFrame(const Error &f);
QByteArray encodeFrame(const HistoryResult &f);
QByteArray encodeFrame(const SyncResult &f);
QString encodeFrameText(const Ack &f);
QString encodeFrameText(const MessagePush &f);
QString encodeFrameText(const Receipt &f);
QString encodeFrameText(const Pong &f);
QString encodeFrameText(const Error &f);
QString encodeFrameText(const HistoryResult &f);
QString encodeFrameText(const SyncResult &f);

} // namespace chat::proto
