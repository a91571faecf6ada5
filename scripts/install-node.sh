#!/usr/bin/env bash
# Installs Node.js and npm (Debian packages) when they are missing: the viewer is built with them (`make viewer`).
# Needs root, or sudo, when something is missing. Node 18 or newer is needed (esbuild, TypeScript).
set -euo pipefail
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
  else
    SUDO=
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "${major}" -lt 18 ]; then
  echo "Node.js ${major} is too old to build the viewer: 18 or newer is needed" >&2
  exit 1
fi
