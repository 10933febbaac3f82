// History recording and checking, Jepsen style. A run writes one JSON object per line: every
// client operation with a unique id, and every outcome observed (acked, failed, received,
// watermark seen), then each client's final store and a fresh full sync. checkHistory() reads
// such a file back and proves the guarantees of docs/RELIABILITY.md over it; the file is the
// only input, so a failing long run can be re-checked and studied offline.
#pragma once

#include <QFile>
#include <QJsonObject>
#include <QStringList>

namespace chat::reliability {

class HistoryWriter
{
public:
    bool open(const QString &path);
    void write(QJsonObject event); // adds "t" (ms since open)
    void flush() { m_file.flush(); }
    QString path() const { return m_file.fileName(); }

private:
    QFile m_file;
    qint64 m_start = 0;
};

struct HistoryReport {
    qint64 operations = 0, acked = 0, failed = 0, unknown = 0, received = 0, watermarks = 0,
           faults = 0, stored = 0;
    qint64 lost = 0, duplicated = 0, misordered = 0, gaps = 0, regressions = 0, diverged = 0;
    QStringList violations; // one sentence each; empty = every guarantee held
    QString summary() const;
};

HistoryReport checkHistory(const QString &path);

} // namespace chat::reliability
