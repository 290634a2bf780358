/*
 * wasmconnect.h: write wasmconnect connectors (Kafka Connect on WebAssembly) in C.
 *
 * You fill in two tables of callbacks, one for the connector and one for its tasks, and
 * export them with WASMCONNECT_SOURCE(...) or WASMCONNECT_SINK(...). The SDK implements the
 * WIT contract (wit/connector.wit) and the record encoding (wit/RECORD-FORMAT.md); connector
 * code never sees either.
 *
 * Ownership rules, everywhere in this header:
 *   - A `const T *` argument is borrowed for the duration of the call only.
 *   - Strings and bytes given to a builder (wc_string, wc_config_set, wc_offset_map_put_*, ...)
 *     are copied; the caller keeps its own.
 *   - A schema is reference counted: wc_schema_* constructors return one reference, storing a
 *     schema in a record or another schema takes over that reference; use wc_schema_ref() to
 *     share one schema between many records (the usual case) and wc_schema_unref() to drop yours.
 *   - A value owns its children; a record owns its values, maps and headers; the SDK frees the
 *     records of a poll batch after encoding them and the records of a put after the call.
 *   - A `wc_error *` is returned by value to the SDK, which frees it. NULL (WC_OK) is success.
 */
#ifndef WASMCONNECT_H
#define WASMCONNECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** Whether a retry may help (Connect's RetriableException) or the task cannot go on. */
typedef enum wc_error_kind { WC_RETRIABLE = 0, WC_FATAL = 1 } wc_error_kind;

/** An error returned from a callback. Create with wc_fatal() or wc_retriable(). */
typedef struct wc_error {
  wc_error_kind kind;
  char *message;
} wc_error;

/** Success. */
#define WC_OK ((wc_error *)0)

/** The task or connector moves to FAILED with this printf-formatted message. */
wc_error *wc_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** The worker backs off and calls again with the same input. */
wc_error *wc_retriable(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Frees an error you created but do not return. */
void wc_error_free(wc_error *e);

/* ------------------------------------------------------------------------------------------ */
/* Schemas                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** Connect schema types; the numbers are the codes of RECORD-FORMAT.md. 0 is the null value. */
typedef enum wc_type {
  WC_NULL = 0,
  WC_INT8 = 1,
  WC_INT16 = 2,
  WC_INT32 = 3,
  WC_INT64 = 4,
  WC_FLOAT32 = 5,
  WC_FLOAT64 = 6,
  WC_BOOLEAN = 7,
  WC_STRING = 8,
  WC_BYTES = 9,
  WC_ARRAY = 10,
  WC_MAP = 11,
  WC_STRUCT = 12,
} wc_type;

#define WC_DECIMAL_NAME "org.apache.kafka.connect.data.Decimal"
#define WC_DATE_NAME "org.apache.kafka.connect.data.Date"
#define WC_TIME_NAME "org.apache.kafka.connect.data.Time"
#define WC_TIMESTAMP_NAME "org.apache.kafka.connect.data.Timestamp"

typedef struct wc_schema wc_schema;
typedef struct wc_value wc_value;

/** A struct field: its name and schema. */
typedef struct wc_field {
  char *name;
  wc_schema *schema;
} wc_field;

/** A schema parameter (e.g. `scale` of a Decimal). Kept sorted by key. */
typedef struct wc_param {
  char *key;
  char *value;
} wc_param;

/** A Connect schema. Read its fields freely; build it with the functions below. */
struct wc_schema {
  wc_type type;
  bool optional;
  char *name;        /* NULL if unnamed; the logical type's name for logical types */
  bool has_version;
  int32_t version;
  char *doc;         /* NULL if none */
  size_t param_count;
  wc_param *params;
  wc_value *default_value; /* NULL if none */
  wc_schema *key_schema;   /* map: key schema */
  wc_schema *value_schema; /* array: element schema; map: value schema */
  size_t field_count;
  wc_field *fields;        /* struct: fields in order */
  int refcount;
};

/** A required schema of a primitive type. */
wc_schema *wc_schema_new(wc_type type);
/** An array schema; takes over the reference to `element`. */
wc_schema *wc_schema_array(wc_schema *element);
/** A map schema; takes over both references. */
wc_schema *wc_schema_map(wc_schema *key, wc_schema *value);
/** An empty struct schema; add fields in order with wc_schema_field(). */
wc_schema *wc_schema_struct(void);
/** Adds a field to a struct schema; takes over the reference to `schema`. Returns `s`. */
wc_schema *wc_schema_field(wc_schema *s, const char *name, wc_schema *schema);
/** Marks `s` optional (null allowed). Returns `s`. */
wc_schema *wc_schema_optional(wc_schema *s);
/** Sets the name. Returns `s`. */
wc_schema *wc_schema_name(wc_schema *s, const char *name);
/** Sets the version. Returns `s`. */
wc_schema *wc_schema_version(wc_schema *s, int32_t version);
/** Sets the documentation. Returns `s`. */
wc_schema *wc_schema_doc(wc_schema *s, const char *doc);
/** Sets a parameter (replacing one with the same key). Returns `s`. */
wc_schema *wc_schema_param(wc_schema *s, const char *key, const char *value);
/** Sets the default value; takes over `value`. Returns `s`. */
wc_schema *wc_schema_default(wc_schema *s, wc_value value);
/** Logical types, as in Connect: Decimal (bytes, `scale`), Date and Time (int32), Timestamp (int64). */
wc_schema *wc_schema_decimal(int32_t scale);
wc_schema *wc_schema_date(void);
wc_schema *wc_schema_time(void);
wc_schema *wc_schema_timestamp(void);
/** Adds a reference (returns `s`, NULL-safe). */
wc_schema *wc_schema_ref(wc_schema *s);
/** Drops a reference, freeing the schema with the last one (NULL-safe). */
void wc_schema_unref(wc_schema *s);
/** The index of field `name` in a struct schema, or -1. */
int wc_schema_field_index(const wc_schema *s, const char *name);
/** The value of parameter `key`, or NULL. */
const char *wc_schema_get_param(const wc_schema *s, const char *key);
/** Deep equality (as Connect's Schema.equals). */
bool wc_schema_equal(const wc_schema *a, const wc_schema *b);

/* ------------------------------------------------------------------------------------------ */
/* Values                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** A Connect value: a tagged union, passed by value, owning its children. */
struct wc_value {
  wc_type type; /* WC_NULL for null */
  union {
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    bool boolean;
    struct { char *ptr; size_t len; } str;      /* UTF-8, also NUL-terminated for convenience */
    struct { uint8_t *ptr; size_t len; } bytes;
    struct { wc_value *items; size_t len; } array;
    struct { wc_value *keys; wc_value *values; size_t len; } map;
    struct { wc_value *values; size_t len; } fields; /* WC_STRUCT, in schema field order */
  } as;
};

wc_value wc_null(void);
wc_value wc_int8(int8_t v);
wc_value wc_int16(int16_t v);
wc_value wc_int32(int32_t v);
wc_value wc_int64(int64_t v);
wc_value wc_float32(float v);
wc_value wc_float64(double v);
wc_value wc_boolean(bool v);
/** Copies the NUL-terminated string. */
wc_value wc_string(const char *s);
/** Copies `len` bytes of UTF-8. */
wc_value wc_string_n(const char *s, size_t len);
/** Copies `len` bytes. */
wc_value wc_bytes(const void *p, size_t len);
/** An array of `len` null items; set them with v.as.array.items[i] = ... */
wc_value wc_array(size_t len);
/** A map of `len` null entries; set v.as.map.keys[i] and v.as.map.values[i]. */
wc_value wc_map(size_t len);
/** A struct value for `schema` (borrowed: only its field count is read), all fields null. */
wc_value wc_struct(const wc_schema *schema);
/** Sets field `name` of struct value `v` of schema `schema`; takes over `field`. False if no such field. */
bool wc_struct_put(wc_value *v, const wc_schema *schema, const char *name, wc_value field);
/** Field `name` of struct value `v`, or NULL. */
const wc_value *wc_struct_get(const wc_value *v, const wc_schema *schema, const char *name);
/** Frees what `v` owns and makes it null. */
void wc_value_free(wc_value *v);
/** A deep copy. */
wc_value wc_value_clone(const wc_value *v);
/** Deep equality. */
bool wc_value_equal(const wc_value *a, const wc_value *b);

/* ------------------------------------------------------------------------------------------ */
/* Source partitions and offsets                                                              */
/* ------------------------------------------------------------------------------------------ */

/** One entry of an offset map; `value` is null, boolean, int64, float64, string or bytes. */
typedef struct wc_offset_entry {
  char *key;
  wc_value value;
} wc_offset_entry;

/** A source partition or offset: string keys (kept sorted, unique) to primitive values. */
typedef struct wc_offset_map {
  size_t len, cap;
  wc_offset_entry *entries;
} wc_offset_map;

/** Sets `key`, replacing an earlier value; takes over `value` (must be a primitive above). */
void wc_offset_map_put(wc_offset_map *m, const char *key, wc_value value);
void wc_offset_map_put_int64(wc_offset_map *m, const char *key, int64_t v);
void wc_offset_map_put_string(wc_offset_map *m, const char *key, const char *v);
/** The value of `key`, or NULL. */
const wc_value *wc_offset_map_get(const wc_offset_map *m, const char *key);
/** `key` as int64 into *out; false if absent or not an int64. */
bool wc_offset_map_get_int64(const wc_offset_map *m, const char *key, int64_t *out);
void wc_offset_map_free(wc_offset_map *m);
wc_offset_map wc_offset_map_clone(const wc_offset_map *m);

/**
 * The last committed source offset of `partition` for this connector, into `*out` (fresh, free
 * it with wc_offset_map_free). False if nothing was committed yet. Source tasks only.
 */
bool wc_offset_read(const wc_offset_map *partition, wc_offset_map *out);

/* ------------------------------------------------------------------------------------------ */
/* Records                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** A record header. */
typedef struct wc_header {
  char *key;
  wc_schema *schema; /* may be NULL */
  wc_value value;
} wc_header;

typedef struct wc_headers {
  size_t len, cap;
  wc_header *items;
} wc_headers;

/** Adds a header; takes over `schema` (may be NULL) and `value`. */
void wc_headers_add(wc_headers *h, const char *key, wc_schema *schema, wc_value value);

/** A record a source task emits. Schemas may be NULL (schemaless). */
typedef struct wc_source_record {
  wc_offset_map source_partition;
  wc_offset_map source_offset;
  char *topic;
  bool has_partition;
  int32_t partition;
  wc_schema *key_schema;
  wc_value key;
  wc_schema *value_schema;
  wc_value value;
  bool has_timestamp;
  int64_t timestamp;
  wc_headers headers;
} wc_source_record;

/** Kafka's timestamp types. */
typedef enum wc_timestamp_type {
  WC_NO_TIMESTAMP_TYPE = 0,
  WC_CREATE_TIME = 1,
  WC_LOG_APPEND_TIME = 2,
} wc_timestamp_type;

/** A record a sink task receives. */
typedef struct wc_sink_record {
  char *topic;
  int32_t partition;
  int64_t offset;
  wc_schema *key_schema;
  wc_value key;
  wc_schema *value_schema;
  wc_value value;
  bool has_timestamp;
  int64_t timestamp;
  wc_timestamp_type timestamp_type;
  wc_headers headers;
} wc_sink_record;

/** The records one poll returns. Add with wc_source_batch_add(); the SDK encodes and frees them. */
typedef struct wc_source_batch {
  size_t len, cap;
  wc_source_record *records;
} wc_source_batch;

/** A new, zeroed record at the end of the batch, its topic set (copied). */
wc_source_record *wc_source_batch_add(wc_source_batch *b, const char *topic);
void wc_source_record_free(wc_source_record *r);
void wc_sink_record_free(wc_sink_record *r);
/** Frees the records, keeping the batch's allocation for reuse. */
void wc_source_batch_clear(wc_source_batch *b);
/** Frees the records and the batch's allocation. */
void wc_source_batch_free(wc_source_batch *b);

/* The WCB1 codec (wit/RECORD-FORMAT.md). The SDK calls these; they are public for tests. */

/** A growable byte buffer from malloc. */
typedef struct wc_buf {
  uint8_t *ptr;
  size_t len, cap;
} wc_buf;

/** Appends the encoding of `n` source records to `out`. Never fails. */
void wc_encode_source(const wc_source_record *records, size_t n, wc_buf *out);
/** Appends the encoding of `n` sink records to `out`. Never fails. */
void wc_encode_sink(const wc_sink_record *records, size_t n, wc_buf *out);
/** Decodes a batch; on success `*records`/`*n` are fresh (free each record and the array). */
wc_error *wc_decode_sink(const uint8_t *p, size_t len, wc_sink_record **records, size_t *n);
wc_error *wc_decode_source(const uint8_t *p, size_t len, wc_source_record **records, size_t *n);

/* ------------------------------------------------------------------------------------------ */
/* Configuration                                                                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct wc_config_entry {
  char *key;
  char *value;
} wc_config_entry;

/** A configuration: string keys and values, kept sorted by key. */
typedef struct wc_config {
  size_t len, cap;
  wc_config_entry *entries;
} wc_config;

/** The value of `key`, or NULL if it is not set. */
const char *wc_config_get(const wc_config *c, const char *key);
/** The value of `key`, or `def`. */
const char *wc_config_get_or(const wc_config *c, const char *key, const char *def);
/** Sets `key` (both copied). */
void wc_config_set(wc_config *c, const char *key, const char *value);
/** `key` into *out: a fatal error worded as Kafka's if it is missing. */
wc_error *wc_config_require(const wc_config *c, const char *key, const char **out);
/** `key` parsed as INT / LONG / DOUBLE / BOOLEAN into *out; *out keeps `def` if unset. */
wc_error *wc_config_get_int(const wc_config *c, const char *key, int32_t def, int32_t *out);
wc_error *wc_config_get_long(const wc_config *c, const char *key, int64_t def, int64_t *out);
wc_error *wc_config_get_double(const wc_config *c, const char *key, double def, double *out);
wc_error *wc_config_get_bool(const wc_config *c, const char *key, bool def, bool *out);
wc_config wc_config_clone(const wc_config *c);
void wc_config_free(wc_config *c);

/** ConfigDef.Type */
typedef enum wc_config_type {
  WC_CONFIG_BOOLEAN, WC_CONFIG_STRING, WC_CONFIG_INT, WC_CONFIG_SHORT, WC_CONFIG_LONG,
  WC_CONFIG_DOUBLE, WC_CONFIG_LIST, WC_CONFIG_CLASS, WC_CONFIG_PASSWORD,
} wc_config_type;
/** ConfigDef.Importance */
typedef enum wc_importance { WC_HIGH, WC_MEDIUM, WC_LOW } wc_importance;
/** ConfigDef.Width */
typedef enum wc_width { WC_WIDTH_NONE, WC_WIDTH_SHORT, WC_WIDTH_MEDIUM, WC_WIDTH_LONG } wc_width;
/** A validator: NULL if `value` is fine, else a malloc'd reason ("must be positive"). */
typedef char *(*wc_validator)(const char *value);

/** A key of the definition. WC_REQUIRED as default means the key must be set. */
typedef struct wc_config_key {
  char *name;
  wc_config_type type;
  int default_kind; /* 0 required, 1 null, 2 value */
  char *default_value;
  wc_importance importance;
  char *documentation;
  char *group;
  int32_t order_in_group;
  wc_width width;
  char *display_name;
  size_t dependent_count;
  char **dependents;
  wc_validator validator;
} wc_config_key;

/** A connector's configuration definition (Kafka's ConfigDef). */
typedef struct wc_config_def {
  size_t len, cap;
  wc_config_key *keys;
} wc_config_def;

/** Default argument of wc_define for a key that must be set. */
#define WC_REQUIRED ((const char *)0)

/** Defines (or replaces) a key; `default_value` is copied, WC_REQUIRED for none. */
wc_config_key *wc_define(wc_config_def *d, const char *name, wc_config_type type,
                         const char *default_value, wc_importance importance, const char *doc);
/** The key's default is null: it may be left out. */
wc_config_key *wc_key_default_null(wc_config_key *k);
wc_config_key *wc_key_validator(wc_config_key *k, wc_validator v);
wc_config_key *wc_key_group(wc_config_key *k, const char *group, int32_t order);
wc_config_key *wc_key_display_name(wc_config_key *k, const char *name);
wc_config_key *wc_key_width(wc_config_key *k, wc_width w);
wc_config_key *wc_key_dependent(wc_config_key *k, const char *dependent);

/** The outcome of validating one key: no errors means valid. */
typedef struct wc_config_value {
  char *name;
  char *value; /* NULL if unset */
  size_t error_count;
  char **errors;
} wc_config_value;

/** Validates `c` against `d` into `out` (one entry per key, `*n` of them; free with wc_config_values_free). */
void wc_config_def_validate(const wc_config_def *d, const wc_config *c, wc_config_value **out, size_t *n);
void wc_config_values_free(wc_config_value *v, size_t n);
/** Checks `c` against `d` and returns in *out a copy with the defaults filled in. */
wc_error *wc_config_def_parse(const wc_config_def *d, const wc_config *c, wc_config *out);
void wc_config_def_free(wc_config_def *d);

/* ------------------------------------------------------------------------------------------ */
/* Logging and contexts                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef enum wc_log_level { WC_TRACE, WC_DEBUG, WC_INFO, WC_WARN, WC_ERROR } wc_log_level;

/** Logs a printf-formatted message into the worker's log, inside the task's span. */
void wc_log(wc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define wc_trace(...) wc_log(WC_TRACE, __VA_ARGS__)
#define wc_debug(...) wc_log(WC_DEBUG, __VA_ARGS__)
#define wc_info(...) wc_log(WC_INFO, __VA_ARGS__)
#define wc_warn(...) wc_log(WC_WARN, __VA_ARGS__)
#define wc_error_log(...) wc_log(WC_ERROR, __VA_ARGS__)

/** ConnectorContext: ask for new task configurations, or fail the connector. */
void wc_request_task_reconfiguration(void);
void wc_raise_error(const char *message);

/** A Kafka topic partition. */
typedef struct wc_topic_partition {
  const char *topic;
  int32_t partition;
} wc_topic_partition;

/** A position in a topic partition: the offset of the next record to read. */
typedef struct wc_partition_offset {
  const char *topic;
  int32_t partition;
  int64_t offset;
} wc_partition_offset;

/** SinkTaskContext (sink tasks only). */
void wc_sink_pause(const wc_topic_partition *tps, size_t n);
void wc_sink_resume(const wc_topic_partition *tps, size_t n);
void wc_sink_reset_offsets(const wc_partition_offset *offsets, size_t n);
void wc_sink_request_commit(void);
/** The errant record reporter: `record` names a record of the current or an earlier put. */
void wc_sink_report(const wc_sink_record *record, const char *error);

/* ------------------------------------------------------------------------------------------ */
/* The plugin                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** The task configurations task_configs returns. */
typedef struct wc_task_configs {
  size_t len, cap;
  wc_config *items;
} wc_task_configs;

/** Appends a copy of `c`. */
void wc_task_configs_add(wc_task_configs *t, const wc_config *c);

/**
 * The connector level (Kafka's Connector). Only class_name, version and config_def are
 * required. `state` is yours: set it in start, it is passed back to the other calls.
 */
typedef struct wc_connector {
  const char *class_name;
  const char *const *aliases; /* NULL-terminated, or NULL */
  const char *version;
  const char *description;
  /** Defines the configuration keys; called once. */
  void (*config_def)(wc_config_def *def);
  /** Optional: extra checks after the definition's (add to out[i].errors with wc_config_value_add_error). */
  void (*validate)(const wc_config *config, wc_config_value *out, size_t n);
  /** Optional; the SDK has already parsed `config` (defaults filled, errors reported). */
  wc_error *(*start)(void **state, const wc_config *config);
  /** Optional; the default returns one task with the connector's parsed config. */
  wc_error *(*task_configs)(void *state, const wc_config *config, uint32_t max_tasks,
                            wc_task_configs *out);
  /** Optional. */
  wc_error *(*stop)(void *state);
} wc_connector;

/** Appends an error message (printf-formatted) to a validation result. */
void wc_config_value_add_error(wc_config_value *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Acknowledgement of a polled record (SourceTask.commitRecord). */
typedef struct wc_record_ack {
  uint64_t poll_seq; /* which poll returned it: 0 for the first after start */
  uint32_t index;    /* its index in that batch */
  bool written;      /* false if a transform dropped it */
  const char *topic;
  int32_t partition;
  int64_t offset;
  bool has_timestamp;
  int64_t timestamp;
} wc_record_ack;

/** A source task (Kafka's SourceTask). start and poll are required. */
typedef struct wc_source_task {
  /** Starts the task; set *task to your state. Set *commit_record to get commit_record calls. */
  wc_error *(*start)(void **task, const wc_config *config, bool *commit_record);
  /** Adds the next records to `out`; add none when there are none yet. Never block long. */
  wc_error *(*poll)(void *task, wc_source_batch *out);
  wc_error *(*commit)(void *task);
  wc_error *(*commit_record)(void *task, const wc_record_ack *ack);
  /** Stops the task and frees its state. */
  wc_error *(*stop)(void *task);
} wc_source_task;

/** A sink task (Kafka's SinkTask). start and put are required. */
typedef struct wc_sink_task {
  wc_error *(*start)(void **task, const wc_config *config);
  wc_error *(*open)(void *task, const wc_topic_partition *tps, size_t n);
  /** Receives records (borrowed). A retriable error makes the worker deliver them again. */
  wc_error *(*put)(void *task, const wc_sink_record *records, size_t n);
  /** Flushes; by default the SDK then commits `current`. */
  wc_error *(*flush)(void *task, const wc_partition_offset *current, size_t n);
  wc_error *(*close)(void *task, const wc_topic_partition *tps, size_t n);
  wc_error *(*stop)(void *task);
} wc_sink_task;

/* Set by WASMCONNECT_SOURCE / WASMCONNECT_SINK; do not use directly. */
extern const wc_connector *const wc__connector;
extern const wc_source_task *const wc__source_task;
extern const wc_sink_task *const wc__sink_task;

/** Exports a source plugin: use once, at file scope, with your two tables. */
#define WASMCONNECT_SOURCE(connector, task)                                                   \
  const wc_connector *const wc__connector = &(connector);                                     \
  const wc_source_task *const wc__source_task = &(task)

/** Exports a sink plugin: use once, at file scope, with your two tables. */
#define WASMCONNECT_SINK(connector, task)                                                     \
  const wc_connector *const wc__connector = &(connector);                                     \
  const wc_sink_task *const wc__sink_task = &(task)

/* Memory helpers that abort on exhaustion (a wasm guest has no better answer). */
void *wc_malloc(size_t n);
void *wc_calloc(size_t n, size_t size);
void *wc_realloc(void *p, size_t n);
char *wc_strdup(const char *s);
char *wc_strndup(const char *s, size_t n);
/** A malloc'd printf. */
char *wc_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif
#endif /* WASMCONNECT_H */
