/* c-csv-source: streams the rows of a CSV file into Kafka as Connect structs, in C.
 *
 * The header line names the fields; `field.types` gives some of them a type (the others are
 * strings). Every row becomes one struct record, with source offset {"position": byte offset
 * after the row}, so a restart resumes after the last committed row. Rows appended later are
 * picked up (the file is tailed); a row is only emitted once its line is complete. Quoted
 * fields follow RFC 4180 (commas, doubled quotes and line breaks inside quotes). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "wasmconnect.h"

#define CHUNK (64 * 1024)

/* ---- configuration --------------------------------------------------------------------------- */

static const char *const type_names[] = {"string", "int32", "int64", "float64", "boolean", NULL};
static const wc_type type_codes[] = {WC_STRING, WC_INT32, WC_INT64, WC_FLOAT64, WC_BOOLEAN};

/* `name:type` pairs, comma-separated; NULL if fine, else why not. */
static char *check_field_types(const char *v) {
  char *copy = wc_strdup(v), *save = NULL, *why = NULL;
  for (char *item = strtok_r(copy, ",", &save); item && !why; item = strtok_r(NULL, ",", &save)) {
    while (*item == ' ') item++;
    char *colon = strchr(item, ':');
    if (!colon || colon == item) {
      why = wc_format("'%s' is not name:type", item);
      break;
    }
    char *t = colon + 1;
    while (*t == ' ') t++;
    size_t n = strlen(t);
    while (n && t[n - 1] == ' ') t[--n] = 0;
    bool known = false;
    for (int i = 0; type_names[i]; i++) known |= strcmp(t, type_names[i]) == 0;
    if (!known) why = wc_format("unknown type '%s' (string, int32, int64, float64 or boolean)", t);
  }
  free(copy);
  return why;
}

static char *positive(const char *v) {
  return atoll(v) > 0 ? NULL : wc_strdup("Value must be at least 1");
}

static void define(wc_config_def *d) {
  wc_define(d, "file", WC_CONFIG_STRING, WC_REQUIRED, WC_HIGH,
            "The CSV file to read; its first line names the fields. Grant its directory with "
            "wasm.allowed.dirs.");
  wc_define(d, "topic", WC_CONFIG_STRING, WC_REQUIRED, WC_HIGH, "The topic to write rows to.");
  wc_key_validator(wc_define(d, "batch.size", WC_CONFIG_INT, "1000", WC_LOW,
                             "The most rows returned by one poll."),
                   positive);
  wc_key_validator(wc_define(d, "field.types", WC_CONFIG_LIST, "", WC_MEDIUM,
                             "Types of some fields, as name:type (string, int32, int64, float64, "
                             "boolean), comma-separated. Other fields are strings."),
                   check_field_types);
  wc_key_default_null(wc_define(d, "key.field", WC_CONFIG_STRING, WC_REQUIRED, WC_LOW,
                                "A field whose value (as a string) becomes the record key."));
  wc_define(d, "schema.name", WC_CONFIG_STRING, "io.wasmconnect.csv.Row", WC_LOW,
            "The name of the row struct schema.");
}

static const char *const aliases[] = {"CsvSource", NULL};

static const wc_connector connector = {
    .class_name = "io.wasmconnect.c.CsvSourceConnector",
    .aliases = aliases,
    .version = "0.1.0",
    .description = "Streams the rows of a CSV file as structs, following appended rows (C).",
    .config_def = define,
};

/* ---- CSV ------------------------------------------------------------------------------------- */

typedef struct row {
  size_t n, cap;
  char **fields;
} row;

static void row_clear(row *r) {
  for (size_t i = 0; i < r->n; i++) free(r->fields[i]);
  r->n = 0;
}

static void row_push(row *r, const char *s, size_t len) {
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 8;
    r->fields = wc_realloc(r->fields, r->cap * sizeof(char *));
  }
  r->fields[r->n++] = wc_strndup(s, len);
}

/* Parses one record from p[0..len). Returns the bytes it used (line break included), or 0 if
 * the record is not complete yet (no line break outside quotes). */
static size_t parse_row(const char *p, size_t len, row *r) {
  static char *field; /* scratch, reused: a component instance is single-threaded */
  static size_t field_cap;
  if (field_cap < len + 1) {
    field = wc_realloc(field, len + 1);
    field_cap = len + 1;
  }
  size_t flen = 0, i = 0;
  bool quoted = false, was_quoted = false;
  row_clear(r);
  while (i < len) {
    char c = p[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < len && p[i + 1] == '"') {
          field[flen++] = '"';
          i += 2;
          continue;
        }
        if (i + 1 == len) break; /* cannot tell a closing quote from "" yet */
        quoted = false;
      } else {
        field[flen++] = c;
      }
      i++;
      continue;
    }
    if (c == '"' && flen == 0 && !was_quoted) {
      quoted = was_quoted = true;
      i++;
    } else if (c == ',') {
      row_push(r, field, flen);
      flen = 0;
      was_quoted = false;
      i++;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r') {
        if (i + 1 == len) break; /* a \r\n may be split across reads */
        if (p[i + 1] == '\n') i++;
      }
      row_push(r, field, flen);
      return i + 1;
    } else {
      field[flen++] = c;
      i++;
    }
  }
  row_clear(r);
  return 0;
}

/* ---- the task -------------------------------------------------------------------------------- */

typedef struct csv_task {
  char *file, *topic;
  int32_t batch_size;
  int key_index; /* -1: no key */
  wc_config field_types;
  char *schema_name, *key_field;
  wc_schema *schema, *key_schema; /* built from the header */
  wc_offset_map partition;
  int64_t position; /* byte offset of the next row */
  bool waiting_logged;
  char *buf;
  size_t cap;
  row row;
} csv_task;

static wc_error *stop(void *state);

static wc_error *start(void **state, const wc_config *config, bool *commit_record) {
  csv_task *t = wc_calloc(1, sizeof *t);
  const char *file, *topic;
  wc_error *e;
  if ((e = wc_config_require(config, "file", &file)) ||
      (e = wc_config_require(config, "topic", &topic)) ||
      (e = wc_config_get_int(config, "batch.size", 1000, &t->batch_size))) {
    stop(t);
    return e;
  }
  *state = t;
  t->file = wc_strdup(file);
  t->topic = wc_strdup(topic);
  t->schema_name = wc_strdup(wc_config_get_or(config, "schema.name", "io.wasmconnect.csv.Row"));
  t->key_field = wc_strdup(wc_config_get(config, "key.field"));
  t->key_index = -1;
  const char *types = wc_config_get_or(config, "field.types", "");
  char *copy = wc_strdup(types), *save = NULL;
  for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char *colon = strchr(item, ':');
    if (!colon) continue;
    *colon = 0;
    char *name = item, *type = colon + 1;
    while (*name == ' ') name++;
    while (*type == ' ') type++;
    for (char *q = name + strlen(name); q > name && q[-1] == ' ';) *--q = 0;
    for (char *q = type + strlen(type); q > type && q[-1] == ' ';) *--q = 0;
    wc_config_set(&t->field_types, name, type);
  }
  free(copy);
  wc_offset_map_put_string(&t->partition, "filename", t->file);
  wc_offset_map stored;
  if (wc_offset_read(&t->partition, &stored)) {
    wc_offset_map_get_int64(&stored, "position", &t->position);
    wc_offset_map_free(&stored);
  }
  wc_info("csv source on %s resuming at byte %lld", t->file, (long long)t->position);
  *commit_record = false;
  return WC_OK;
}

/* Reads from `at` into t->buf; returns the bytes read (0 at end of file), or -1 on error. */
static long read_at(csv_task *t, FILE *f, int64_t at, size_t want) {
  if (t->cap < want) {
    t->buf = wc_realloc(t->buf, want);
    t->cap = want;
  }
  if (fseeko(f, (off_t)at, SEEK_SET) != 0) return -1;
  size_t n = fread(t->buf, 1, want, f);
  if (n < want && ferror(f)) return -1;
  return (long)n;
}

static wc_schema *field_schema(csv_task *t, const char *name, wc_error **e) {
  const char *type = wc_config_get_or(&t->field_types, name, "string");
  for (int i = 0; type_names[i]; i++)
    if (strcmp(type, type_names[i]) == 0) return wc_schema_optional(wc_schema_new(type_codes[i]));
  *e = wc_fatal("field.types: unknown type '%s' for field %s", type, name);
  return NULL;
}

/* Builds the schema from the header row at the start of the file. */
static wc_error *read_header(csv_task *t, FILE *f, bool *ready) {
  size_t want = CHUNK;
  for (;;) {
    long n = read_at(t, f, 0, want);
    if (n < 0) return wc_retriable("cannot read %s: %s", t->file, strerror(errno));
    size_t used = parse_row(t->buf, (size_t)n, &t->row);
    if (used) {
      wc_error *e = WC_OK;
      t->schema = wc_schema_name(wc_schema_struct(), t->schema_name);
      for (size_t i = 0; i < t->row.n && !e; i++) {
        wc_schema *fs = field_schema(t, t->row.fields[i], &e);
        if (fs) wc_schema_field(t->schema, t->row.fields[i], fs);
        if (t->key_field && strcmp(t->key_field, t->row.fields[i]) == 0) t->key_index = (int)i;
      }
      if (!e && t->key_field && t->key_index < 0)
        e = wc_fatal("key.field %s is not a column of %s", t->key_field, t->file);
      if (t->key_index >= 0) t->key_schema = wc_schema_optional(wc_schema_new(WC_STRING));
      if (t->position < (int64_t)used) t->position = (int64_t)used;
      *ready = e == WC_OK;
      return e;
    }
    if ((size_t)n < want) return WC_OK; /* the header line is not complete yet */
    want *= 2;
  }
}

static wc_error *convert(csv_task *t, size_t i, const char *text, wc_value *out) {
  wc_type type = t->schema->fields[i].schema->type;
  char *end = NULL;
  errno = 0;
  if (type == WC_STRING) {
    *out = wc_string(text);
    return WC_OK;
  }
  if (!*text) {
    *out = wc_null(); /* an empty typed field is null */
    return WC_OK;
  }
  switch (type) {
  case WC_INT32: {
    long long v = strtoll(text, &end, 10);
    if (!*end && !errno && v >= INT32_MIN && v <= INT32_MAX) {
      *out = wc_int32((int32_t)v);
      return WC_OK;
    }
    break;
  }
  case WC_INT64: {
    long long v = strtoll(text, &end, 10);
    if (!*end && !errno) {
      *out = wc_int64(v);
      return WC_OK;
    }
    break;
  }
  case WC_FLOAT64: {
    double v = strtod(text, &end);
    if (!*end) {
      *out = wc_float64(v);
      return WC_OK;
    }
    break;
  }
  case WC_BOOLEAN:
    if (strcasecmp(text, "true") == 0 || strcasecmp(text, "false") == 0) {
      *out = wc_boolean(strcasecmp(text, "true") == 0);
      return WC_OK;
    }
    break;
  default: break;
  }
  return wc_fatal("%s, row at byte %lld: field %s: '%s' is not a valid %s", t->file,
                  (long long)t->position, t->schema->fields[i].name, text,
                  type == WC_INT32 ? "int32" : type == WC_INT64 ? "int64"
                  : type == WC_FLOAT64 ? "float64" : "boolean");
}

/* Whether the directory of `file` can be seen (it exists and was granted). */
static bool dir_reachable(const char *file) {
  const char *slash = strrchr(file, '/');
  char *dir = slash ? wc_strndup(file, slash == file ? 1 : (size_t)(slash - file)) : wc_strdup(".");
  struct stat st;
  bool ok = stat(dir, &st) == 0;
  free(dir);
  return ok;
}

static wc_error *poll(void *state, wc_source_batch *out) {
  csv_task *t = state;
  FILE *f = fopen(t->file, "rb");
  if (!f) {
    int err = errno;
    if (err == ENOENT && !dir_reachable(t->file))
      return wc_fatal("cannot open %s: its directory is not reachable (grant it with "
                      "wasm.allowed.dirs)", t->file);
    if (err == ENOENT) {
      if (!t->waiting_logged) wc_info("waiting for %s to exist", t->file);
      t->waiting_logged = true;
      return WC_OK;
    }
    return wc_fatal("cannot open %s: %s", t->file, strerror(err));
  }
  wc_error *e = WC_OK;
  bool ready = t->schema != NULL;
  if (!ready) e = read_header(t, f, &ready);
  size_t want = CHUNK;
  while (!e && ready && out->len < (size_t)t->batch_size) {
    long n = read_at(t, f, t->position, want);
    if (n < 0) {
      e = wc_retriable("cannot read %s: %s", t->file, strerror(errno));
      break;
    }
    size_t at = 0, before = out->len;
    while (out->len < (size_t)t->batch_size) {
      size_t used = parse_row(t->buf + at, (size_t)n - at, &t->row);
      if (!used) break;
      at += used;
      if (t->row.n == 1 && t->row.fields[0][0] == 0) { /* a blank line */
        t->position += (int64_t)used;
        continue;
      }
      if (t->row.n != t->schema->field_count) {
        e = wc_fatal("%s, row at byte %lld has %zu fields, the header has %zu", t->file,
                     (long long)t->position, t->row.n, t->schema->field_count);
        break;
      }
      wc_value v = wc_struct(t->schema);
      for (size_t i = 0; i < t->row.n && !e; i++)
        e = convert(t, i, t->row.fields[i], &v.as.fields.values[i]);
      if (e) {
        wc_value_free(&v);
        break;
      }
      t->position += (int64_t)used;
      wc_source_record *r = wc_source_batch_add(out, t->topic);
      r->source_partition = wc_offset_map_clone(&t->partition);
      wc_offset_map_put_int64(&r->source_offset, "position", t->position);
      if (t->key_index >= 0) {
        r->key_schema = wc_schema_ref(t->key_schema);
        r->key = wc_string(t->row.fields[t->key_index]);
      }
      r->value_schema = wc_schema_ref(t->schema);
      r->value = v;
    }
    if (e || (size_t)n < want) break;  /* end of file for now */
    if (out->len == before) want *= 2; /* one row longer than the chunk */
  }
  fclose(f);
  return e;
}

static wc_error *stop(void *state) {
  csv_task *t = state;
  row_clear(&t->row);
  free(t->row.fields);
  free(t->buf);
  free(t->file);
  free(t->topic);
  free(t->schema_name);
  free(t->key_field);
  wc_config_free(&t->field_types);
  wc_schema_unref(t->schema);
  wc_schema_unref(t->key_schema);
  wc_offset_map_free(&t->partition);
  free(t);
  return WC_OK;
}

static const wc_source_task task = {.start = start, .poll = poll, .stop = stop};

WASMCONNECT_SOURCE(connector, task);
