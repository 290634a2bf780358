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

$(PY_STAMP): mk/python.mk
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
