#!/usr/bin/env python3
# What a chat-desktop start reads from disk and costs in CPU, figures that the machine's load
# does not move (issue 7; docs/perf/desktop-start-io-*.json were made with it):
#   desktop-start-io.py RUNS LABEL:CHAT_DESKTOP:PROFILE ...      (OUT=file.json to save, WARM=1: no drop)
# PROFILE is a chat-bench-desktop --profiles folder (empty/, small-N/, full-N/). Each start is
# offline (ws://127.0.0.1:9), exits right after its first frame (--report-first-frame), runs
# alternate. Cold (default): the store and its WAL are dropped from the page cache first
# (posix_fadvise DONTNEED). Printed: disk pages read by the process (getrusage ru_inblock, 512-byte
# units, /8), user+sys CPU ms to exit, first frame ms.
import os, subprocess, sys, glob, resource, statistics, time
runs=int(sys.argv[1]); cfgs=[a.split(':') for a in sys.argv[2:]]
env=dict(os.environ, QT_QPA_PLATFORM='offscreen', QT_LOGGING_RULES='chat.*.info=false;chat.*.debug=false'); env.pop('DBUS_SESSION_BUS_ADDRESS',None)
res={c[0]:[] for c in cfgs}
for i in range(-1,runs):
    for label,binp,prof in cfgs:
        if os.environ.get("WARM")!="1":
          for f in glob.glob(prof+'/accounts/*/store.sqlite')+glob.glob(prof+'/accounts/*/store.sqlite-wal'):
            fd=os.open(f,os.O_RDONLY); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED); os.close(fd)
        t0=time.monotonic_ns()
        p=subprocess.Popen([binp,'--profile',prof,'--server','ws://127.0.0.1:9','--username','alice','--password','x','--report-first-frame'],stdout=subprocess.PIPE,stderr=subprocess.DEVNULL,env=env)
        ns=None
        for line in p.stdout:
            if line.startswith(b'first-frame '): ns=int(line.split()[1]); break
        _,status,ru=os.wait4(p.pid,0)
        if i>=0: res[label].append((ru.ru_inblock*512/4096, (ru.ru_utime+ru.ru_stime)*1000, (ns-t0)/1e6 if ns else -1))
for c in cfgs:
    v=res[c[0]]
    print(f"{c[0]:14s} disk pages read {statistics.median(x[0] for x in v):7.0f}  cpu ms {statistics.median(x[1] for x in v):6.1f}  first frame ms {statistics.median(x[2] for x in v):6.1f}  runs {[round(x[0]) for x in v]}")
print('load', open('/proc/loadavg').read().split()[0])
if os.environ.get('OUT'):
    import json
    json.dump({'method': 'scripts: chat-desktop --report-first-frame started RUNS times per profile, alternating, exit right after the first frame; '
               'disk_pages_read = getrusage ru_inblock*512/4096 of the process (store dropped from the page cache with posix_fadvise DONTNEED before each start unless warm); '
               'cpu_ms = user+sys of the whole process to exit', 'warm': os.environ.get('WARM')=='1',
               'load1_after': float(open('/proc/loadavg').read().split()[0]),
               'results': {c[0]: {'binary': c[1], 'profile': c[2], 'runs': [{'disk_pages_read': round(x[0]), 'cpu_ms': round(x[1],1), 'first_frame_ms': round(x[2],1)} for x in res[c[0]]],
                                  'median_disk_pages_read': statistics.median(x[0] for x in res[c[0]]), 'median_cpu_ms': round(statistics.median(x[1] for x in res[c[0]]),1),
                                  'median_first_frame_ms': round(statistics.median(x[2] for x in res[c[0]]),1)} for c in cfgs}}, open(os.environ['OUT'],'w'), indent=1)
