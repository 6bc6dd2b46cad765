#!/usr/bin/env bash
# Prints a directory holding `node` and `npm` of the given versions, installing them once into the cache.
#
#   .ci/node.sh NODE_VERSION NPM_VERSION      e.g. .ci/node.sh 22.16.0 10.9.2
#
# Node comes from the npm registry's node-linux-<arch> package (the same way scripts/install-code-server.sh gets
# code-server's Node), npm from the npm package; both into ~/.cache/agent-terminal-gateway/node-<node>-npm-<npm>.
# Put the printed directory first on PATH: npm's own bin starts with `#!/usr/bin/env node`, so it runs on this Node.
set -euo pipefail
node_version="${1:?node version}"
npm_version="${2:?npm version}"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "node.sh: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
dir="$HOME/.cache/agent-terminal-gateway/node-$node_version-npm-$npm_version"
bin="$dir/node_modules/.bin"
if ! [ -x "$bin/node" ] || ! [ -x "$bin/npm" ] || [ "$("$bin/node" --version)" != "v$node_version" ]; then
  rm -rf "$dir.partial"
  npm install --prefix "$dir.partial" --no-save --no-audit --no-fund --no-package-lock --loglevel=error \
    "node-linux-$arch@$node_version" "npm@$npm_version" >&2
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
fi
echo "$bin"
