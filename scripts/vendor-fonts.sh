#!/bin/sh
# Vendor the Noto Sans Khmer and Noto Sans Thai web fonts (SIL OFL 1.1) into
# migra/static/fonts/ from the pinned @fontsource packages on the npm registry.
#
# To refresh: change the versions below, run `sh scripts/vendor-fonts.sh`, look at
# a few pages in Khmer and Thai, and commit the files it wrote (the woff2 files,
# the licence texts, README.md and SHA256SUMS).
set -eu

KHMER_VERSION=5.3.0
THAI_VERSION=5.3.0
WEIGHTS="400 700"

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/migra/static/fonts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# npm pack checks each tarball against the integrity hash the registry publishes.
(cd "$work" && npm pack --silent \
    "@fontsource/noto-sans-khmer@$KHMER_VERSION" \
    "@fontsource/noto-sans-thai@$THAI_VERSION" >/dev/null)

mkdir -p "$dest"
rm -f "$dest"/*.woff2

vendor() {  # package-name version script-subset
    name=$1 version=$2 subset=$3
    mkdir -p "$work/$name"
    tar -xzf "$work/fontsource-$name-$version.tgz" -C "$work/$name"
    for weight in $WEIGHTS; do
        for part in "$subset" latin; do
            cp "$work/$name/package/files/$name-$part-$weight-normal.woff2" "$dest/"
        done
    done
    cp "$work/$name/package/LICENSE" "$dest/LICENSE-$name.txt"
}

vendor noto-sans-khmer "$KHMER_VERSION" khmer
vendor noto-sans-thai "$THAI_VERSION" thai

cat >"$dest/README.md" <<README
# Fonts

Vendored so that Khmer and Thai render the same on every phone, laptop and PDF,
without a request to a font CDN.

| family | npm package | version | licence |
|---|---|---|---|
| Noto Sans Khmer | @fontsource/noto-sans-khmer | $KHMER_VERSION | SIL Open Font License 1.1 (LICENSE-noto-sans-khmer.txt) |
| Noto Sans Thai | @fontsource/noto-sans-thai | $THAI_VERSION | SIL Open Font License 1.1 (LICENSE-noto-sans-thai.txt) |

Only the woff2 files of the script subset (khmer / thai) and the latin subset,
weights $(echo "$WEIGHTS" | sed 's/ / and /'), are kept. \`migra/static/migra/app.css\`
declares them with \`unicode-range\`, so a browser downloads a subset only when the
page contains characters from it, and with \`font-display: swap\`, so text shows at
once in a system font while the web font loads.

SHA256SUMS lists the checksums of the files as vendored.

## Refresh

Change \`KHMER_VERSION\` / \`THAI_VERSION\` in \`scripts/vendor-fonts.sh\` and run

    sh scripts/vendor-fonts.sh

It runs \`npm pack\` for the pinned versions into a temporary directory (npm checks
the registry's integrity hash), extracts them and copies the files here.
README

(cd "$dest" && sha256sum ./*.woff2 ./LICENSE-*.txt | sed 's# \./# #' >SHA256SUMS)
echo "Fonts vendored into $dest"
