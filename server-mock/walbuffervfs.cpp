#include "walbuffervfs.h"

#include "net/logging.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <sqlite3.h>
#include <vector>

namespace chat::server {

namespace {

constexpr char kVfsName[] = "chat-walbuf";
// A commit larger than this is written in several pieces (a page spill, a huge batch).
constexpr size_t kMaxBuffered = 1 << 20;
// The most the default (unix) VFS writes in one xWrite: it masks each pwrite's length with
// 0x1ffff, so a longer write comes back short and is reported as SQLITE_FULL.
constexpr size_t kMaxWrite = 64 * 1024;

// What a buffered WAL file keeps after the default VFS's own file structure. The default VFS's
// structure comes first in the allocation, so its methods work on the same sqlite3_file
// pointer; this part lives at g_offset.
struct Pending {
    const sqlite3_io_methods *real = nullptr;
    sqlite3_int64 start = 0; // file offset of data[0]
    std::vector<char> data;
};

sqlite3_vfs *g_base = nullptr;
sqlite3_vfs g_vfs;
sqlite3_io_methods g_methods; // the default VFS's methods with the overrides below
const sqlite3_io_methods *g_methodsOf = nullptr; // whose methods g_methods copies
std::mutex g_methodsMutex;
int g_offset = 0;
bool g_registered = false;

Pending *pending(sqlite3_file *f)
{
    return std::launder(reinterpret_cast<Pending *>(reinterpret_cast<char *>(f) + g_offset));
}

int flush(sqlite3_file *f)
{
    Pending *p = pending(f);
    if (p->data.empty())
        return SQLITE_OK;
    int rc = SQLITE_OK;
    for (size_t done = 0; done < p->data.size() && rc == SQLITE_OK; done += kMaxWrite) {
        const size_t n = std::min(kMaxWrite, p->data.size() - done);
        rc = p->real->xWrite(f, p->data.data() + done, int(n), p->start + sqlite3_int64(done));
    }
    // On failure too: SQLite fails the sync (the commit) and rolls back; frames past the last
    // commit are never read, and the next attempt writes them again.
    p->data.clear();
    return rc;
}

int bufWrite(sqlite3_file *f, const void *buf, int amount, sqlite3_int64 offset)
{
    Pending *p = pending(f);
    if (!p->data.empty() && offset != p->start + sqlite3_int64(p->data.size())) {
        if (const int rc = flush(f); rc != SQLITE_OK)
            return rc;
    }
    if (p->data.size() + size_t(amount) > kMaxBuffered) {
        if (const int rc = flush(f); rc != SQLITE_OK)
            return rc;
        if (size_t(amount) > kMaxWrite) // SQLite writes pages and headers: not expected
            return p->real->xWrite(f, buf, amount, offset);
    }
    if (p->data.empty())
        p->start = offset;
    const auto *bytes = static_cast<const char *>(buf);
    p->data.insert(p->data.end(), bytes, bytes + amount);
    return SQLITE_OK;
}

int bufRead(sqlite3_file *f, void *buf, int amount, sqlite3_int64 offset)
{
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return pending(f)->real->xRead(f, buf, amount, offset);
}

int bufTruncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return pending(f)->real->xTruncate(f, size);
}

int bufSync(sqlite3_file *f, int flags)
{
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return pending(f)->real->xSync(f, flags);
}

int bufFileSize(sqlite3_file *f, sqlite3_int64 *size)
{
    if (const int rc = flush(f); rc != SQLITE_OK)
        return rc;
    return pending(f)->real->xFileSize(f, size);
}

int bufClose(sqlite3_file *f)
{
    Pending *p = pending(f);
    const int flushed = flush(f);
    const sqlite3_io_methods *real = p->real;
    p->~Pending();
    const int rc = real->xClose(f);
    return flushed != SQLITE_OK ? flushed : rc;
}

int vfsOpen(sqlite3_vfs *, sqlite3_filename name, sqlite3_file *f, int flags, int *outFlags)
{
    const int rc = g_base->xOpen(g_base, name, f, flags, outFlags);
    if (rc != SQLITE_OK || !(flags & SQLITE_OPEN_WAL) || !f->pMethods)
        return rc;
    {
        std::lock_guard lock(g_methodsMutex);
        if (!g_methodsOf) {
            g_methods = *f->pMethods;
            g_methods.xClose = bufClose;
            g_methods.xRead = bufRead;
            g_methods.xWrite = bufWrite;
            g_methods.xTruncate = bufTruncate;
            g_methods.xSync = bufSync;
            g_methods.xFileSize = bufFileSize;
            g_methodsOf = f->pMethods;
        } else if (g_methodsOf != f->pMethods) {
            return rc; // a file of another kind: leave it unbuffered
        }
    }
    Pending *p = new (reinterpret_cast<char *>(f) + g_offset) Pending;
    p->real = f->pMethods;
    f->pMethods = &g_methods;
    return rc;
}

void registerVfs()
{
    g_base = sqlite3_vfs_find(nullptr);
    if (!g_base)
        return;
    g_offset = (g_base->szOsFile + int(alignof(Pending)) - 1) & ~(int(alignof(Pending)) - 1);
    g_vfs = *g_base; // every other method (and pAppData) is the default VFS's own
    g_vfs.szOsFile = g_offset + int(sizeof(Pending));
    g_vfs.zName = kVfsName;
    g_vfs.pNext = nullptr;
    g_vfs.xOpen = vfsOpen;
    if (sqlite3_vfs_register(&g_vfs, 0) != SQLITE_OK) {
        qCWarning(lcServerStore) << "cannot register the WAL-buffering SQLite VFS";
        return;
    }
    g_registered = true;
}

} // namespace

QString walBufferVfsName()
{
    static std::once_flag once;
    std::call_once(once, registerVfs);
    return g_registered ? QString::fromLatin1(kVfsName) : QString();
}

} // namespace chat::server
