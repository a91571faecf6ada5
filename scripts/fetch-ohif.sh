#!/usr/bin/env bash
# Fetches the built OHIF Viewer (npm package @ohif/app, which ships dist/) into .cache/ohif/<version>/ once.
# The browser tests serve that folder as static files, with an app-config pointing at pypacs.
set -euo pipefail
version="${OHIF_VERSION:-3.13.2}"
target=".cache/ohif/${version}"
if [ -f "${target}/dist/index.html" ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "npm is required to fetch the OHIF viewer (apt-get install npm)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
echo "fetching OHIF viewer ${version}"
(cd "${work}" && npm pack --silent "@ohif/app@${version}" >/dev/null)
mkdir -p "${target}"
tar -xzf "${work}"/ohif-app-*.tgz -C "${work}"
rm -rf "${target}/dist"
mv "${work}/package/dist" "${target}/dist"
