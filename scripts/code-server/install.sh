#!/usr/bin/env bash
# Installs code-server (pinned) into a cache folder outside the checkout and prints its binary path on the last
# line. Idempotent: with the cache present it only checks the apt packages and prints the path.
#
# Why each odd step is here (see ../../../shared/spec/testing-in-vscode.md, tried on this machine kind):
# - 4.100.3 is the newest code-server whose `engines` accept Node 20.
# - its own folder, package.json and lockfile, never `npm --prefix`: the prefix leaks into the nested install
#   that code-server's postinstall runs.
# - npm_config_yes: node-pty's postinstall runs `npx`, and this machine's npm config says yes=false.
# - npm_config_unsafe_perm: we run as root.
# - @vscode/ripgrep's postinstall downloads from GitHub, which is unreachable: seed its cache with Debian's rg.
# - kerberos builds from source and needs gssapi.h (libkrb5-dev); Playwright drives Debian's chromium.
set -euo pipefail

VERSION=4.100.3
RIPGREP_PKG=1.15.11
RIPGREP_BUILD=v13.0.0-10
CACHE="${PRECOND_LAB_CACHE:-$HOME/.cache/precond-lab}"
DIR="$CACHE/code-server-$VERSION"
BIN="$DIR/node_modules/.bin/code-server"
MARK="$DIR/.installed"   # written last: a folder without it is a broken install and is redone

log() { echo "[code-server install] $*" >&2; }

# Started from `npm run`, npm exports its config as npm_config_* variables and the calling package as npm_package_*.
# The prefixes would redirect the nested installs (the --prefix leak) and `-s` would silence them; config a CI sets
# on purpose (registry, cache, cafile) is left alone.
unset npm_config_prefix npm_config_local_prefix npm_config_global_prefix npm_config_loglevel npm_config_yes INIT_CWD
for v in $(env | sed -n 's/^\(npm_package_[A-Za-z0-9_]*\|npm_lifecycle_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$v"; done

apt_missing() {
  local missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
  # only the source build of kerberos needs the headers; a finished install does not
  if [ ! -f "$MARK" ] && [ ! -f /usr/include/gssapi.h ] && [ ! -f /usr/include/gssapi/gssapi.h ]; then missing+=(libkrb5-dev); fi
  echo "${missing[@]}"
}

missing="$(apt_missing)"
if [ -n "$missing" ]; then
  log "apt packages missing: $missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi

if [ -f "$MARK" ] && [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

log "installing code-server $VERSION into $DIR (about 3 minutes from an empty npm cache)"
rm -rf "$DIR"
mkdir -p "$DIR"

case "$(uname -m)" in
  x86_64) RG_TARGET=x86_64-unknown-linux-musl ;;
  aarch64) RG_TARGET=aarch64-unknown-linux-gnu ;;
  *) log "unsupported architecture $(uname -m)"; exit 1 ;;
esac
RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_PKG"
RG_TAR="$RG_CACHE/ripgrep-$RIPGREP_BUILD-$RG_TARGET.tar.gz"
if [ ! -s "$RG_TAR" ]; then
  mkdir -p "$RG_CACHE"
  stage="$(mktemp -d)"
  cp "$(command -v rg)" "$stage/rg"
  tar -czf "$RG_TAR" -C "$stage" rg
  rm -rf "$stage"
fi

cd "$DIR"
cat > package.json <<JSON
{ "name": "precond-lab-code-server", "private": true, "description": "code-server for Preconditioning Lab's tests" }
JSON
export npm_config_yes=true npm_config_unsafe_perm=true
npm install --save-exact --no-audit --no-fund "code-server@$VERSION" >&2

# npm 11 warns that install scripts are "not yet covered by allowScripts"; should a later npm skip them, code-server's
# postinstall (which installs VS Code's own modules) would not run and the server would fail at start: say so now.
if [ ! -d node_modules/code-server/lib/vscode/node_modules ]; then
  log "code-server's postinstall did not run (npm skipped install scripts?); allow them for code-server and argon2"
  exit 1
fi
# a throwaway config home: code-server writes a default config.yaml on its first start
XDG_CONFIG_HOME="$(mktemp -d)" "$BIN" --version >&2
date -u +%FT%TZ > "$MARK"
log "installed"
echo "$BIN"
