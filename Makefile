# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# The tests run against real PostgreSQL and Redis; override either address from the env.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mollkom_social
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# A fixed key for test data only; production sets its own TOKEN_ENCRYPTION_KEYS.
TEST_TOKEN_KEY := ZmFrZS10ZXN0LWtleS1mb3ItbW9sbGtvbS1zb2NpYWw=

.PHONY: run test lint typecheck pytest bench screenshots clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python -m mollkom_social.devstack

test: lint typecheck pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy .

pytest: $(BIN)/.installed
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	TOKEN_ENCRYPTION_KEYS=$(TEST_TOKEN_KEY) SECRET_KEY=test-secret \
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(BIN)/.installed
	$(BIN)/python bench/run.py

# With `make run` going in another terminal: the README's dashboard screenshots.
screenshots: $(BIN)/.installed
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) var
