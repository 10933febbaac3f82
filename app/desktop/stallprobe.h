// StallProbe: how long the GUI thread goes without running its event loop, for benchmarks
// (`chat-desktop --report-stalls FILE`). A 1 ms precise timer ticks on the GUI thread; a gap
// between two ticks longer than a frame (16 ms) is a window that could not repaint or react.
// Recording starts at the first drawn frame (start-up is measured by --report-first-frame);
// mark() notes moments worth lining up with the gaps (signed in, caught up). The JSON report
// is written when the application quits; it holds the monotonic clock at start, so the long
// gaps can be lined up with a profile taken on the same clock (`perf record -k CLOCK_MONOTONIC`),
// and each long gap's CPU time of the GUI thread: a gap the thread spent mostly without the CPU
// was the machine (other processes on the cores), not the app's work.
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
    qint64 m_lastCpuNs = 0; // the GUI thread's CPU time at the last tick
    QList<qint64> m_gapsUs; // every gap between ticks, µs
    struct LongGap {
        qint64 atUs, gapUs, cpuUs;
    };
    QList<LongGap> m_longGaps; // gaps over the listing threshold
    QList<QPair<QString, qint64>> m_marks;
};
