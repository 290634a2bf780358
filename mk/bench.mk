# Benchmarks (issue 11): bench/run.py, Python 3.11 standard library only, see bench/DRIVER.md.
#   make bench         every scenario at full scale (~19 min): bench/results.{json,md},
#                      bench/chart.svg, and the table pasted into README.md
#   make bench-smoke   the whole harness at tiny scale (< 2 min), results in target/bench/smoke
# BENCH_SCALE=0.1 (records × 0.1), BENCH_REPS=3, BENCH_ONLY=file,density,json,rust pick a subset.

.PHONY: bench bench-smoke bench-bin

# kcat (librdkafka's command-line client), the C-client baseline beside raw rskafka in the
# pipeline rows: Debian 12's package (tested: 1.7.1-2 on librdkafka 2.0.2).
BENCH_APT := kcat

# Installs it only when missing (with sudo unless root), as mk/c.mk does its packages; part of
# `make setup`, so `make test`'s bench_smoke runs the kcat rows too.
SETUP_EXTRA += $(TOOLS)/bench/.apt-done

$(TOOLS)/bench/.apt-done:
	@if ! command -v kcat >/dev/null 2>&1 && ! dpkg -s $(BENCH_APT) >/dev/null 2>&1; then \
	  command -v apt-get >/dev/null || { echo "make bench needs kcat: Debian 12's $(BENCH_APT)"; exit 1; }; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -q && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(BENCH_APT); \
	fi
	@mkdir -p $(@D) && touch $@

# The Rust side (bench/ crate): wasmconnect-bench and json_bench.
bench-bin:
	$(CARGO) build --release -p wasmconnect-bench --bins

bench: wasm build bench-bin $(TOOLS)/bench/.apt-done
	python3 bench/run.py --readme

bench-smoke: wasm build bench-bin $(TOOLS)/bench/.apt-done
	python3 bench/run.py --smoke

# make bench-ab BASE=<rev>: this tree's worker against BASE's, interleaved on one broker
# (bench/ab.py): the FileStream pipeline, json_bench and the source and sink pipelines.
# BASE is built in a worktree under target/bench/ab/ with its own target directory (a cold
# build: about 15 minutes on 2 cores, kept for the next run).
AB := target/bench/ab
AB_EXCLUDE := --exclude file-stream-source --exclude file-stream-sink --exclude chaos \
	--exclude wasmconnect-guest
.PHONY: bench-ab
bench-ab: wasm build bench-bin
	@test -n "$(BASE)" || { echo "usage: make bench-ab BASE=<git revision>"; exit 1; }
	rm -rf $(AB)/tree && git worktree prune
	git worktree add --detach $(AB)/tree $(BASE)
	cd $(AB)/tree && CARGO_TARGET_DIR=$(abspath $(AB)/target) \
	  $(CARGO) build --release --workspace --bins $(AB_EXCLUDE)
	git worktree remove --force $(AB)/tree
	python3 bench/ab.py $(abspath $(AB)/target/release) $(abspath target/release) $(or $(AB_REPS),6)
