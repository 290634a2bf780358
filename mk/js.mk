# JavaScript/TypeScript guest SDK (guest-sdk/js): the pinned toolchain (componentize-js 0.23.0,
# jco 1.34.0, TypeScript 5.9.3; guest-sdk/js/toolchain/package-lock.json) installed with
# `npm ci` under .tools/js, the SDK compiled to ES modules + .d.ts in guest-sdk/js/dist, and
# the JS/TS connectors built into target/wasm-polyglot/. Needs Node.js 20+ and npm.

JS_TOOLS := $(TOOLS)/js
JS_BIN := $(JS_TOOLS)/node_modules/.bin
JS_STAMP := $(JS_TOOLS)/.npm-ci
JS_SDK := guest-sdk/js
JS_SDK_SRC := $(wildcard $(JS_SDK)/src/*.ts)
JS_SDK_FILES := $(JS_SDK_SRC) $(JS_SDK)/wit/js.wit $(wildcard $(JS_SDK)/wit/deps/*/*.wit) \
	$(JS_SDK)/scripts/componentize.mjs $(wildcard wit/*.wit)
JS_BUILD := target/js-build
# A component: $(call js-component,KIND,CONNECTOR_DIR,NAME)
js-component = PATH="$(abspath $(JS_BIN)):$$PATH" && \
	tsc -p $(2) --outDir $(JS_BUILD)/$(3) && \
	node $(JS_SDK)/scripts/componentize.mjs --kind $(1) --wit wit --out $@ $(JS_BUILD)/$(3)/$(2)/src/index.js

SETUP_EXTRA += $(JS_STAMP)
WASM_EXTRA += $(JS_SDK)/dist/.built $(POLYGLOT)/ts-jsonl-sink.wasm $(POLYGLOT)/js-datagen.wasm

$(JS_STAMP): $(JS_SDK)/toolchain/package.json $(JS_SDK)/toolchain/package-lock.json
	@command -v node >/dev/null && node -e 'process.exit(parseInt(process.versions.node) < 20 ? 1 : 0)' \
		|| { echo "Node.js 20+ and npm are required (apt-get install nodejs npm)"; exit 1; }
	mkdir -p $(JS_TOOLS)
	cp $^ $(JS_TOOLS)/
	cd $(JS_TOOLS) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The SDK as shipped: ES modules with TypeScript declarations (and the node tests' input).
$(JS_SDK)/dist/.built: $(JS_SDK_SRC) $(JS_SDK)/tsconfig.json $(JS_STAMP)
	rm -rf $(JS_SDK)/dist
	$(JS_BIN)/tsc -p $(JS_SDK)
	cp $(JS_SDK)/src/wit.d.ts $(JS_SDK)/src/globals.d.ts $(JS_SDK)/dist/
	touch $@

$(POLYGLOT)/ts-jsonl-sink.wasm: $(wildcard connectors-wasm/ts-jsonl-sink/src/*.ts) connectors-wasm/ts-jsonl-sink/tsconfig.json $(JS_SDK_FILES) $(JS_STAMP)
	@mkdir -p $(POLYGLOT)
	$(call js-component,sink,connectors-wasm/ts-jsonl-sink,ts-jsonl-sink)

$(POLYGLOT)/js-datagen.wasm: $(wildcard connectors-wasm/js-datagen/src/*.ts) connectors-wasm/js-datagen/tsconfig.json $(JS_SDK_FILES) $(JS_STAMP)
	@mkdir -p $(POLYGLOT)
	$(call js-component,source,connectors-wasm/js-datagen,js-datagen)
