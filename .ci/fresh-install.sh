#!/usr/bin/env bash
# A newcomer's first run: a fresh clone of HEAD, `npm ci`, then `npm start` opens a shell session that echoes
# (.ci/smoke.mjs). With --no-compiler, PATH holds no C/C++ compiler, make or python (as in a Databricks Apps
# container), so nothing may build from source at install time. With --omit-dev, devDependencies are left out, as
# Databricks Apps do when NODE_ENV=production: `npm start`'s build must need only dependencies.
#
#   .ci/fresh-install.sh NODE_BIN_DIR [--no-compiler] [--omit-dev]      (NODE_BIN_DIR from .ci/node.sh)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_bin="${1:?a directory with node and npm}"
no_compiler=false
ci_flags=()
for flag in "${@:2}"; do
  case "$flag" in
    --no-compiler) no_compiler=true ;;
    --omit-dev) ci_flags+=(--omit=dev) ;;
    *) echo "fresh-install: unknown flag $flag" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/gw-fresh-XXXXXX")"
trap 'rm -rf "$work"' EXIT
git clone -q --no-hardlinks "$root" "$work/clone"

path="$node_bin:$PATH"
if $no_compiler; then
  # Every program on PATH except the toolchain: symlinks in one directory, which is then the whole PATH.
  mkdir "$work/bin"
  IFS=: read -ra dirs <<<"$PATH"
  for d in "$node_bin" "${dirs[@]}"; do
    [ -d "$d" ] || continue
    for f in "$d"/*; do
      name="${f##*/}"
      case "$name" in
        cc|c++|cpp|gcc|g++|clang|clang++|make|gmake|cmake|ninja|python|python2|python3|ld|as) continue ;;
        *-gcc|*-gcc-[0-9]*|*-g++|*-g++-[0-9]*|gcc-[0-9]*|g++-[0-9]*|python3.*|python2.*|ld.*) continue ;;
      esac
      [ -e "$work/bin/$name" ] || ln -s "$f" "$work/bin/$name"
    done
  done
  path="$work/bin"
  for tool in cc gcc g++ make python3; do
    if PATH="$path" command -v "$tool" >/dev/null; then echo "fresh-install: $tool is still on PATH" >&2; exit 1; fi
  done
fi

cd "$work/clone"
echo "==> fresh clone: node $(PATH="$path" node --version), npm $(PATH="$path" npm --version)$($no_compiler && echo ', no compiler on PATH') ${ci_flags[*]:-}"
started=$SECONDS
PATH="$path" npm ci --no-audit --no-fund --prefer-offline --loglevel=warn ${ci_flags[@]+"${ci_flags[@]}"}
echo "==> npm ci: $((SECONDS - started)) s"
PATH="$path" node "$root/.ci/smoke.mjs" "$work/clone"
