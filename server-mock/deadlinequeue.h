// DeadlineQueue: the times at which something must be looked at again, in a min-heap, so the
// server's periodic tick costs O(due entries · log n) instead of a walk over every session or
// user (at 19,000 idle connections that walk took ~3 ms a second and delayed the pings that
// arrived meanwhile). Entries are checked lazily: a deadline that moved later (a frame arrived)
// is not updated on the hot path; when its old entry comes up, the owner sees it is not due yet
// and schedules it again at the new time. Stale entries (an object that went away) are
// recognised and dropped by the owner's callback.
#pragma once

#include <QtGlobal>
#include <algorithm>
#include <vector>

namespace chat::server {

template<typename Key>
class DeadlineQueue
{
public:
    void schedule(qint64 due, Key key)
    {
        m_heap.push_back(Entry{due, std::move(key)});
        std::push_heap(m_heap.begin(), m_heap.end(), Later{});
    }
    // Removes every entry due at or before `now`, then calls f(key) for each in deadline order.
    // f may schedule again (also at or before `now`: that entry waits for the next call).
    template<typename F>
    void takeDue(qint64 now, F &&f)
    {
        std::vector<Key> due;
        while (!m_heap.empty() && m_heap.front().due <= now) {
            std::pop_heap(m_heap.begin(), m_heap.end(), Later{});
            due.push_back(std::move(m_heap.back().key));
            m_heap.pop_back();
        }
        for (Key &k : due)
            f(k);
    }
    size_t size() const { return m_heap.size(); }
    void clear() { m_heap.clear(); }

private:
    struct Entry {
        qint64 due;
        Key key;
    };
    struct Later {
        bool operator()(const Entry &a, const Entry &b) const { return a.due > b.due; }
    };
    std::vector<Entry> m_heap;
};

} // namespace chat::server
