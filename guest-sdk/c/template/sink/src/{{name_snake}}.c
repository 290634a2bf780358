/* {{name}}: a wasmconnect sink connector in C. Appends every record to `file` as one JSON line.
 * The worker grants the file's directory when the connector config lists it in
 * `wasm.allowed.dirs`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "wasmconnect.h"

static void define(wc_config_def *d) {
  wc_define(d, "file", WC_CONFIG_STRING, WC_REQUIRED, WC_HIGH,
            "The file to append to; list its directory in wasm.allowed.dirs.");
}

static const char *const aliases[] = {"{{Name}}", NULL};

static const wc_connector connector = {
    .class_name = "com.example.{{Name}}Connector",
    .aliases = aliases,
    .version = "0.1.0",
    .description = "Appends every record to a file as one JSON line.",
    .config_def = define,
};

typedef struct task {
  FILE *out;
  char *file;
  wc_buf buf;
} task;

static wc_error *start(void **state, const wc_config *config) {
  const char *file;
  wc_error *e = wc_config_require(config, "file", &file);
  if (e) return e;
  FILE *out = fopen(file, "ab");
  if (!out) return wc_fatal("cannot open %s: %s (is its directory in wasm.allowed.dirs?)", file,
                            strerror(errno));
  task *t = wc_calloc(1, sizeof *t);
  t->out = out;
  t->file = wc_strdup(file);
  *state = t;
  return WC_OK;
}

static wc_error *put(void *state, const wc_sink_record *records, size_t n) {
  task *t = state;
  t->buf.len = 0;
  for (size_t i = 0; i < n; i++) render_record(&t->buf, &records[i]);
  if (t->buf.len && fwrite(t->buf.ptr, 1, t->buf.len, t->out) != t->buf.len)
    return wc_retriable("cannot write %s: %s", t->file, strerror(errno));
  return WC_OK;
}

/* Before the worker commits offsets, everything put so far must be on disk. */
static wc_error *flush(void *state, const wc_partition_offset *current, size_t n) {
  task *t = state;
  if (fflush(t->out) != 0) return wc_retriable("cannot flush %s: %s", t->file, strerror(errno));
  return WC_OK;
}

static wc_error *stop(void *state) {
  task *t = state;
  fclose(t->out);
  free(t->file);
  free(t->buf.ptr);
  free(t);
  return WC_OK;
}

static const wc_sink_task sink_task = {.start = start, .put = put, .flush = flush, .stop = stop};

WASMCONNECT_SINK(connector, sink_task);
