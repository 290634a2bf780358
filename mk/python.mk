# Python guest SDK (guest-sdk/python): a venv with the pinned componentize-py under
# .tools/python, and the Python connectors built into target/wasm-polyglot/.
# Needs python3 (3.10+) with venv (Debian: apt-get install python3-venv) and PyPI.

PYTHON ?= python3
COMPONENTIZE_PY_VERSION := 0.25.1
PY_TOOLS := $(TOOLS)/python
PY_STAMP := $(PY_TOOLS)/.componentize-py-$(COMPONENTIZE_PY_VERSION)
PY_SDK := guest-sdk/python
PY_SDK_FILES := $(wildcard $(PY_SDK)/src/wasmconnect/*.py $(PY_SDK)/glue/*.py) $(PY_SDK)/build.py $(wildcard wit/*.wit)
# A component: $(call py-component,KIND,MODULE,DIR)
py-component = $(PY_TOOLS)/bin/python $(PY_SDK)/build.py --kind $(1) --module $(2) --src $(3) --wit wit -o $@

SETUP_EXTRA += $(PY_STAMP)
WASM_EXTRA += $(POLYGLOT)/python-orders.wasm $(POLYGLOT)/python-datagen.wasm

# The version is in the stamp name: bumping it reinstalls.
$(PY_STAMP):
	@command -v $(PYTHON) >/dev/null || { echo "python3 is required (apt-get install python3 python3-venv)"; exit 1; }
	rm -rf $(PY_TOOLS)
	$(PYTHON) -m venv $(PY_TOOLS)
	$(PY_TOOLS)/bin/pip install --quiet --disable-pip-version-check componentize-py==$(COMPONENTIZE_PY_VERSION)
	touch $@

$(POLYGLOT)/python-orders.wasm: connectors-wasm/python-orders/orders.py $(PY_SDK_FILES) $(PY_STAMP)
	@mkdir -p $(POLYGLOT)
	$(call py-component,source,orders,connectors-wasm/python-orders)

$(POLYGLOT)/python-datagen.wasm: connectors-wasm/python-datagen/datagen.py $(PY_SDK_FILES) $(PY_STAMP)
	@mkdir -p $(POLYGLOT)
	$(call py-component,source,datagen,connectors-wasm/python-datagen)

# The scaffold's sink template, instantiated as `template-sink`: tests/all/python.rs runs it in
# the worker (the SDK's sink path, end to end).
PY_TEMPLATE_SINK := target/python-template-sink
WASM_EXTRA += $(POLYGLOT)/python-template-sink.wasm
$(POLYGLOT)/python-template-sink.wasm: $(wildcard $(PY_SDK)/template/sink/*.py) $(PY_SDK_FILES) $(PY_STAMP)
	@mkdir -p $(POLYGLOT) $(PY_TEMPLATE_SINK)
	sed 's/{{name_snake}}/template_sink/g; s/{{name}}/template-sink/g; s/{{Name}}/TemplateSink/g' \
	  '$(PY_SDK)/template/sink/{{name_snake}}.py' > $(PY_TEMPLATE_SINK)/template_sink.py
	$(call py-component,sink,template_sink,$(PY_TEMPLATE_SINK))
