# Benchmarks (issue 11): bench/run.py, Python 3.11 standard library only, see bench/DRIVER.md.
#   make bench         every scenario at full scale (~15 min): bench/results.{json,md},
#                      bench/chart.svg, and the table pasted into README.md
#   make bench-smoke   the whole harness at tiny scale (< 2 min), results in target/bench/smoke
# BENCH_SCALE=0.1 (records × 0.1), BENCH_REPS=3, BENCH_ONLY=file,density,json,rust pick a subset.

.PHONY: bench bench-smoke bench-bin

# The Rust side (bench/ crate): wasmconnect-bench and json_bench.
bench-bin:
	$(CARGO) build --release -p wasmconnect-bench --bins

bench: wasm build bench-bin
	python3 bench/run.py --readme

bench-smoke: wasm build bench-bin
	python3 bench/run.py --smoke
