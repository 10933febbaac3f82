#!/usr/bin/env bash
# Installs every Debian package the project needs (scripts/packages-debian.txt): build, run,
# tests and test services. Idempotent: when everything is present it is a fast no-op (one
# dpkg-query call, no network); otherwise it runs `apt-get update` once and installs only what
# is missing. Uses sudo when not root. Never prompts (works with no stdin, CI=true).
#
# Ubuntu 24.04: the same package names exist, with two differences handled below:
#  - `clang` there is clang 18, so libclang-rt-14-dev / libfuzzer-14-dev become
#    libclang-rt-18-dev / libfuzzer-18-dev (the runtime must match the compiler).
#  - PostgreSQL is 16 instead of 15 (tests/tools/pg.sh finds the newest
#    /usr/lib/postgresql/*/bin by itself); Qt is 6.4.2 as on Debian 12.
# (The Ubuntu mapping is written from the distribution's package lists, not run on Ubuntu here.)
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: scripts/install-deps.sh [--check] [--list]

Installs the Debian 12 / Ubuntu 24.04 packages listed in scripts/packages-debian.txt that are
not installed yet (apt-get; sudo when not root). Does nothing when all are present.

  --check   only report what is missing; exit 1 if anything is
  --list    print the package list (after distribution mapping) and exit
  --help    this text
USAGE
}

mode=install
for arg in "$@"; do
    case "$arg" in
        --check) mode=check ;;
        --list) mode=list ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install-deps.sh: unknown option '$arg' (see --help)" >&2; exit 2 ;;
    esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="$here/packages-debian.txt"

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps.sh: this script needs a Debian-based system (dpkg/apt-get)." >&2
    echo "For macOS and Windows see docs/BUILDING.md." >&2
    exit 1
fi

# Read the list: strip comments and blanks.
mapfile -t packages < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$')

# Distribution mapping (see the header comment).
os_id=""
os_version=""
if [[ -r /etc/os-release ]]; then
    # shellcheck disable=SC1091
    os_id="$(. /etc/os-release && echo "${ID:-}")"
    os_version="$(. /etc/os-release && echo "${VERSION_ID:-}")"
fi
if [[ "$os_id" == ubuntu && "$os_version" == 24.04 ]]; then
    for i in "${!packages[@]}"; do
        packages[$i]="${packages[$i]/-14-dev/-18-dev}"
    done
fi

if [[ "$mode" == list ]]; then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

# One dpkg-query for all packages; unknown packages print nothing on stdout.
declare -A installed=()
while read -r name status; do
    [[ "$status" == installed ]] && installed["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)

missing=()
for p in "${packages[@]}"; do
    [[ -n "${installed[$p]:-}" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} packages are installed."
    exit 0
fi

echo "install-deps: missing ${#missing[@]} of ${#packages[@]} packages: ${missing[*]}"
if [[ "$mode" == check ]]; then
    exit 1
fi

sudo_cmd=()
if [[ "$(id -u)" -ne 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "install-deps.sh: not root and sudo is not available; install as root:" >&2
        echo "  apt-get install ${missing[*]}" >&2
        exit 1
    fi
    # -n: never wait for a password prompt when there is no terminal (CI); say so instead.
    if [[ -t 0 ]]; then sudo_cmd=(sudo); else sudo_cmd=(sudo -n); fi
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300)
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
