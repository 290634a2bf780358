/* How {{name}} writes a record, apart from the plugin glue so it can be unit-tested natively. */
#ifndef {{Name}}_RENDER_H
#define {{Name}}_RENDER_H

#include "wasmconnect.h"

/* Appends `v` to `out` as JSON (struct fields named from `schema`, which may be NULL; bytes as
 * an array of numbers). */
void render_value(wc_buf *out, const wc_value *v, const wc_schema *schema);

/* Appends one line for record `r`: {"topic":..,"partition":..,"offset":..,"value":..}\n */
void render_record(wc_buf *out, const wc_sink_record *r);

#endif
