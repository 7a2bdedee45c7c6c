#!/bin/sh
# Extract every translatable string of the migra package into
# migra/locale/{km,th,en}/LC_MESSAGES/django.po (and djangojs.po when JavaScript marks
# strings), then compile the catalogues (.mo files are build products, not committed).
#
# Makefile:
#   messages:
#   	sh scripts/messages.sh
#
# Then translate what is empty or marked fuzzy in the km and th catalogues (and remove
# the fuzzy flags); migra/config/tests/test_translations.py fails until that is done.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
MIGRA=${MIGRA:-$root/.venv/bin/migra}
export DEBUG="${DEBUG:-true}"

# Run inside the package, as the translation test does: only migra/ is scanned and
# everything lands in migra/locale/.
cd "$root/migra"
"$MIGRA" makemessages -l km -l th -l en --add-location=file
"$MIGRA" makemessages -d djangojs -l km -l th -l en --ignore=static/fonts --add-location=file
"$MIGRA" compilemessages
