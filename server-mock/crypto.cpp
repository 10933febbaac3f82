#include "crypto.h"

#include <sodium.h>

namespace chat::server::crypto {

bool ensureCrypto()
{
    static const bool ok = sodium_init() >= 0;
    return ok;
}

QByteArray hashPassword(const QString &password)
{
    const QByteArray pw = password.toUtf8();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, pw.constData(), quint64(pw.size()),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE)
        != 0)
        return {}; // out of memory: the caller answers `unavailable`
    return QByteArray(out);
}

bool verifyPassword(const QByteArray &hash, const QString &password)
{
    if (hash.isEmpty())
        return false;
    const QByteArray pw = password.toUtf8();
    return crypto_pwhash_str_verify(hash.constData(), pw.constData(), quint64(pw.size())) == 0;
}

QString newToken()
{
    QByteArray raw(32, Qt::Uninitialized);
    randombytes_buf(raw.data(), size_t(raw.size()));
    return QString::fromLatin1(
        raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QByteArray tokenHash(const QString &token)
{
    const QByteArray t = token.toUtf8();
    QByteArray out(crypto_hash_sha256_BYTES, Qt::Uninitialized);
    crypto_hash_sha256(reinterpret_cast<unsigned char *>(out.data()),
                       reinterpret_cast<const unsigned char *>(t.constData()), quint64(t.size()));
    return out.toHex();
}

QString newId(QLatin1StringView prefix)
{
    QByteArray raw(8, Qt::Uninitialized);
    randombytes_buf(raw.data(), size_t(raw.size()));
    return QString(prefix) + QString::fromLatin1(raw.toHex());
}

} // namespace chat::server::crypto
