/* The JSON of `flow show` and `flow add` (doc/ctl.md "Offload table"),
 * from the table's plain entries. */
#ifndef VFLAG_CTL_REPLY_FLOW_H
#define VFLAG_CTL_REPLY_FLOW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "flow/flow_table.h"

/* One element of `flow show`'s "rules"; with stats, "stats" too
 * (last_used in seconds before now_ns, CLOCK_MONOTONIC as the datapath's
 * bpf_ktime_get_ns; null if never used). */
json_t *reply_flow_json(const struct flow_table_entry *e, bool stats,
			uint64_t now_ns);

#endif
