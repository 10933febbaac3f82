// StallProbe: how long the GUI thread goes without running its event loop, for benchmarks
// (`chat-desktop --report-stalls FILE`). A 1 ms precise timer ticks on the GUI thread; a gap
// between two ticks longer than a frame (16 ms) is a window that could not repaint or react.
// Recording starts at the first drawn frame (start-up is measured by --report-first-frame);
// mark() notes moments worth lining up with the gaps (signed in, caught up). The JSON report
// is written when the application quits; it holds the monotonic clock at start, so the long
// gaps can be lined up with a profile taken on the same clock (`perf record -k CLOCK_MONOTONIC`).
#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

class StallProbe : public QObject
{
public:
    explicit StallProbe(QString file, QObject *parent = nullptr);

    void start();
    // The moment `event` happened, in ms since start() (the first occurrence is kept).
    void mark(const QString &event);
    // Writes the report; false with a reason when the file cannot be written.
    bool write(QString *error) const;

private:
    void tick();

    QString m_file;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_startMonotonicNs = 0;
    qint64 m_listOverUs; // gaps longer than this are listed one by one (default: a frame)
    qint64 m_lastNs = -1;
    QList<qint64> m_gapsUs;                  // every gap between ticks, µs
    QList<QPair<qint64, qint64>> m_longGaps; // (at ms, gap µs) of gaps over a frame
    QList<QPair<QString, qint64>> m_marks;
};
