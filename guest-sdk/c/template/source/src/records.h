/* The record logic of {{name}}, apart from the plugin glue so it can be unit-tested natively. */
#ifndef {{Name}}_RECORDS_H
#define {{Name}}_RECORDS_H

#include "wasmconnect.h"

/* The value schema: struct {{name_snake}}.Tick { seq: int64, at: Timestamp }. */
wc_schema *tick_schema(void);

/* Adds tick `seq` taken at `now_ms` (epoch milliseconds) to `out`. */
void add_tick(wc_source_batch *out, const char *topic, const wc_schema *schema, int64_t seq,
              int64_t now_ms);

#endif
