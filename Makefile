.PHONY: all install gen check-gen lint build typecheck test unit bench clean

NPX := npx --no-install

all: build

node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

gen: node_modules
	$(NPX) buf generate

# CI: the committed gen/ must be exactly what `buf generate` makes.
check-gen: gen
	@git diff --exit-code --stat -- gen || (echo "gen/ is stale: run 'make gen' and commit" && exit 1)
	@test -z "$$(git status --porcelain -- gen)" || (git status --porcelain -- gen; echo "gen/ has untracked files: run 'make gen' and commit"; exit 1)

lint: node_modules
	$(NPX) buf lint

typecheck: node_modules
	$(NPX) tsc -p tsconfig.json --noEmit

build: node_modules
	$(NPX) tsc -p tsconfig.build.json

test: lint check-gen typecheck build
	$(NPX) jest --runInBand

bench: build
	node dist/bench/run.js

clean:
	rm -rf dist
