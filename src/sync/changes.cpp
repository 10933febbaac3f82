#include "changes.h"

using namespace Qt::StringLiterals;

namespace chat::sync {

QString deliveryStateName(DeliveryState s)
{
    switch (s) {
    case DeliveryState::Pending: return u"pending"_s;
    case DeliveryState::Sent: return u"sent"_s;
    case DeliveryState::Delivered: return u"delivered"_s;
    case DeliveryState::Read: return u"read"_s;
    case DeliveryState::Failed: return u"failed"_s;
    case DeliveryState::Received: return u"received"_s;
    }
    return {};
}

void ChangeBatch::merge(const ChangeBatch &other)
{
    conversations.append(other.conversations);
    for (auto it = other.messages.cbegin(); it != other.messages.cend(); ++it)
        messages[it.key()].append(it.value());
}

} // namespace chat::sync
