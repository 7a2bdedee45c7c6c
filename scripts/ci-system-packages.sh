#!/usr/bin/env bash
# Install the Debian packages Migra needs, but only the missing ones.
#
#   scripts/ci-system-packages.sh            # what `make run`, `make test` and CI need
#   scripts/ci-system-packages.sh chromium   # ... plus extra packages (browser tests)
#
# As root (CI, a fresh machine) it runs `apt-get update` and
# `apt-get install -y --no-install-recommends` for what is missing, and nothing at
# all when everything is there. As another user it installs nothing: it names the
# missing packages and the command to install them, and exits 0 when none of them is
# essential for the caller (CI=true makes a missing package an error).
set -euo pipefail

# Debian package names. Why each one is here:
#   gettext     msgfmt, for `migra compilemessages` (Khmer, English and Thai)
#   libicu-dev  ICU headers, to build PyICU (Khmer word segmentation) against the system ICU
#   pkg-config  lets PyICU's build find ICU
#   g++         compiles PyICU (a C++ extension; pip builds it from source)
#   ffmpeg      ffmpeg and ffprobe: the worker makes web renditions (H.264/AAC, no
#               metadata) and poster frames of story audio and video; their tests make
#               sample media with it and read the renditions back (migra/media/av.py).
#               Without it Migra still runs and says video/audio cannot be prepared.
# chromium + chromium-driver (browser tests) are passed as extra arguments by `make test`.
#   default-jdk-headless  Java for ODK Validate (inside pyxform), which checks every
#               uploaded XLSForm as ODK Collect will read it; the tests also fill forms
#               with JavaRosa from the same jar (a small Java source run by `java`,
#               which needs the JDK's compiler).
#   zbar-tools  zbarimg: the ODK journey test scans the set-up QR code from the page as a
#               phone would, instead of trusting the payload the page was made from.
PACKAGES=(gettext libicu-dev pkg-config g++ ffmpeg default-jdk-headless zbar-tools)
PACKAGES+=("$@")

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "ci-system-packages: not a Debian/Ubuntu system; make sure these are installed:" \
        "${PACKAGES[*]}" >&2
    exit 0
fi

# `python3 -m venv` needs ensurepip, which Debian's own python3 ships separately.
if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    minor=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    PACKAGES+=("python${minor}-venv")
fi

missing=()
for package in "${PACKAGES[@]}"; do
    installed "$package" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "ci-system-packages: missing Debian packages: ${missing[*]}" >&2
    echo "  install them with: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
    [ "${CI:-}" = "true" ] && exit 1
    exit 0
fi

echo "ci-system-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
