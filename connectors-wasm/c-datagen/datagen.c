/* c-datagen: a benchmark source written in C. Emits `max.records` records (or without end)
 * of `value.size` bytes each, `batch.size` per poll, with no key, source partition
 * {"datagen": "<task id>"} and offset {"seq": n}; resumes after the last committed seq. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "wasmconnect.h"

static char *positive(const char *v) {
  return atoll(v) > 0 ? NULL : wc_strdup("Value must be at least 1");
}

static void define(wc_config_def *d) {
  wc_define(d, "topic", WC_CONFIG_STRING, WC_REQUIRED, WC_HIGH, "The topic to write to.");
  wc_key_validator(wc_define(d, "value.size", WC_CONFIG_INT, "100", WC_MEDIUM,
                             "Bytes in each record value."),
                   positive);
  wc_key_validator(wc_define(d, "batch.size", WC_CONFIG_INT, "100", WC_MEDIUM,
                             "Records returned by each poll."),
                   positive);
  wc_define(d, "max.records", WC_CONFIG_LONG, "-1", WC_MEDIUM,
            "Records to emit in all; -1 for no limit. After that, polls return nothing.");
}

/* One task per tasks.max, each numbered so its source partition is its own. */
static wc_error *task_configs(void *state, const wc_config *config, uint32_t max_tasks,
                              wc_task_configs *out) {
  for (uint32_t i = 0; i < max_tasks; i++) {
    wc_config c = wc_config_clone(config);
    char id[16];
    snprintf(id, sizeof id, "%u", i);
    wc_config_set(&c, "task.id", id);
    wc_task_configs_add(out, &c);
    wc_config_free(&c);
  }
  return WC_OK;
}

static const char *const aliases[] = {"CDatagen", NULL};

static const wc_connector connector = {
    .class_name = "io.wasmconnect.c.DatagenSourceConnector",
    .aliases = aliases,
    .version = "0.1.0",
    .description = "Generates fixed-size records as fast as it is polled (C benchmark source).",
    .config_def = define,
    .task_configs = task_configs,
};

typedef struct datagen {
  char *topic;
  int32_t value_size, batch_size;
  int64_t max_records, next;
  wc_offset_map partition;
  wc_schema *schema;
  uint8_t *payload;
} datagen;

static wc_error *start(void **state, const wc_config *config, bool *commit_record) {
  datagen *t = wc_calloc(1, sizeof *t);
  const char *topic;
  wc_error *e;
  if ((e = wc_config_require(config, "topic", &topic)) ||
      (e = wc_config_get_int(config, "value.size", 100, &t->value_size)) ||
      (e = wc_config_get_int(config, "batch.size", 100, &t->batch_size)) ||
      (e = wc_config_get_long(config, "max.records", -1, &t->max_records))) {
    free(t);
    return e;
  }
  if (t->value_size < 1 || t->batch_size < 1) {
    free(t);
    return wc_fatal("value.size and batch.size must be at least 1");
  }
  t->topic = wc_strdup(topic);
  wc_offset_map_put_string(&t->partition, "datagen", wc_config_get_or(config, "task.id", "0"));
  wc_offset_map stored;
  int64_t seq;
  if (wc_offset_read(&t->partition, &stored)) {
    if (wc_offset_map_get_int64(&stored, "seq", &seq)) t->next = seq + 1;
    wc_offset_map_free(&stored);
  }
  t->schema = wc_schema_optional(wc_schema_new(WC_BYTES));
  t->payload = wc_malloc((size_t)t->value_size);
  for (int32_t i = 0; i < t->value_size; i++) t->payload[i] = (uint8_t)('a' + i % 26);
  wc_info("datagen starting at seq %lld", (long long)t->next);
  *state = t;
  *commit_record = false;
  return WC_OK;
}

static wc_error *poll(void *state, wc_source_batch *out) {
  datagen *t = state;
  for (int32_t i = 0; i < t->batch_size; i++) {
    if (t->max_records >= 0 && t->next >= t->max_records) break;
    wc_source_record *r = wc_source_batch_add(out, t->topic);
    r->source_partition = wc_offset_map_clone(&t->partition);
    wc_offset_map_put_int64(&r->source_offset, "seq", t->next++);
    r->value_schema = wc_schema_ref(t->schema);
    r->value = wc_bytes(t->payload, (size_t)t->value_size);
  }
  return WC_OK;
}

static wc_error *stop(void *state) {
  datagen *t = state;
  free(t->topic);
  free(t->payload);
  wc_schema_unref(t->schema);
  wc_offset_map_free(&t->partition);
  free(t);
  return WC_OK;
}

static const wc_source_task task = {.start = start, .poll = poll, .stop = stop};

WASMCONNECT_SOURCE(connector, task);
