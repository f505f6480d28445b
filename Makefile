# Quick start:  make demo   (set up .venv, build, run the demo)
#               make test   (set up .venv, build, run the test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SOURCES := $(shell find src -name '*.py' -o -name '*.pyx' -o -name '*.pxd' -o -name '*.toml') \
           $(wildcard firmware/*/*.elf) pyproject.toml setup.py

.PHONY: demo test venv lint bench firmware clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python $(SOURCES)
	$(BIN)/python -m pip install -q '.[test]'
	touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/irqemu demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed
	$(BIN)/python -m pip install -q ruff mypy
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src/irqemu

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/engine_throughput.py
	$(BIN)/python benchmarks/irq_rate.py
	$(BIN)/python benchmarks/genirq_rate.py
	$(BIN)/irqemu bench masking --write-md
	$(BIN)/irqemu bench atomics --write-md

firmware:
	$(MAKE) -C firmware

clean:
	rm -rf $(VENV) build src/*.egg-info src/irqemu/_core/engine.c src/irqemu/_core/*.so
