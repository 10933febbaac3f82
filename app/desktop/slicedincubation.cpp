#include "slicedincubation.h"

SlicedIncubationController::SlicedIncubationController(int sliceMs, QObject *parent)
    : QObject(parent), m_sliceMs(sliceMs)
{
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(1);
    connect(&m_timer, &QTimer::timeout, this, &SlicedIncubationController::slice);
}

void SlicedIncubationController::incubatingObjectCountChanged(int count)
{
    if (count > 0 && !m_timer.isActive())
        m_timer.start();
    else if (count == 0)
        m_timer.stop();
}

void SlicedIncubationController::slice()
{
    incubateFor(m_sliceMs);
    if (incubatingObjectCount() == 0)
        m_timer.stop();
}
