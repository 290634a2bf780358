# Every command a developer or CI runs. `make run` and `make test` work on a fresh machine.
SHELL := bash
.DEFAULT_GOAL := help

CARGO ?= cargo
TOOLS := .tools
KAFKA_LIB := $(TOOLS)/kafka/lib
KAFKA_DIR ?= target/kafka
WASM_CRATES := -p file-stream-source -p file-stream-sink -p chaos -p datagen -p counting
WASM := --release --target wasm32-wasip2 $(WASM_CRATES)
PLUGINS := target/plugins
# Components built by the other languages' toolchains (mk/*.mk) land here.
POLYGLOT := target/wasm-polyglot

# Each guest language adds its toolchain to SETUP_EXTRA and its components to WASM_EXTRA.
SETUP_EXTRA :=
WASM_EXTRA :=
include $(sort $(wildcard mk/*.mk))

.PHONY: help setup wasm build plugins run test lint fmt doc check kafka-up kafka-down clean-tools

help:
	@echo "make run     set up, build, start Kafka and a worker with a demo pipeline"
	@echo "make test    set up, build, run every test (each test binary starts its own Kafka)"
	@echo "make lint    rustfmt check and clippy with warnings as errors"
	@echo "make wasm    build the connector components"
	@echo "make kafka-up / kafka-down   a broker for manual use"

setup: $(KAFKA_LIB)/.done $(SETUP_EXTRA)
	rustup target add wasm32-wasip2

$(KAFKA_LIB)/.done: tools/kafka/pom.xml
	@command -v java >/dev/null || { echo "Java 17+ is required (apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven is required (apt-get install maven)"; exit 1; }
	rm -rf $(KAFKA_LIB)
	mvn -q -B -f tools/kafka/pom.xml dependency:copy-dependencies -DoutputDirectory=$(abspath $(KAFKA_LIB))
	touch $@

wasm: setup $(WASM_EXTRA)
	$(CARGO) build $(WASM)

# The shipped plugins, as a worker's plugin.path sees them.
plugins: wasm
	mkdir -p $(PLUGINS)
	cp target/wasm32-wasip2/release/file_stream_source.wasm $(PLUGINS)/file-stream-source.wasm
	cp target/wasm32-wasip2/release/file_stream_sink.wasm $(PLUGINS)/file-stream-sink.wasm

# The bench crate is built with the worker: the two share one feature resolution with
# `cargo test --workspace`, so wasmtime is compiled once, not twice.
build: setup
	$(CARGO) build --release -p wasmconnect -p wasmconnect-bench --bins

run: plugins build kafka-up
	@tools/run-demo.sh $(KAFKA_DIR)

test: wasm build
	$(CARGO) test --release --workspace --exclude file-stream-source --exclude file-stream-sink --exclude chaos --exclude wasmconnect-guest

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --release --all-targets -- -D warnings
	$(CARGO) clippy --release --all-targets -p wasmconnect-bench -- -D warnings
	$(CARGO) clippy $(WASM) -p wasmconnect-guest -- -D warnings

fmt:
	$(CARGO) fmt --all

doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps $(foreach c,data config kafka sandbox converters api rest runtime,-p wasmconnect-$(c))

check: lint doc test

kafka-up: setup
	@tools/kafka/start.sh $(KAFKA_DIR)

kafka-down:
	@tools/kafka/stop.sh $(KAFKA_DIR)
