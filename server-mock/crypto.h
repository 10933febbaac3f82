// Secrets: Argon2id password hashes, random bearer tokens and their SHA-256 digests,
// random opaque ids. Thin wrappers over libsodium; call ensureCrypto() once first.
#pragma once

#include <QByteArray>
#include <QString>

namespace chat::server::crypto {

bool ensureCrypto();
// Argon2id, libsodium "interactive" limits. Slow by design: call off the network thread.
QByteArray hashPassword(const QString &password);
bool verifyPassword(const QByteArray &hash, const QString &password);
// 32 random bytes, base64url without padding (43 characters).
QString newToken();
QByteArray tokenHash(const QString &token); // SHA-256 of the token's UTF-8
// prefix + 16 random hex digits, e.g. "u_3f9a…".
QString newId(QLatin1StringView prefix);

} // namespace chat::server::crypto
