# aqdash: the two commands of the README are `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 3000
# The dashboard's own database; tests never touch it (they create throwaway databases).
DATABASE_URL ?= postgres://127.0.0.1:5432/aqdash?sslmode=disable
export PORT

.PHONY: run test db build vet clean bench bench-migration vs soak

## run: start the dashboard on http://localhost:$(PORT) with the real demo data (loaded on first start)
run: db
	@createdb -h 127.0.0.1 aqdash 2>/dev/null || true
	DATABASE_URL='$(DATABASE_URL)' go run ./app serve

## test: every test, against a real PostgreSQL (started or installed when missing) and, for the
## browser tests, Debian's Chromium, and for the pooler tests Debian's PgBouncer (each installed when missing)
test: db
	@bash .ci/ensure-chromium
	@bash .ci/ensure-pgbouncer
	go vet ./...
	go test -count=1 -timeout 40m ./...

## screenshots: the dashboard at 1280 and 375 px wide, light and dark, on the real demo data (loaded
## into a throwaway database: minutes, the three models at leads 1-3), saved into public/screenshots by
## the browser test that checks every page (TestBrowserEveryPage); the README shows
## dashboard-desktop-light.png
.PHONY: screenshots
screenshots: db
	@bash .ci/ensure-chromium
	SCREENSHOTS=$(CURDIR)/public/screenshots go test -count=1 -timeout 40m -run 'TestBrowserEveryPage$$' ./app/

## db: make sure PostgreSQL answers on 127.0.0.1:5432
db:
	@bash .ci/ensure-postgres

## build: the single binary, views, assets, migrations and demo data embedded
build:
	CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o bin/app ./app

## bench: the load benchmark of the README's Performance section (wrk on loopback; makes 10M rows once)
bench: db
	bash .ci/bench

## bench-migration: what migrating a database of the old shape (006, 10M rows a table) to the latest
## version costs, each migration timed by `app migrate` (makes that database once)
bench-migration: db
	bash .ci/bench-migration

## soak: a mixed workload against a real server on the demo data for SOAK_SECONDS (180): requests, errors,
## p99 latency, the server's peak RSS and whether it levels off (see README, Reliability)
soak: db
	bash .ci/soak

## vs: the seed's "latest 15" page, aqdash against the seed Flask app (needs ../shared/bench)
SHARED ?= ../shared
vs: build
	bash $(SHARED)/bench/vs.sh $(CURDIR)/bin/app

clean:
	rm -rf bin
