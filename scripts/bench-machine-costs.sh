#!/bin/bash
# What this machine charges for the two things a chat server does per commit and per message
# besides its own work (docs/PERFORMANCE.md, "Fifth round"):
#   wake-up   two threads passing a token over eventfds: CPU per round trip (two sleeps and two
#             wakes), with the token passed at once and after 0.5 / 1 ms pauses (a pause lets
#             the core go idle, as between messages at 1k msg/s)
#   fdatasync a pwrite of one WAL page (4,120 bytes) and of a 13-page commit (53,560 bytes)
#             into a preallocated file, then fdatasync: CPU and wall time per commit
# CPU is getrusage() of the process (wake-up) or the thread (fdatasync), so a figure does not
# depend on how busy the machine is. Needs a C compiler (gcc, from build-essential).
#   scripts/bench-machine-costs.sh [DIR]   DIR: where the fdatasync file goes (default: a
#                                          temporary folder under /tmp, removed after)
set -euo pipefail
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DATA=${1:-$WORK}

cat > "$WORK/wake.c" <<'C'
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
static int toPeer, toMain;
enum { kRounds = 20000 };
static double cpuSeconds(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}
static void *peer(void *arg)
{
    (void)arg;
    uint64_t v;
    for (int i = 0; i < kRounds; i++) {
        if (read(toPeer, &v, 8) != 8 || write(toMain, &v, 8) != 8)
            exit(1);
    }
    return NULL;
}
int main(int argc, char **argv)
{
    const int pauseUs = argc > 1 ? atoi(argv[1]) : 0;
    toPeer = eventfd(0, 0);
    toMain = eventfd(0, 0);
    pthread_t t;
    pthread_create(&t, NULL, peer, NULL);
    const double before = cpuSeconds();
    for (int i = 0; i < kRounds; i++) {
        if (pauseUs) {
            struct timespec ts = {0, pauseUs * 1000L};
            nanosleep(&ts, NULL);
        }
        uint64_t v = 1;
        if (write(toPeer, &v, 8) != 8 || read(toMain, &v, 8) != 8)
            return 1;
    }
    const double after = cpuSeconds();
    pthread_join(t, NULL);
    printf("wake-up    pause %4d us: %5.1f us of CPU per round trip\n", pauseUs,
           (after - before) / kRounds * 1e6);
    return 0;
}
C

cat > "$WORK/sync.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
static double cpuSeconds(void)
{
    struct rusage r;
    getrusage(RUSAGE_THREAD, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6;
}
static double wallSeconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}
int main(int argc, char **argv)
{
    const char *path = argv[1];
    const size_t size = (size_t)atol(argv[2]);
    const int rounds = 2000;
    const size_t fileSize = 4 << 20; // a WAL of 1000 pages, reused from its start like SQLite's
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    char *zero = calloc(1, fileSize), *buf = malloc(size);
    memset(buf, 'x', size);
    if (pwrite(fd, zero, fileSize, 0) != (ssize_t)fileSize || fsync(fd) != 0)
        return 1;
    const double cpu0 = cpuSeconds(), wall0 = wallSeconds();
    off_t off = 0;
    for (int i = 0; i < rounds; i++) {
        if (off + size > fileSize)
            off = 0;
        if (pwrite(fd, buf, size, off) != (ssize_t)size || fdatasync(fd) != 0)
            return 1;
        off += size;
    }
    printf("fdatasync  %6zu bytes: %5.1f us of CPU, %6.1f us wall per commit\n", size,
           (cpuSeconds() - cpu0) / rounds * 1e6, (wallSeconds() - wall0) / rounds * 1e6);
    close(fd);
    unlink(path);
    return 0;
}
C

cc -O2 -pthread -o "$WORK/wake" "$WORK/wake.c"
cc -O2 -o "$WORK/sync" "$WORK/sync.c"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for pause in 0 500 1000; do "$WORK/wake" "$pause"; done
for size in 4120 53560; do "$WORK/sync" "$DATA/bench-machine-costs.$$" "$size"; done
