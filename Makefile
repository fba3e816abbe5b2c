# slant: two commands on a fresh machine.
#   make demo   sets everything up and analyses the bundled examples (offline)
#   make test   sets everything up and runs the whole test suite
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test test-fast train bench serve venv clean

venv: $(STAMP)

# torch goes first and alone: `torch==2.13.0` is the CPU build on this disk,
# while any looser spec pulled in by another package would fetch a CUDA build.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.3.1"
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

demo: $(STAMP)
	$(VENV)/bin/slant analyze examples/ --html demo-report.html
	@echo "HTML report written to demo-report.html"

# With SLANT_TEST_POSTGRES_URL set (.ci/run sets it), the store and web tests
# run a second time against PostgreSQL.
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -q
	@if [ -n "$$SLANT_TEST_POSTGRES_URL" ]; then \
	  echo "== store and web tests against PostgreSQL"; \
	  DATABASE_URL="$$SLANT_TEST_POSTGRES_URL" $(PY) -m pytest -n 2 --dist loadfile -q tests/web tests/test_store.py; \
	fi

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -q -m "not slow"

# Trains the shipped models from ../shared/data with fixed seeds (CPU). Stance reads the persuasion network's
# token states, so it is trained after it (its cached features are recomputed).
train: $(STAMP)
	$(VENV)/bin/slant train persuasion
	$(VENV)/bin/slant train stance --refresh

bench: $(STAMP)
	$(PY) bench/extraction.py
	$(PY) bench/persuasion.py
	$(PY) bench/author_stance.py predict --data basil --out .data/stance/basil-now.jsonl
	$(PY) bench/author_stance.py predict --data persent --out .data/stance/persent-now.jsonl
	$(PY) bench/author_stance.py report .data/stance/basil-now.jsonl
	$(PY) bench/author_stance.py report .data/stance/persent-now.jsonl
	$(PY) bench/entities.py
	$(PY) bench/quotes.py
	$(PY) bench/throughput.py
	$(PY) bench/web.py

serve: $(STAMP)
	$(VENV)/bin/slant serve

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache test-output demo-report.html
