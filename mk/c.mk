# The C guest SDK (guest-sdk/c): its pinned toolchain and the C components.
#
# Toolchain, all under .tools/c/ except the Debian packages:
#   clang-19, lld-19, libclang-rt-19-dev-wasm32, wasi-libc   Debian 12 (tested: 1:19.1.7-3~deb12u1,
#                                                            wasi-libc 0.0~git20220510.9886d3d-2)
#   wit-bindgen-cli 0.63.0, wasm-tools 1.263.0               crates.io, into .tools/c/bin
#   wasi_snapshot_preview1.reactor.wasm of wasmtime 48.0.8   crates.io (wasi-preview1-component-
#                                                            adapter-provider), into .tools/c/share
# With .tools/c/bin on PATH, guest-sdk/c/build.sh (and a scaffolded project) finds everything.

C_TOOLS := $(TOOLS)/c
C_BIN := $(C_TOOLS)/bin
C_WIT_BINDGEN := 0.63.0
C_WASM_TOOLS := 1.263.0
C_ADAPTER_VERSION := 48.0.8
C_APT := clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc
C_ADAPTER := $(C_TOOLS)/share/wasmconnect/wasi_snapshot_preview1.reactor.wasm
C_SDK := guest-sdk/c
C_SDK_DEPS := $(wildcard $(C_SDK)/include/*.h $(C_SDK)/src/*.c wit/*.wit) $(C_SDK)/build.sh
C_BUILD := PATH="$(abspath $(C_BIN)):$$PATH" WASMCONNECT_BUILD=target/c-build $(C_SDK)/build.sh

SETUP_EXTRA += c-setup
WASM_EXTRA += $(POLYGLOT)/c-csv-source.wasm $(POLYGLOT)/c-datagen.wasm

.PHONY: c-setup c-test

# Stamps carry the versions, so bumping a pin reinstalls.
c-setup: $(C_TOOLS)/.apt-done $(C_TOOLS)/.wit-bindgen-$(C_WIT_BINDGEN) \
  $(C_TOOLS)/.wasm-tools-$(C_WASM_TOOLS) $(C_TOOLS)/.adapter-$(C_ADAPTER_VERSION)

# Installs the Debian packages only when one is missing (with sudo unless root).
$(C_TOOLS)/.apt-done:
	@if ! dpkg -s $(C_APT) >/dev/null 2>&1; then \
	  command -v apt-get >/dev/null || { echo "the C toolchain needs Debian 12's $(C_APT)"; exit 1; }; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -q && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(C_APT); \
	fi
	@mkdir -p $(@D) && touch $@

$(C_TOOLS)/.wit-bindgen-$(C_WIT_BINDGEN):
	cargo install --locked --quiet wit-bindgen-cli@$(C_WIT_BINDGEN) --no-default-features \
	  --features c --root $(C_TOOLS)
	touch $@

$(C_TOOLS)/.wasm-tools-$(C_WASM_TOOLS):
	cargo install --locked --quiet wasm-tools@$(C_WASM_TOOLS) --root $(C_TOOLS)
	touch $@

# The adapter ships inside a crate; `cargo vendor` fetches exactly that version.
$(C_TOOLS)/.adapter-$(C_ADAPTER_VERSION):
	rm -rf $(C_TOOLS)/adapter-src && mkdir -p $(C_TOOLS)/adapter-src/src $(@D)
	printf '[package]\nname = "adapter-fetch"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\nwasi-preview1-component-adapter-provider = "=$(C_ADAPTER_VERSION)"\n[workspace]\n' \
	  > $(C_TOOLS)/adapter-src/Cargo.toml
	touch $(C_TOOLS)/adapter-src/src/lib.rs
	cd $(C_TOOLS)/adapter-src && cargo vendor --quiet --versioned-dirs vendor >/dev/null
	mkdir -p $(dir $(C_ADAPTER))
	cp $(C_TOOLS)/adapter-src/vendor/wasi-preview1-component-adapter-provider-$(C_ADAPTER_VERSION)/artefacts/wasi_snapshot_preview1.reactor.wasm $(C_ADAPTER)
	touch $@

$(POLYGLOT)/c-csv-source.wasm: $(wildcard connectors-wasm/c-csv-source/*.[ch]) $(C_SDK_DEPS) | c-setup
	@mkdir -p $(@D)
	$(C_BUILD) source $@ $(wildcard connectors-wasm/c-csv-source/*.c)

$(POLYGLOT)/c-datagen.wasm: $(wildcard connectors-wasm/c-datagen/*.[ch]) $(C_SDK_DEPS) | c-setup
	@mkdir -p $(@D)
	$(C_BUILD) source $@ $(wildcard connectors-wasm/c-datagen/*.c)

# The SDK's codec and config tests, natively with the host's cc, against golden batches that the
# Rust codec writes afresh.
c-test:
	cargo run --quiet --manifest-path $(C_SDK)/tests/golden-gen/Cargo.toml \
	  --target-dir target/c-golden-gen -- target/c-golden
	@mkdir -p target/c-build
	cc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -I$(C_SDK)/include \
	  $(C_SDK)/src/wasmconnect.c $(C_SDK)/tests/codec_test.c -o target/c-build/codec_test
	target/c-build/codec_test target/c-golden
	cmp target/c-golden/source.wcb1 $(C_SDK)/tests/golden/source.wcb1
	cmp target/c-golden/sink.wcb1 $(C_SDK)/tests/golden/sink.wcb1
