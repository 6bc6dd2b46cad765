#!/usr/bin/env bash
# Installs the pinned, known-good code-server and the Node.js it runs on into a cache directory, from npm (the
# "npm build": CI uses it; the page's Install tries code-server's release archive first, see src/ide/release-archive.ts).
#
#   scripts/install-code-server.sh [--dir DIR]
#
# DIR (or $CODE_SERVER_DIR) defaults to ~/.cache/agent-terminal-gateway/code-server-<version>. A complete
# install there is reused at once; an interrupted one is never mistaken for complete (it is built in a
# staging directory and renamed). The gateway runs DIR/bin/code-server; CODE_SERVER_BIN overrides it.
#
# Why a Node of its own: code-server's native modules are built for exactly one Node major (22 for the pinned
# version, checked by its postinstall), while the gateway runs on Node 20 or 22. A pinned Node from the npm
# registry (package node-linux-<arch>) makes the install independent of the host's Node.
# Needs: node and npm (any version >= 20), a C/C++ toolchain, python3, and the Kerberos headers
# (Debian: build-essential python3 libkrb5-dev); ripgrep on PATH lets it install offline.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pins="$(node -p 'const c = require(process.argv[1]).codeServer; [c.version, c.node, c.ripgrepPackage, c.ripgrepRelease].join(" ")' "$root/package.json")"
read -r version node_version ripgrep_package ripgrep_release <<<"$pins"

dir="${CODE_SERVER_DIR:-$HOME/.cache/agent-terminal-gateway/code-server-$version}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="${2:?--dir needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "install-code-server: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac

step() { echo "==> $*"; }

installed() {
  [ -f "$dir/.installed" ] && [ "$(cat "$dir/.installed")" = "$version" ] && [ -x "$dir/bin/code-server" ]
}

if installed; then
  step "code-server $version is already installed in $dir"
  echo "CODE_SERVER_BIN=$dir/bin/code-server"
  exit 0
fi

mkdir -p "$(dirname "$dir")"
# Two installs at once (CI and the page's button) would both build; the second waits and then reuses.
exec 9>"$dir.lock"
if command -v flock >/dev/null; then
  step "waiting for any other install of code-server $version to finish"
  flock 9
  if installed; then
    step "code-server $version was installed meanwhile in $dir"
    echo "CODE_SERVER_BIN=$dir/bin/code-server"
    exit 0
  fi
fi

case "$(uname -m)" in
  x86_64) node_arch=x64; rg_target=x86_64-unknown-linux-musl ;;
  aarch64|arm64) node_arch=arm64; rg_target=aarch64-unknown-linux-musl ;;
  *) echo "install-code-server: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
[ "$(uname -s)" = Linux ] || { echo "install-code-server: Linux only" >&2; exit 1; }

staging="$dir.partial"
rm -rf "$staging"
mkdir -p "$staging/tmp"
trap 'rm -rf "$staging"' EXIT
started=$SECONDS

step "installing Node.js $node_version (node-linux-$node_arch) for code-server"
npm install --prefix "$staging/node" --no-save --no-audit --no-fund --no-package-lock --loglevel=warn \
  "node-linux-$node_arch@$node_version"
node_dir="$dir/node/node_modules/node-linux-$node_arch"
staged_node_dir="$staging/node/node_modules/node-linux-$node_arch"
"$staged_node_dir/bin/node" --version >/dev/null

if command -v rg >/dev/null; then
  # @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable offline: put the local rg where
  # that download would be cached (under TMPDIR, private to this install) so the postinstall uses it.
  step "seeding ripgrep from $(command -v rg)"
  seed="$staging/tmp/vscode-ripgrep-cache-$ripgrep_package"
  mkdir -p "$seed/rg-unpacked"
  cp "$(command -v rg)" "$seed/rg-unpacked/rg"
  tar -czf "$seed/ripgrep-$ripgrep_release-$rg_target.tar.gz" -C "$seed/rg-unpacked" rg
  rm -rf "$seed/rg-unpacked"
fi

step "installing code-server $version with Node.js $node_version (1-3 minutes: native modules compile)"
# unsafe_perm: as root, npm would otherwise run code-server's install scripts as nobody, who cannot write here.
# nodedir: native modules must compile against the pinned Node's headers, not the host's.
PATH="$staged_node_dir/bin:$PATH" TMPDIR="$staging/tmp" \
  npm_config_nodedir="$staged_node_dir" npm_config_unsafe_perm=true npm_config_yes=true \
  npm install --prefix "$staging/code-server" --no-save --no-audit --no-fund --no-package-lock \
  --foreground-scripts --loglevel=warn "code-server@$version"

# --version writes a default config file under XDG_CONFIG_HOME: point it at a scratch directory.
scratch="$(mktemp -d)"
reported="$(XDG_CONFIG_HOME="$scratch" XDG_DATA_HOME="$scratch" "$staged_node_dir/bin/node" "$staging/code-server/node_modules/code-server/out/node/entry.js" --version | grep -E '^[0-9]+\.[0-9]+\.[0-9]+ ' || true)"
rm -rf "$scratch"
case "$reported" in "$version "*) ;; *) echo "install-code-server: the installed code-server reports \"$reported\"" >&2; exit 1 ;; esac
step "checking: code-server $reported"

step "writing $dir/bin/code-server"
mkdir -p "$staging/bin"
cat >"$staging/bin/code-server" <<WRAPPER
#!/bin/sh
# code-server $version on its own Node.js $node_version (written by install-code-server.sh).
exec "$node_dir/bin/node" "$dir/code-server/node_modules/code-server/out/node/entry.js" "\$@"
WRAPPER
chmod 755 "$staging/bin/code-server"
rm -rf "$staging/tmp"
echo "$version" >"$staging/.installed"

rm -rf "$dir"
mv "$staging" "$dir"
trap - EXIT
step "code-server $version installed in $dir ($(du -sh "$dir" | cut -f1), $((SECONDS - started)) s)"
echo "CODE_SERVER_BIN=$dir/bin/code-server"
