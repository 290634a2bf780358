#!/usr/bin/env bash
# Builds a wasmconnect connector component from C sources.
#
#   build.sh source|sink OUT.wasm file.c... [-- extra compiler flags]
#
# Tools, found on PATH (`make setup` installs them; put .tools/c/bin on PATH):
#   clang-19 (or clang) with wasm-ld and wasi-libc  Debian: clang-19 lld-19
#                                                    libclang-rt-19-dev-wasm32 wasi-libc
#   wit-bindgen 0.63.0   cargo install --locked wit-bindgen-cli@0.63.0 --no-default-features --features c
#   wasm-tools 1.263.0   cargo install --locked wasm-tools@1.263.0
#   the WASI reactor adapter of wasmtime 48.0.8, at ../share/wasmconnect/ beside wasm-tools
# Overrides: WASMCONNECT_CC (compiler), WASMCONNECT_SYSROOT (wasi-libc sysroot, default /usr),
# WASMCONNECT_ADAPTER (adapter file), WASMCONNECT_WIT (the wit/ directory), WASMCONNECT_BUILD
# (scratch directory, default build/ beside OUT), WASMCONNECT_CFLAGS (default -O2).
set -euo pipefail

die() { echo "wasmconnect build: $*" >&2; exit 1; }

[[ $# -ge 3 ]] || die "usage: build.sh source|sink OUT.wasm file.c... [-- cflags]"
kind=$1 out=$2
shift 2
case $kind in source | sink) ;; *) die "kind must be source or sink, not '$kind'" ;; esac
sources=() extra=()
while [[ $# -gt 0 ]]; do
  if [[ $1 == -- ]]; then shift; extra=("$@"); break; fi
  sources+=("$1"); shift
done

sdk=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wit=${WASMCONNECT_WIT:-}
if [[ -z $wit ]]; then
  # In a scaffolded project: NAME/wasmconnect-sdk and NAME/wit; in the repo: guest-sdk/c and wit.
  for d in "$sdk/../wit" "$sdk/../../wit"; do
    [[ -f $d/connector.wit ]] && { wit=$(cd "$d" && pwd); break; }
  done
fi
[[ -n $wit && -f $wit/connector.wit ]] || die "no wit/connector.wit found; set WASMCONNECT_WIT"

cc=${WASMCONNECT_CC:-}
if [[ -z $cc ]]; then
  if command -v clang-19 >/dev/null; then cc=clang-19
  elif command -v clang >/dev/null; then cc=clang
  else die "clang-19 not found: apt-get install clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc"
  fi
fi
sysroot=${WASMCONNECT_SYSROOT:-/usr}
[[ -f $sysroot/lib/wasm32-wasi/libc.a ]] \
  || die "wasi-libc not found under $sysroot (apt-get install wasi-libc, or set WASMCONNECT_SYSROOT)"
command -v wit-bindgen >/dev/null || die "wit-bindgen not on PATH (make setup; PATH=.tools/c/bin:\$PATH)"
command -v wasm-tools >/dev/null || die "wasm-tools not on PATH (make setup; PATH=.tools/c/bin:\$PATH)"
adapter=${WASMCONNECT_ADAPTER:-$(dirname "$(command -v wasm-tools)")/../share/wasmconnect/wasi_snapshot_preview1.reactor.wasm}
[[ -f $adapter ]] || die "WASI reactor adapter not found at $adapter; set WASMCONNECT_ADAPTER"

build=${WASMCONNECT_BUILD:-$(dirname "$out")/build}
name=$(basename "$out" .wasm)
bindings=$build/bindings-$kind
mkdir -p "$bindings" "$build/$name"

# Bindings: regenerated only when the WIT changes.
stamp=$bindings/.stamp
if [[ ! -f $stamp ]] || [[ -n $(find "$wit" -name '*.wit' -newer "$stamp" -print -quit) ]]; then
  wit-bindgen c --world "wasmconnect:connector/$kind-connector" --out-dir "$bindings" "$wit" \
    >/dev/null 2>&1 || wit-bindgen c --world "wasmconnect:connector/$kind-connector" \
    --out-dir "$bindings" "$wit"
  touch "$stamp"
fi
world=${kind}_connector

cflags=(--target=wasm32-wasi -mexec-model=reactor "--sysroot=$sysroot" -std=c11 -D_DEFAULT_SOURCE
  -Wall -Wextra -Wno-unused-parameter -I "$sdk/include" -I "$bindings")
read -r -a opt <<<"${WASMCONNECT_CFLAGS:--O2}"
"$cc" "${cflags[@]}" "${opt[@]}" -DWASMCONNECT_WORLD_H="\"$world.h\"" \
  -DWASMCONNECT_KIND_$(tr a-z A-Z <<<"$kind") \
  "${sources[@]}" "$sdk/src/wasmconnect.c" "$sdk/src/glue.c" \
  "$bindings/$world.c" "$bindings/${world}_component_type.o" \
  "${extra[@]}" -Wl,--strip-debug -o "$build/$name/core.wasm"
wasm-tools component new "$build/$name/core.wasm" \
  --adapt "wasi_snapshot_preview1=$adapter" -o "$out"
wasm-tools validate "$out"
