#!/bin/sh
# Installs what the PyTorch peer of `npm run bench` needs on Debian/Ubuntu:
#   python3-torch          Debian's PyTorch (run by /usr/bin/python3)
#   libopenblas0-pthread   OpenBLAS; it registers itself as the higher-priority libblas.so.3
#                          alternative, without which Debian's torch runs on reference BLAS
#                          (10-20x slower: the comparison would flatter us).
# Idempotent (does nothing when both are installed), non-interactive and quiet.
set -eu

packages="python3-torch libopenblas0-pthread"
missing=""
for package in $packages; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$'; then
    missing="$missing $package"
  fi
done

if [ -z "$missing" ]; then
  echo "bench/setup.sh: already installed: $packages"
else
  if [ "$(id -u)" -eq 0 ]; then run=""; else run="sudo"; fi
  echo "bench/setup.sh: installing$missing"
  $run env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2086 # the package list is meant to split into words
  $run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# Show which BLAS torch will load (the alternative that libopenblas0-pthread registers).
blas=$(readlink -f "/usr/lib/$(uname -m)-linux-gnu/libblas.so.3" 2>/dev/null || true)
case "$blas" in
  *openblas*) echo "bench/setup.sh: libblas.so.3 -> $blas (OpenBLAS)" ;;
  *) echo "bench/setup.sh: WARNING: libblas.so.3 -> ${blas:-missing}, not OpenBLAS;" \
          "check: update-alternatives --display libblas.so.3-$(uname -m)-linux-gnu" >&2 ;;
esac
