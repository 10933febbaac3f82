#include "faults.h"

using namespace Qt::StringLiterals;

namespace chat::server {

QJsonObject Fault::toJson() const
{
    return {{"drop_rate"_L1, dropRate},
            {"delay_ms"_L1, delayMs},
            {"hold_acks"_L1, holdAcks},
            {"close_after_frames"_L1, closeAfterFrames}};
}

const Fault *Faults::forUser(const QString &userId) const
{
    if (!m_perUser.isEmpty()) {
        auto it = m_perUser.constFind(userId);
        if (it != m_perUser.cend())
            return &*it;
    }
    return m_global ? &*m_global : nullptr;
}

void Faults::set(const QString &userId, const Fault &f)
{
    if (userId.isEmpty())
        m_global = f;
    else
        m_perUser.insert(userId, f);
    ++m_generation;
}

void Faults::clear(const QString &userId)
{
    if (userId.isEmpty()) {
        m_global.reset();
        m_perUser.clear();
    } else {
        m_perUser.remove(userId);
    }
    ++m_generation;
}

QJsonObject Faults::toJson() const
{
    QJsonObject users;
    for (auto it = m_perUser.cbegin(); it != m_perUser.cend(); ++it)
        users.insert(it.key(), it->toJson());
    QJsonObject o{{"users"_L1, users}};
    if (m_global)
        o.insert("global"_L1, m_global->toJson());
    return o;
}

} // namespace chat::server
