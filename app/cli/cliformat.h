// JSON shapes printed by chat-cli (one object per line). Kept apart from main.cpp so the
// output format is defined in one place; docs/SYNC_ENGINE.md describes the fields.
#pragma once

#include "sync/syncengine.h"

#include <QJsonObject>

namespace chat::cli {

QJsonObject messageJson(const chat::sync::LocalMessage &m, const chat::sync::SyncEngine &engine);
QJsonObject conversationJson(const chat::sync::ConversationInfo &c);
// Print one compact JSON object and a newline on stdout, flushed at once (QA scripts read
// the lines as they come).
void printLine(const QJsonObject &o);

} // namespace chat::cli
