# Botdeck's developer commands. `make test` is what CI runs (.ci/run).
GO        ?= go
NPM       ?= npm
BIN       := bin

.PHONY: all build generate check-generated vet test test-go e2e screenshots bench clean run

all: build

build: ## build the botdeck binary and the fake Bot API used by e2e tests
	$(GO) build -o $(BIN)/botdeck ./cmd/botdeck
	$(GO) build -o $(BIN)/fakebotapi ./cmd/fakebotapi

run: ## serve on localhost:8080 from botdeck.db
	$(GO) run ./cmd/botdeck

node_modules/.installed: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund
	touch $@

generate: node_modules/.installed ## regenerate templ code and the built CSS/JS (all committed)
	$(GO) tool templ generate
	$(NPM) run --silent build

check-generated: node_modules/.installed ## fail when committed generated code or built assets are stale
	scripts/check-generated.sh

vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

test-go: ## Go tests on SQLite, and on PostgreSQL when one is reachable
	scripts/with-test-postgres.sh $(GO) test -count=1 -timeout 30m ./...

e2e: node_modules/.installed build ## the Playwright suite against a real botdeck process
	$(NPM) run --silent e2e

test: vet check-generated test-go e2e ## everything CI checks

screenshots: node_modules/.installed build ## regenerate docs/img/*.png from the demo
	BOTDECK_SCREENSHOTS=1 $(NPM) run --silent e2e -- --grep @screenshots

bench: ## Go benchmarks (see docs/BENCHMARKS.md for the load runs)
	scripts/with-test-postgres.sh $(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf $(BIN) e2e/test-results e2e/playwright-report e2e/.tmp
