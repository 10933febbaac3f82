#!/usr/bin/env python3
"""Prepare many chat-server accounts for connection benchmarks without hashing each password.

Registering 1,900 users (19k connections at 10 per user) through the protocol costs one
Argon2id hash each (64 MiB, 0.1-0.3 s on these machines), and then a login each; that alone
took longer than the measurement. Here the server hashes ONE password itself (a fixture user,
loaded by the server at start), and this script copies that real Argon2id hash to N bench
users and gives each a session token in the server's own format (32 random bytes, base64url;
the store keeps its SHA-256 hex, as chat-server's crypto::tokenHash does). The connections then
authenticate with `auth` + token, exactly as a resumed client does. Nothing in the server is
bypassed at run time: the rows are only inserted while it is stopped (SQLite) or before the
connections start (PostgreSQL, shared by the nodes).

  bench-seed-accounts.py sqlite DB_FILE SEED_USERNAME N ACCOUNTS_OUT
      reads SEED_USERNAME's password hash from the chat-server SQLite store and inserts
      N users and tokens into it.
  bench-seed-accounts.py sql PASSWORD_HASH N ACCOUNTS_OUT > seed.sql
      prints the same INSERTs as SQL (for psql against the cluster's PostgreSQL store).

ACCOUNTS_OUT gets one "user_id token username" line per user (chat-bench --accounts-file).
"""
import base64
import hashlib
import secrets
import sqlite3
import sys
import time


def make_rows(n, password_hash):
    now = int(time.time() * 1000)
    expires = now + 30 * 86400000
    users, tokens, accounts = [], [], []
    for i in range(n):
        user_id = "u_" + secrets.token_hex(8)
        username = "bench%06d" % i
        token = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
        token_hash = hashlib.sha256(token.encode()).hexdigest()
        users.append((user_id, username, username, password_hash, now))
        tokens.append((token_hash, user_id, "bench", now, expires))
        accounts.append("%s %s %s\n" % (user_id, token, username))
    return users, tokens, accounts


def main(argv):
    if not ((len(argv) == 5 and argv[0] == "sqlite") or (len(argv) == 4 and argv[0] == "sql")):
        sys.stderr.write(__doc__)
        return 2
    mode, source = argv[0], argv[1]
    n, out = int(argv[-2]), argv[-1]
    if mode == "sqlite":
        db = sqlite3.connect(source)
        row = db.execute("SELECT password_hash FROM users WHERE username = ?", (argv[2],)).fetchone()
        if row is None:
            sys.stderr.write("bench-seed-accounts: no user %s in %s\n" % (argv[2], source))
            return 1
        users, tokens, accounts = make_rows(n, row[0])
        with db:
            db.executemany("INSERT INTO users (user_id, username, display_name, password_hash, "
                           "created_ts) VALUES (?, ?, ?, ?, ?)", users)
            db.executemany("INSERT INTO tokens (token_hash, user_id, device, created_ts, "
                           "expires_ts, revoked) VALUES (?, ?, ?, ?, ?, 0)", tokens)
        db.close()
    else:
        users, tokens, accounts = make_rows(n, source)
        q = lambda v: "'" + str(v).replace("'", "''") + "'" if isinstance(v, str) else str(v)
        out_sql = sys.stdout
        out_sql.write("BEGIN;\n")
        for i in range(0, n, 500):
            out_sql.write("INSERT INTO users (user_id, username, display_name, password_hash, "
                          "created_ts) VALUES\n")
            out_sql.write(",\n".join("(" + ", ".join(q(v) for v in u) + ")"
                                     for u in users[i:i + 500]) + ";\n")
            out_sql.write("INSERT INTO tokens (token_hash, user_id, device, created_ts, "
                          "expires_ts, revoked) VALUES\n")
            out_sql.write(",\n".join("(" + ", ".join(q(v) for v in t) + ", 0)"
                                     for t in tokens[i:i + 500]) + ";\n")
        out_sql.write("COMMIT;\n")
    with open(out, "w") as f:
        f.writelines(accounts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
