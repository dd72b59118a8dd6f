#!/usr/bin/env bash
# Starts a throw-away code-server (VS Code served by Node, docs/e2e.md) for the end-to-end tests:
#   bash e2e/code-server.sh PORT ui       the packaged .vsix of this extension installed; UI tests
#   bash e2e/code-server.sh PORT exttest  VS Code's extension-test mode enabled (smoke-test driver)
# Everything it writes (config, user data, extensions, logs, a copy of the fixture workspace) goes
# to $GROKKING_LAB_E2E_RUN_DIR/MODE (default: a new temporary folder). It binds 127.0.0.1 only, with
# no authentication and no marketplace. In `ui` mode the .vsix is $GROKKING_LAB_E2E_VSIX if set,
# otherwise it is packaged here. code-server starts helper processes (agent host, file watcher):
# stop it by killing its whole process group, never only its pid.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=toolchain.sh
source "$ROOT/e2e/toolchain.sh"

PORT=${1:-}
MODE=${2:-}
if [[ ! $PORT =~ ^[0-9]+$ ]] || [[ $MODE != ui && $MODE != exttest ]]; then
  echo "usage: bash e2e/code-server.sh PORT ui|exttest" >&2
  exit 2
fi
if [ ! -f "$E2E_CODE_SERVER_DIR/$E2E_COMPLETE_MARK" ]; then
  echo "code-server.sh: the toolchain is not installed: run 'bash e2e/setup.sh' first" >&2
  exit 1
fi

RUN_ROOT=${GROKKING_LAB_E2E_RUN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/grokking-lab-e2e.XXXXXX")}
# Every process of this server (and anything the extension spawns) inherits this variable:
# scripts/runE2e.mjs finds leftovers by it.
export GROKKING_LAB_E2E_RUN_DIR=$RUN_ROOT
RUN=$RUN_ROOT/$MODE
rm -rf "$RUN"
mkdir -p "$RUN/data/User" "$RUN/extensions" "$RUN/xdg" "$RUN/tmp"
LOG=$RUN/code-server.log
echo "code-server.sh: $MODE on http://127.0.0.1:$PORT/, log $LOG" >&2

# code-server and its npm run on Node 24 (a hard requirement of code-server 4.139); the project's
# own build stays on the system Node.
export PATH="$E2E_NODE_HOME/bin:$PATH"
# Without these, code-server writes ~/.config/code-server/config.yaml and ~/.local/share/code-server.
export XDG_CONFIG_HOME=$RUN/xdg/config XDG_DATA_HOME=$RUN/xdg/data XDG_CACHE_HOME=$RUN/xdg/cache
# The server's IPC sockets (vscode-ipc-*.sock) too, which a killed server cannot remove itself.
export TMPDIR=$RUN/tmp
# No extension marketplace: nothing reaches open-vsx.org (unreachable here anyway).
export EXTENSIONS_GALLERY='{}'

cat >"$RUN/data/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "chat.disableAIFeatures": true,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "git.enabled": false
}
JSON
# A copy, so that runs the tests start write into the run folder, not into the repository.
cp -R "$ROOT/test/e2e/fixtures/workspace" "$RUN/workspace"

# package_vsix OUT: the extension as a user installs it (`vsce package`), dependencies bundled.
package_vsix() {
  local out=$1
  local options=(--no-dependencies --skip-license --allow-missing-repository -o "$out")
  if [ ! -f "$ROOT/.vscodeignore" ]; then
    echo "code-server.sh: NOTE: no .vscodeignore in the repository; packaging with e2e/vscodeignore.fallback" >&2
    options+=(--ignoreFile "$ROOT/e2e/vscodeignore.fallback")
  fi
  # Relative README links need a base URL when package.json names no repository.
  if ! node -e 'process.exit(require(process.argv[1]).repository ? 0 : 1)' "$ROOT/package.json"; then
    options+=(--baseContentUrl https://grokking-lab.invalid/ --baseImagesUrl https://grokking-lab.invalid/)
  fi
  # @vscode/vsce 4 needs Node >= 22: run it on the toolchain's Node 24.
  if ! (cd "$ROOT" && node node_modules/@vscode/vsce/vsce package "${options[@]}") >"$RUN/vsce.log" 2>&1 </dev/null; then
    echo "code-server.sh: vsce package failed:" >&2
    cat "$RUN/vsce.log" >&2
    exit 1
  fi
}

COMMON=(--user-data-dir "$RUN/data" --extensions-dir "$RUN/extensions" --config "$RUN/config.yaml")
EXTRA=()
case $MODE in
  ui)
    VSIX=${GROKKING_LAB_E2E_VSIX:-}
    if [ -z "$VSIX" ]; then
      VSIX=$RUN/grokking-lab.vsix
      package_vsix "$VSIX"
    fi
    if ! "$E2E_CODE_SERVER" "${COMMON[@]}" --install-extension "$VSIX" >"$RUN/install.log" 2>&1 </dev/null; then
      echo "code-server.sh: installing $VSIX failed:" >&2
      cat "$RUN/install.log" >&2
      exit 1
    fi
    ;;
  exttest)
    # A built workbench honours ?payload=[["extensionDevelopmentPath",…],["extensionTestsPath",…]]
    # only with the smoke-test driver on. The driver also hides notification toasts, which is why
    # the UI tests use a separate server without it (docs/e2e.md §2, pitfall 2).
    EXTRA=(--vscode-option enable-smoke-test-driver)
    # test/integration/index.ts writes its results here (the extension host inherits this variable).
    export GROKKING_LAB_E2E_RESULTS=$RUN_ROOT/integration-results.json
    rm -f "$GROKKING_LAB_E2E_RESULTS"
    ;;
esac

exec "$E2E_CODE_SERVER" "${COMMON[@]}" --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  "${EXTRA[@]}" "$RUN/workspace" >"$LOG" 2>&1 </dev/null
