// SlicedIncubationController: runs the app's asynchronous QML creation (the chat page's
// asynchronous Loader, a ListView's cache-buffer delegates) a few milliseconds per event-loop
// turn. Qt Quick's own controller, when the scene graph renders on the GUI thread (software
// rendering, the basic render loop), incubates two thirds of a frame (≈ 10 ms) at a time; with
// a frame drawn in the next turn that made 10–15 ms stalls of their own during a catch-up.
#pragma once

#include <QObject>
#include <QQmlIncubationController>
#include <QTimer>

class SlicedIncubationController : public QObject, public QQmlIncubationController
{
public:
    // sliceMs: how long one turn may incubate; the rest waits for the next turn (a 1 ms timer,
    // so input, frames and network handling get their turns in between).
    explicit SlicedIncubationController(int sliceMs, QObject *parent = nullptr);

protected:
    void incubatingObjectCountChanged(int count) override;

private:
    void slice();

    int m_sliceMs;
    QTimer m_timer;
};
