/* {{name}}: a wasmconnect source connector in C. Emits a {{name_snake}}.Tick struct every
 * `interval.ms`, numbered from where the last run stopped (its source offset). */
#include <stdlib.h>
#include <time.h>

#include "records.h"
#include "wasmconnect.h"

static char *positive(const char *v) {
  return atoll(v) > 0 ? NULL : wc_strdup("Value must be at least 1");
}

static void define(wc_config_def *d) {
  wc_define(d, "topic", WC_CONFIG_STRING, WC_REQUIRED, WC_HIGH, "The topic to write to.");
  wc_key_validator(wc_define(d, "interval.ms", WC_CONFIG_LONG, "1000", WC_MEDIUM,
                             "Milliseconds between two ticks."),
                   positive);
}

static const char *const aliases[] = {"{{Name}}", NULL};

static const wc_connector connector = {
    .class_name = "com.example.{{Name}}Connector",
    .aliases = aliases,
    .version = "0.1.0",
    .description = "Emits a numbered tick every interval.ms.",
    .config_def = define,
};

typedef struct task {
  char *topic;
  int64_t interval_ms, next_seq, next_due_ms;
  wc_schema *schema;
} task;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static wc_error *start(void **state, const wc_config *config, bool *commit_record) {
  const char *topic;
  int64_t interval;
  wc_error *e;
  if ((e = wc_config_require(config, "topic", &topic)) ||
      (e = wc_config_get_long(config, "interval.ms", 1000, &interval)))
    return e;
  task *t = wc_calloc(1, sizeof *t);
  t->topic = wc_strdup(topic);
  t->interval_ms = interval;
  t->schema = tick_schema();
  /* Resume after the last committed tick. */
  wc_offset_map partition = {0}, stored;
  wc_offset_map_put_string(&partition, "source", "{{name}}");
  if (wc_offset_read(&partition, &stored)) {
    int64_t seq;
    if (wc_offset_map_get_int64(&stored, "seq", &seq)) t->next_seq = seq + 1;
    wc_offset_map_free(&stored);
  }
  wc_offset_map_free(&partition);
  wc_info("{{name}} starting at tick %lld", (long long)t->next_seq);
  *state = t;
  return WC_OK;
}

/* Never sleep in poll: return nothing when no tick is due, the worker polls again. */
static wc_error *poll(void *state, wc_source_batch *out) {
  task *t = state;
  int64_t now = now_ms();
  if (now < t->next_due_ms) return WC_OK;
  add_tick(out, t->topic, t->schema, t->next_seq++, now);
  t->next_due_ms = now + t->interval_ms;
  return WC_OK;
}

static wc_error *stop(void *state) {
  task *t = state;
  free(t->topic);
  wc_schema_unref(t->schema);
  free(t);
  return WC_OK;
}

static const wc_source_task source_task = {.start = start, .poll = poll, .stop = stop};

WASMCONNECT_SOURCE(connector, source_task);
