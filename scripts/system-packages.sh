#!/usr/bin/env bash
# The Debian packages the test suite drives for real: curl (the seed's curl example, replayed) and
# chromium (Swagger UI in a real browser). npm cannot install them; apt-get can, as root. Run before
# the tests (`npm test` does), so the README's two commands are all a fresh Debian machine needs.
set -euo pipefail

missing=()
command -v curl >/dev/null || missing+=(curl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need Debian packages: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages the tests need: ${missing[*]}" >&2
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
