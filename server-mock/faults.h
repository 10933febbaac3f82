// Faults: QA-injected degradation of delivery (admin_fault, protocol §13), global or per
// user (a per-user fault replaces the global one for that user). Sessions consult it on
// every frame out; `generation` tells them a fault changed (to reset their counters and to
// release held acks).
#pragma once

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <optional>

namespace chat::server {

struct Fault {
    double dropRate = 0;         // share of pushes silently dropped
    qint64 delayMs = 0;          // added before each push and answer
    bool holdAcks = false;       // store, but keep acks until the fault is cleared
    qint64 closeAfterFrames = 0; // abort the socket after N more frames out (0 = never)
    QJsonObject toJson() const;
};

class Faults
{
public:
    const Fault *forUser(const QString &userId) const;
    void set(const QString &userId, const Fault &f); // userId empty = global
    void clear(const QString &userId);               // userId empty = everything
    quint64 generation() const { return m_generation; }
    QJsonObject toJson() const;

private:
    std::optional<Fault> m_global;
    QHash<QString, Fault> m_perUser;
    quint64 m_generation = 0;
};

} // namespace chat::server
