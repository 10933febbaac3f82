// Quit the application cleanly on SIGTERM, SIGINT and SIGHUP (a session logout, `kill`, a
// terminal closing): the event loop returns and every destructor runs, so the local store is
// closed cleanly and the next start needs no full integrity check. The handler only writes
// to a self-pipe; the quit happens in the event loop. A no-op where there are no POSIX signals.
#pragma once

class QCoreApplication;

void quitOnTerminationSignals(QCoreApplication *app);
