#!/usr/bin/env bash
# Installs the Debian packages the tests need (DCMTK, PostgreSQL) when they are missing. Needs root for apt-get.
set -euo pipefail
missing=()
command -v storescu >/dev/null 2>&1 || missing+=(dcmtk)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
