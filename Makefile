# Two entry points for a newcomer: `make run` and `make test` (`make test-fast` while working).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CORPUS ?= corpus
INDEX  ?= index
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-fast setup setup-test browser ocr index serve bench bench-large clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

setup: $(PY)
	$(PY) -m pip install --quiet -e .

setup-test: $(PY)
	$(PY) -m pip install --quiet -e '.[test,bench]'

# Debian's Chromium for the browser tests (no browser download at run time), and CJK
# fonts so that its screenshots show Chinese rather than empty boxes.
BROWSER_PACKAGES = chromium fonts-noto-cjk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; }

# Debian's OCR engine with its Simplified Chinese data (scanned PDFs, page images) and
# antiword for old Word .doc files; without them such files are skipped with a message.
OCR_PACKAGES = tesseract-ocr tesseract-ocr-chi-sim antiword
ocr:
	@command -v tesseract >/dev/null 2>&1 && dpkg -s tesseract-ocr-chi-sim antiword >/dev/null 2>&1 || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(OCR_PACKAGES) >/dev/null; }

index: setup ocr
	$(PY) -m search index $(CORPUS) --index $(INDEX)

run: index
	$(PY) -m webui --index $(INDEX) --host $(HOST) --port $(PORT)

test: setup-test browser ocr
	$(PY) -m pytest -q

# Everything but the browser and the slow reliability tests: no Chromium needed, a few minutes.
test-fast: setup-test
	$(PY) -m pytest -q -m "not browser and not slow"

bench: setup-test
	$(PY) -m benchmarks.run

# The 1 GB corpus alone, one build (about 12 minutes on 2 cores; see benchmarks/README.md).
bench-large: setup-test
	$(PY) -m benchmarks.run --large

clean:
	rm -rf $(VENV) $(INDEX)/* test-output benchmarks/out
