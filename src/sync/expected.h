// Errors are values in chat::sync: every fallible call returns an Expected<T> (a T or an
// Error) or a Status (success or an Error). Nothing throws across the API.
#pragma once

#include <QString>
#include <utility>
#include <variant>

namespace chat::sync {

struct Error {
    enum class Code {
        Storage,      // SQLite failed (disk full, corrupt file, permissions)
        InvalidInput, // the caller passed something unusable (blank text, unknown id)
        NotFound,     // no such conversation / message / outbox entry
        NotOpen,      // no account store open
        Offline,      // needs the server and there is no link
        Server,       // the server refused: serverCode holds its protocol code
        Timeout,
    };
    Code code = Code::Storage;
    QString message;    // a sentence for a person
    QString serverCode; // protocol error code ("forbidden", ...) for Code::Server
};

template<typename T>
class Expected
{
public:
    Expected(T value) : m_v(std::in_place_index<0>, std::move(value)) { }
    Expected(Error error) : m_v(std::in_place_index<1>, std::move(error)) { }

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T &value() & { return std::get<0>(m_v); }
    const T &value() const & { return std::get<0>(m_v); }
    T &&value() && { return std::get<0>(std::move(m_v)); }
    const Error &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

// Success, or an Error.
class Status
{
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error)), m_ok(false) { }
    static Status success() { return {}; }

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    const Error &error() const { return m_error; }

private:
    Error m_error;
    bool m_ok = true;
};

} // namespace chat::sync
