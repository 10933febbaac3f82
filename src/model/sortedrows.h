// Applies the net effect of one engine change batch to the sorted rows of a list model with
// few, wide model signals: removals as contiguous ranges (bottom up), rows whose sort key
// changed moved one at a time and only when they ended up out of order, new rows inserted as
// contiguous runs. One batch costs a pass over the rows plus k log k for its k new rows (each
// extra removal range, insertion run or move adds a pass; batches rarely hold many), instead
// of a search and a signal per row.
#pragma once

#include <QList>

#include <algorithm>
#include <functional>
#include <utility>

namespace chat::model {

template<typename T>
struct SortedRowsChanges {
    QList<int> removals;              // rows, counted before the batch
    QList<std::pair<int, T>> updates; // row before the batch, its new value
    QList<T> inserts;                 // new rows, any order
};

// The model's side: its protected begin/end calls, and touched(row) for a surviving row whose
// neighbour changed (list models with roles that depend on the neighbours refresh it).
template<typename T>
struct SortedRowsSignals {
    std::function<void(int, int)> beginRemove;
    std::function<void()> endRemove;
    std::function<void(int, int)> beginMove; // source row, destination (beginMoveRows' sense)
    std::function<void()> endMove;
    std::function<void(int, int)> beginInsert;
    std::function<void()> endInsert;
    std::function<void(const T &)> touched;
};

// `rows[0, sorted)` are ordered by `before` (a strict total order); rows after them (a
// "loading" placeholder) stay at the end. Returns the new count of sorted rows.
template<typename T, typename Before>
int applySortedChanges(QList<T> &rows, int sorted, SortedRowsChanges<T> changes, Before before,
                       const SortedRowsSignals<T> &s)
{
    // Rows with a new value may be out of order; every other row keeps its relative place.
    QList<char> updated(rows.size(), 0);
    for (auto &u : changes.updates) {
        rows[u.first] = std::move(u.second);
        updated[u.first] = 1;
    }
    auto touch = [&](int row) {
        if (row >= 0 && row < sorted)
            s.touched(rows.at(row));
    };

    // 1. Removals, maximal contiguous ranges from the bottom so that indices stay valid.
    std::sort(changes.removals.begin(), changes.removals.end(), std::greater<int>());
    for (int i = 0; i < changes.removals.size();) {
        const int last = changes.removals.at(i);
        int first = last;
        ++i;
        while (i < changes.removals.size() && changes.removals.at(i) == first - 1)
            first = changes.removals.at(i++);
        const int n = last - first + 1;
        s.beginRemove(first, last);
        rows.remove(first, n);
        updated.remove(first, n);
        sorted -= n;
        s.endRemove();
        touch(first - 1);
        touch(first);
    }

    // 2. Moves. Keep every updated row that still sits in order between the kept rows before
    // it and the next unchanged row after it; move the others, one by one, to their place
    // among the settled rows.
    if (!changes.updates.isEmpty()) {
        QList<int> nextFixed(sorted + 1, -1);
        for (int i = sorted - 1; i >= 0; --i)
            nextFixed[i] = updated.at(i) ? nextFixed.at(i + 1) : i;
        QList<char> unsettled(rows.size(), 0);
        int lastKept = -1;
        int toMove = 0;
        for (int i = 0; i < sorted; ++i) {
            if (updated.at(i)) {
                const int f = nextFixed.at(i + 1);
                const bool inOrder = (lastKept < 0 || !before(rows.at(i), rows.at(lastKept)))
                                     && (f < 0 || !before(rows.at(f), rows.at(i)));
                if (!inOrder) {
                    unsettled[i] = 1;
                    ++toMove;
                    continue;
                }
            }
            lastKept = i;
        }
        for (int from = 0; toMove > 0; ++from) {
            if (!unsettled.at(from))
                continue;
            // The first settled row that does not come before this one.
            int dest = sorted;
            for (int i = 0; i < sorted; ++i) {
                if (i != from && !unsettled.at(i) && !before(rows.at(i), rows.at(from))) {
                    dest = i;
                    break;
                }
            }
            unsettled[from] = 0;
            --toMove;
            if (dest == from + 1)
                continue; // already in its place among the settled rows
            touch(from - 1);
            touch(from + 1);
            const int to = dest > from ? dest - 1 : dest;
            s.beginMove(from, dest);
            rows.move(from, to);
            unsettled.move(from, to);
            s.endMove();
            touch(to - 1);
            touch(to + 1);
            if (to > from)
                --from; // the rows after it shifted up: the one now at `from` is unseen
        }
    }

    // 3. Insertions: the new rows in order, each run that lands between the same two old rows
    // inserted at once.
    std::stable_sort(changes.inserts.begin(), changes.inserts.end(), before);
    int offset = 0;
    for (int i = 0; i < changes.inserts.size();) {
        const auto at = int(std::lower_bound(rows.cbegin() + offset, rows.cbegin() + sorted,
                                             changes.inserts.at(i), before)
                            - rows.cbegin());
        int j = i + 1;
        while (j < changes.inserts.size()
               && (at == sorted || before(changes.inserts.at(j), rows.at(at))))
            ++j;
        const int n = j - i;
        s.beginInsert(at, at + n - 1);
        rows.insert(at, n, T{});
        for (int k = 0; k < n; ++k)
            rows[at + k] = std::move(changes.inserts[i + k]);
        sorted += n;
        s.endInsert();
        touch(at - 1);
        touch(at + n);
        offset = at + n;
        i = j;
    }
    return sorted;
}

// Calls emitRange(first, last) once per contiguous run of `rows` (any order, repeats
// allowed): one dataChanged per run instead of one per row.
template<typename EmitRange>
void forEachRowRun(QList<int> rows, EmitRange emitRange)
{
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    for (qsizetype i = 0; i < rows.size();) {
        qsizetype j = i + 1;
        while (j < rows.size() && rows.at(j) == rows.at(j - 1) + 1)
            ++j;
        emitRange(rows.at(i), rows.at(j - 1));
        i = j;
    }
}

} // namespace chat::model
