// Errors are values: a Result<T> holds either a T or a ProtocolError, never throws.
#pragma once

#include "errors.h"

#include <utility>
#include <variant>

namespace chat::proto {

template<typename T>
class Result
{
public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) { }
    Result(ProtocolError error) : m_v(std::in_place_index<1>, std::move(error)) { }

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_v); }
    const T &value() const & { return std::get<0>(m_v); }
    T &&value() && { return std::get<0>(std::move(m_v)); }
    const ProtocolError &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, ProtocolError> m_v;
};

} // namespace chat::proto
