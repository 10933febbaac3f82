// JsonWriter: appends compact JSON straight to a QByteArray (UTF-8) or a QString (UTF-16),
// for the hot frames the codec encodes without building a QJsonObject (fastencode.cpp).
// It writes exactly what QJsonDocument::toJson(Compact) writes for the same values: the
// same string escapes (\" \\ \b \f \n \r \t, other controls as \u00xx, unpaired surrogates
// as \uxxxx in lower-case hex), integers in decimal, no spaces. Keys are written in the
// order the caller gives; callers list them sorted as QJsonObject would.
#pragma once

#include <QByteArray>
#include <QString>

#include <charconv>

namespace chat::proto {

template<typename Out>
class JsonWriter
{
public:
    explicit JsonWriter(Out &out) : m_out(out) { }

    // ASCII text written as is (punctuation, keys, literals).
    void raw(const char *s, qsizetype n)
    {
        if constexpr (std::is_same_v<Out, QByteArray>)
            m_out.append(s, n);
        else
            m_out.append(QLatin1StringView(s, n));
    }
    template<qsizetype N>
    void raw(const char (&s)[N])
    {
        raw(s, N - 1);
    }
    void ch(char c)
    {
        if constexpr (std::is_same_v<Out, QByteArray>)
            m_out.append(c);
        else
            m_out.append(QChar(QLatin1Char(c)));
    }
    void integer(qint64 v)
    {
        char buf[24];
        const auto r = std::to_chars(buf, buf + sizeof buf, v);
        raw(buf, r.ptr - buf);
    }
    void boolean(bool b)
    {
        if (b)
            raw("true");
        else
            raw("false");
    }
    void string(QStringView s);

private:
    Out &m_out;
};

namespace detail {
inline char hexDigit(unsigned u)
{
    return char(u < 10 ? '0' + u : 'a' + u - 10);
}

// Writes the escape for an ASCII character that needs one (< 0x20, '"', '\\'), returning
// the number of characters written into `d` (2 or 6).
template<typename C>
inline int asciiEscape(char16_t u, C *d)
{
    d[0] = C('\\');
    switch (u) {
    case 0x22: d[1] = C('"'); return 2;
    case 0x5c: d[1] = C('\\'); return 2;
    case 0x08: d[1] = C('b'); return 2;
    case 0x0c: d[1] = C('f'); return 2;
    case 0x0a: d[1] = C('n'); return 2;
    case 0x0d: d[1] = C('r'); return 2;
    case 0x09: d[1] = C('t'); return 2;
    default: break;
    }
    d[1] = C('u');
    d[2] = C('0');
    d[3] = C('0');
    d[4] = C(hexDigit(u >> 4));
    d[5] = C(hexDigit(u & 0xf));
    return 6;
}

template<typename C>
inline int unitEscape(char16_t u, C *d)
{
    d[0] = C('\\');
    d[1] = C('u');
    d[2] = C(hexDigit((u >> 12) & 0xf));
    d[3] = C(hexDigit((u >> 8) & 0xf));
    d[4] = C(hexDigit((u >> 4) & 0xf));
    d[5] = C(hexDigit(u & 0xf));
    return 6;
}

inline bool needsEscape(char16_t u)
{
    return u < 0x20 || u == 0x22 || u == 0x5c;
}
} // namespace detail

template<>
inline void JsonWriter<QByteArray>::string(QStringView s)
{
    // Worst case per UTF-16 unit: 6 bytes (\u00xx or \udxxx); a pair is 4 bytes for 2 units.
    const qsizetype start = m_out.size();
    m_out.resize(start + s.size() * 6 + 2);
    char *d = m_out.data() + start;
    *d++ = '"';
    const char16_t *p = s.utf16();
    const char16_t *const end = p + s.size();
    while (p != end) {
        const char16_t u = *p++;
        if (u < 0x80) {
            if (detail::needsEscape(u))
                d += detail::asciiEscape(u, d);
            else
                *d++ = char(u);
        } else if (u < 0x800) {
            *d++ = char(0xc0 | (u >> 6));
            *d++ = char(0x80 | (u & 0x3f));
        } else if (!QChar::isSurrogate(u)) {
            *d++ = char(0xe0 | (u >> 12));
            *d++ = char(0x80 | ((u >> 6) & 0x3f));
            *d++ = char(0x80 | (u & 0x3f));
        } else if (QChar::isHighSurrogate(u) && p != end && QChar::isLowSurrogate(*p)) {
            const char32_t c = QChar::surrogateToUcs4(u, *p++);
            *d++ = char(0xf0 | (c >> 18));
            *d++ = char(0x80 | ((c >> 12) & 0x3f));
            *d++ = char(0x80 | ((c >> 6) & 0x3f));
            *d++ = char(0x80 | (c & 0x3f));
        } else {
            d += detail::unitEscape(u, d); // unpaired surrogate: not encodable in UTF-8
        }
    }
    *d++ = '"';
    m_out.truncate(d - m_out.constData());
}

template<>
inline void JsonWriter<QString>::string(QStringView s)
{
    const qsizetype start = m_out.size();
    m_out.resize(start + s.size() * 6 + 2);
    char16_t *d = reinterpret_cast<char16_t *>(m_out.data()) + start;
    char16_t *const base = reinterpret_cast<char16_t *>(m_out.data());
    *d++ = u'"';
    const char16_t *p = s.utf16();
    const char16_t *const end = p + s.size();
    while (p != end) {
        const char16_t u = *p++;
        if (u < 0x80) {
            if (detail::needsEscape(u))
                d += detail::asciiEscape(u, d);
            else
                *d++ = u;
        } else if (!QChar::isSurrogate(u)) {
            *d++ = u;
        } else if (QChar::isHighSurrogate(u) && p != end && QChar::isLowSurrogate(*p)) {
            *d++ = u;
            *d++ = *p++;
        } else {
            d += detail::unitEscape(u, d);
        }
    }
    *d++ = u'"';
    m_out.truncate(d - base);
}

} // namespace chat::proto
