/* vflagctl's printers: reply data (doc/ctl.md) as tables and reports.
 *
 * Tables are declared as columns (header, JSON key) and printed in two
 * passes over the rows: the first measures, the second prints, so column
 * widths follow the data and nothing is allocated. Reports (bond, stats)
 * read the fields one by one through json_object_get(), which is NULL-safe,
 * and fmt_value(), which turns anything unexpected into '-'. */
#include "vflagctl/print.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common/util.h"
#include "lacp/lacp.h"
#include "lag/bond_config.h"
#define CELL_LEN 256  /* one formatted value, NUL included */
#define LIST_LEN 1024 /* a space-separated list of names */
#define TABLE_MAX_COLS 24

char *vflagctl_sanitize(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	for (; s[i] && i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	buf[i] = '\0';
	return buf;
}

/* Any JSON value as text: strings sanitized, integers in decimal, booleans
 * as yes/no; null, missing, empty strings, arrays and objects as '-'. */
static const char *fmt_value(const json_t *v, char *buf, size_t len)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_STRING:
		if (json_string_length(v) == 0)
			break;
		return vflagctl_sanitize(json_string_value(v), buf, len);
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	case JSON_TRUE:
		return "yes";
	case JSON_FALSE:
		return "no";
	default:
		break;
	}
	return "-";
}

/* A boolean in the words given; anything else as fmt_value() says. */
static const char *fmt_bool(const json_t *v, const char *yes, const char *no,
			    char *buf, size_t len)
{
	if (json_is_boolean(v))
		return json_is_true(v) ? yes : no;
	return fmt_value(v, buf, len);
}

/* The strings of an array, space separated; '-' if none. Other elements
 * are skipped. */
static const char *fmt_list(const json_t *arr, char *buf, size_t len)
{
	char cell[CELL_LEN];
	size_t used = 0;
	size_t i;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v) || json_string_length(v) == 0)
			continue;
		vflagctl_sanitize(json_string_value(v), cell, sizeof(cell));
		int n = snprintf(buf + used, len - used, "%s%s",
				 used ? " " : "", cell);
		if (n < 0 || (size_t)n >= len - used)
			break; /* truncated: keep what fitted */
		used += (size_t)n;
	}
	return used ? buf : "-";
}

/* "label: value", '-' when the field is missing or unusable. */
static void print_field(FILE *out, const char *indent, const char *label,
			const json_t *v)
{
	char buf[CELL_LEN];

	fprintf(out, "%s%s: %s\n", indent, label,
		fmt_value(v, buf, sizeof(buf)));
}

/* Same, but skips the line when the field is missing altogether. */
static void print_field_opt(FILE *out, const char *indent, const char *label,
			    const json_t *v)
{
	if (v)
		print_field(out, indent, label, v);
}

/* A run of "label: value" lines, one per field of obj, in table order;
 * optional fields missing from obj print no line. */
struct field_line {
	const char *indent;
	const char *label;
	const char *key;
	bool optional;
};

static void print_fields(FILE *out, const json_t *obj,
			 const struct field_line *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].optional)
			print_field_opt(out, f[i].indent, f[i].label,
					json_object_get(obj, f[i].key));
		else
			print_field(out, f[i].indent, f[i].label,
				    json_object_get(obj, f[i].key));
	}
}

/* Tables */

struct column {
	const char *head; /* header, upper case as in ip/devlink tables */
	const char *key;  /* field of each row object */
};

static void print_row(FILE *out, const char *const *cells, const size_t *width,
		      size_t ncols)
{
	for (size_t c = 0; c < ncols; c++) {
		if (c + 1 == ncols)
			fprintf(out, "%s\n", cells[c]); /* no trailing blanks */
		else
			fprintf(out, "%-*s  ", (int)width[c], cells[c]);
	}
}

/* Prints the objects of `rows` (others skipped) under the columns' headers,
 * each column as wide as its widest cell; `rule` adds a line of dashes
 * under the headers, as tabulate (map_rep.py) does. */
static void print_table(FILE *out, const json_t *rows,
			const struct column *cols, size_t ncols, bool rule)
{
	char buf[TABLE_MAX_COLS][CELL_LEN];
	const char *cells[TABLE_MAX_COLS];
	size_t width[TABLE_MAX_COLS];
	size_t i;
	json_t *row;

	if (ncols > TABLE_MAX_COLS)
		ncols = TABLE_MAX_COLS;
	for (size_t c = 0; c < ncols; c++) {
		width[c] = strlen(cols[c].head);
		cells[c] = cols[c].head;
	}
	json_array_foreach(rows, i, row)
	{
		if (!json_is_object(row))
			continue;
		for (size_t c = 0; c < ncols; c++) {
			size_t n =
			    strlen(fmt_value(json_object_get(row, cols[c].key),
					     buf[c], CELL_LEN));
			if (n > width[c])
				width[c] = n;
		}
	}

	print_row(out, cells, width, ncols);
	if (rule) {
		for (size_t c = 0; c < ncols; c++) {
			size_t n =
			    width[c] < CELL_LEN ? width[c] : CELL_LEN - 1;

			memset(buf[c], '-', n);
			buf[c][n] = '\0';
			cells[c] = buf[c];
		}
		print_row(out, cells, width, ncols);
	}
	json_array_foreach(rows, i, row)
	{
		if (!json_is_object(row))
			continue;
		for (size_t c = 0; c < ncols; c++)
			cells[c] = fmt_value(json_object_get(row, cols[c].key),
					     buf[c], CELL_LEN);
		print_row(out, cells, width, ncols);
	}
}

static const struct column pf_columns[] = {
    {"NAME", "name"},
    {"DEV", "dev"},
    {"PCI", "pci"},
    {"LINK", "link"},
    {"NUMVFS", "numvfs"},
    {"TYPE", "vf_type"},
    {"ESWITCH", "eswitch_mode"},
    {"HW-TC-OFFLOAD", "hw_tc_offload"},
    {"BOND", "bond"},
};

int vflagctl_print_pfs(FILE *out, json_t *data)
{
	json_t *pfs = json_object_get(data, "pfs");
	char buf[LIST_LEN];

	if (!json_is_array(pfs))
		return -EINVAL;
	print_table(out, pfs, pf_columns, ARRAY_SIZE(pf_columns), false);
	fmt_list(json_object_get(data, "bonds"), buf, sizeof(buf));
	if (buf[0])
		fprintf(out, "\nbonds: %s\n", buf);
	/* A restarted vflagd says what it took over (Survivability). */
	if (json_is_true(json_object_get(data, "adopted"))) {
		json_t *n = json_object_get(data, "adopted_counts");

		fprintf(
		    out,
		    "adopted from the previous vflagd: %lld PF(s), %lld VF(s), "
		    "%lld bond(s)\n",
		    (long long)json_integer_value(json_object_get(n, "pfs")),
		    (long long)json_integer_value(json_object_get(n, "vfs")),
		    (long long)json_integer_value(json_object_get(n, "bonds")));
	}
	return 0;
}

static const struct column vf_columns[] = {
    {"PF", "pf"},
    {"VF", "vf"},
    {"IFNAME", "ifname"},
    {"REP", "rep"},
    {"TYPE", "type"},
    {"MAC", "mac"},
    {"PCI", "pci"},
    {"NETNS", "netns"},
    {"IN_USE", "in_use"},
    /* Tenant isolation, as ip link shows a VF's. */
    {"VLAN", "vlan"},
    {"QOS", "qos"},
    {"PROTO", "vlan_proto"},
    {"SPOOFCHK", "spoofchk"},
    {"TRUST", "trust"},
    {"MAX_TX_RATE", "max_tx_rate"},
    {"STATE", "state"},
    {"LINK", "link_up"},
};

int vflagctl_print_vfs(FILE *out, json_t *data)
{
	json_t *vfs = json_object_get(data, "vfs");

	if (!json_is_array(vfs))
		return -EINVAL;
	print_table(out, vfs, vf_columns, ARRAY_SIZE(vf_columns), false);
	return 0;
}

/* The columns of map_rep.py in the seed, less MACHINE UUID (no VMs here:
 * a "machine" is the network namespace holding the VF). */
static const struct column map_rep_columns[] = {
    {"VF NUMBER", "vf"},    {"REPRESENTOR PORT", "representor"},
    {"VF PORT", "vf_port"}, {"VF PCI", "vf_pci"},
    {"PF NAME", "pf"},	    {"MACHINE NAME", "machine"},
};

int vflagctl_print_map_rep(FILE *out, json_t *data)
{
	json_t *reps = json_object_get(data, "reps");

	if (!json_is_array(reps))
		return -EINVAL;
	print_table(out, reps, map_rep_columns, ARRAY_SIZE(map_rep_columns),
		    true);
	return 0;
}

/* Bonds, in the words of drivers/net/bonding/bond_procfs.c */

struct proc_bond_mode {
	const char *name; /* as vflagd and ip-link say it */
	int num;	  /* the kernel's mode number */
	const char *text; /* as /proc/net/bonding says it */
};

static const struct proc_bond_mode bond_modes[] = {
    {"balance-rr", 0, "load balancing (round-robin)"},
    {"active-backup", 1, "fault-tolerance (active-backup)"},
    {"balance-xor", 2, "load balancing (xor)"},
    {"broadcast", 3, "fault-tolerance (broadcast)"},
    {"802.3ad", 4, "IEEE 802.3ad Dynamic link aggregation"},
    {"balance-tlb", 5, "transmit load balancing"},
    {"balance-alb", 6, "adaptive load balancing"},
};

#define BOND_MODE_AB 1

/* By mode_num if it is a known number, else by the mode's name. */
static const struct proc_bond_mode *bond_mode_find(const json_t *bond)
{
	json_t *num = json_object_get(bond, "mode_num");
	const char *name = json_string_value(json_object_get(bond, "mode"));

	for (size_t i = 0; i < ARRAY_SIZE(bond_modes); i++) {
		if (json_is_integer(num) &&
		    json_integer_value(num) == bond_modes[i].num)
			return &bond_modes[i];
	}
	for (size_t i = 0; name && i < ARRAY_SIZE(bond_modes); i++) {
		if (!strcmp(name, bond_modes[i].name))
			return &bond_modes[i];
	}
	return NULL;
}

/* "63 (activity short_timeout ...)": the raw octet and its words, from the
 * reply's "state" list or, lacking it, decoded from "state_raw". */
static void print_port_state(FILE *out, const json_t *info)
{
	json_t *raw = json_object_get(info, "state_raw");
	json_t *words = json_object_get(info, "state");
	char list[LIST_LEN];
	size_t used = 0;

	if (json_is_array(words)) {
		fmt_list(words, list, sizeof(list));
		if (!strcmp(list, "-"))
			list[0] = '\0';
	} else if (json_is_integer(raw)) {
		list[0] = '\0';
		for (unsigned b = 0; b < 8; b++) {
			if (!(json_integer_value(raw) & (1u << b)))
				continue;
			used += (size_t)snprintf(
			    list + used, sizeof(list) - used, "%s%s",
			    used ? " " : "", lacp_state_bit_names[b]);
		}
	} else {
		list[0] = '\0';
	}

	fputs("    port state: ", out);
	if (json_is_integer(raw))
		fprintf(out, "%" JSON_INTEGER_FORMAT "%s",
			json_integer_value(raw), list[0] ? " " : "");
	if (list[0])
		fprintf(out, json_is_integer(raw) ? "(%s)" : "%s", list);
	if (!json_is_integer(raw) && !list[0])
		fputc('-', out);
	fputc('\n', out);
}

/* "details actor lacp pdu:" as bond_procfs.c prints it; the partner's key
 * is its "oper key" there. */
static void print_lacp_pdu(FILE *out, const char *who, const json_t *info,
			   const char *key_label)
{
	fprintf(out, "details %s lacp pdu:\n", who);
	print_field(out, "    ", "system priority",
		    json_object_get(info, "system_priority"));
	print_field(out, "    ", "system mac address",
		    json_object_get(info, "system"));
	print_field(out, "    ", key_label, json_object_get(info, "key"));
	print_field(out, "    ", "port priority",
		    json_object_get(info, "port_priority"));
	print_field(out, "    ", "port number", json_object_get(info, "port"));
	print_port_state(out, info);
}

static const struct field_line bond_lacp_lines[] = {
    {"", "LACP rate", "rate", false},
    {"", "Min links", "min_links", false},
    {"", "Aggregator selection policy (ad_select)", "ad_select", false},
    {"", "System priority", "sys_priority", false},
    {"", "System MAC address", "sys_mac", false},
};

static const struct field_line aggregator_lines[] = {
    {"\t", "Aggregator ID", "aggregator_id", false},
    {"\t", "Number of ports", "num_ports", false},
    {"\t", "Actor Key", "actor_key", false},
    {"\t", "Partner Key", "partner_key", false},
    {"\t", "Partner Mac Address", "partner_mac", false},
};

static const struct field_line member_lacp_lines[] = {
    {"", "Aggregator ID", "aggregator_id", false},
    {"", "Selected", "selected", false},
    {"", "Actor Churn State", "actor_churn", false},
    {"", "Partner Churn State", "partner_churn", false},
    {"", "Receive State", "rx_state", true},
    {"", "Mux State", "mux_state", true},
    {"", "Periodic State", "periodic_state", true},
};

static void print_bond_lacp(FILE *out, const json_t *lacp)
{
	char buf[CELL_LEN];

	fputs("\n802.3ad info\n", out);
	fprintf(out, "LACP active: %s\n",
		fmt_bool(json_object_get(lacp, "active"), "on", "off", buf,
			 sizeof(buf)));
	print_fields(out, lacp, bond_lacp_lines, ARRAY_SIZE(bond_lacp_lines));
	fputs("Active Aggregator Info:\n", out);
	print_fields(out, lacp, aggregator_lines, ARRAY_SIZE(aggregator_lines));
}

static void print_member_lacp(FILE *out, json_t *lacp)
{
	json_t *counters = json_object_get(lacp, "counters");
	const char *key;
	json_t *v;

	print_fields(out, lacp, member_lacp_lines,
		     ARRAY_SIZE(member_lacp_lines));
	print_lacp_pdu(out, "actor", json_object_get(lacp, "actor"),
		       "port key");
	print_lacp_pdu(out, "partner", json_object_get(lacp, "partner"),
		       "oper key");
	if (!json_is_object(counters))
		return;
	fputs("LACP counters:\n", out);
	json_object_foreach(counters, key, v)
	{
		char name[CELL_LEN];

		print_field(out, "    ",
			    vflagctl_sanitize(key, name, sizeof(name)), v);
	}
}

static void print_member(FILE *out, json_t *m)
{
	char name[CELL_LEN], dev[CELL_LEN], tx[CELL_LEN], rx[CELL_LEN];
	json_t *lacp = json_object_get(m, "lacp");

	fprintf(out, "\nSlave Interface: %s (%s)\n",
		fmt_value(json_object_get(m, "name"), name, sizeof(name)),
		fmt_value(json_object_get(m, "dev"), dev, sizeof(dev)));
	print_field(out, "", "MII Status", json_object_get(m, "link"));
	print_field(out, "", "Link Failure Count",
		    json_object_get(m, "link_failures"));
	print_field(out, "", "Permanent HW addr", json_object_get(m, "mac"));
	fprintf(
	    out, "State: %s (tx %s, rx %s)\n",
	    fmt_value(json_object_get(m, "state"), name, sizeof(name)),
	    fmt_bool(json_object_get(m, "tx"), "on", "off", tx, sizeof(tx)),
	    fmt_bool(json_object_get(m, "rx"), "on", "off", rx, sizeof(rx)));
	if (json_is_object(lacp))
		print_member_lacp(out, lacp);
}

static void print_bond(FILE *out, json_t *b)
{
	const struct proc_bond_mode *mode = bond_mode_find(b);
	json_t *policy = json_object_get(b, "xmit_hash_policy");
	json_t *lacp = json_object_get(b, "lacp");
	json_t *active = json_object_get(b, "active");
	char buf[CELL_LEN];
	uint32_t num;
	size_t i;
	json_t *m;

	print_field(out, "", "Bond", json_object_get(b, "name"));
	if (mode)
		fprintf(out, "Bonding Mode: %s\n", mode->text);
	else
		print_field(out, "", "Bonding Mode",
			    json_object_get(b, "mode"));
	if (policy && (!mode || mode->num != BOND_MODE_AB)) {
		fprintf(out, "Transmit Hash Policy: %s",
			fmt_value(policy, buf, sizeof(buf)));
		/* The kernel's number after the name, from the one table
		 * that vflagd parses with. */
		if (json_is_string(policy) &&
		    !bond_enum_parse(&bond_hash_policy_enum,
				     json_string_value(policy), &num))
			fprintf(out, " (%" PRIu32 ")", num);
		fputc('\n', out);
		/* devlink's lag_port_select_mode: which of the two spreads
		 * the VFs' flows (queue_affinity ignores the policy above). */
		print_field_opt(out, "", "Port Selection",
				json_object_get(b, "port_select"));
	}
	fprintf(out, "MII Status: %s\n",
		fmt_bool(json_object_get(b, "carrier"), "up", "down", buf,
			 sizeof(buf)));
	print_field(out, "", "MII Polling Interval (ms)",
		    json_object_get(b, "miimon"));
	print_field(out, "", "Up Delay (ms)", json_object_get(b, "updelay"));
	print_field(out, "", "Down Delay (ms)",
		    json_object_get(b, "downdelay"));
	if (mode && mode->num == BOND_MODE_AB) {
		json_t *primary = json_object_get(b, "primary");

		fprintf(out, "Primary Slave: %s\n",
			json_is_null(primary) || !primary
			    ? "None"
			    : fmt_value(primary, buf, sizeof(buf)));
	}
	if (active)
		fprintf(out, "Currently Active Slave: %s\n",
			json_is_null(active)
			    ? "None"
			    : fmt_value(active, buf, sizeof(buf)));
	/* switchdev: the LAG's eswitch mode, and why it is not its
	 * members' (as devlink refuses a LAG over PFs in different modes). */
	print_field_opt(out, "", "Eswitch Mode",
			json_object_get(b, "eswitch_mode"));
	print_field_opt(out, "", "LAG Representor",
			json_object_get(b, "representor"));
	if (json_is_string(json_object_get(b, "eswitch_reason")))
		print_field(out, "", "LAG not in the new mode",
			    json_object_get(b, "eswitch_reason"));
	if (json_is_object(lacp))
		print_bond_lacp(out, lacp);
	json_array_foreach(json_object_get(b, "members"), i, m)
	{
		if (json_is_object(m))
			print_member(out, m);
	}
}

int vflagctl_print_bonds(FILE *out, json_t *data)
{
	json_t *bonds = json_object_get(data, "bonds");
	bool first = true;
	size_t i;
	json_t *b;

	if (!json_is_array(bonds))
		return -EINVAL;
	json_array_foreach(bonds, i, b)
	{
		if (!json_is_object(b))
			continue;
		if (!first)
			fputc('\n', out);
		first = false;
		print_bond(out, b);
	}
	return 0;
}

/* eswitch show: devlink dev eswitch show, per PF, with its LAG */

static const struct column eswitch_columns[] = {
    {"PF", "pf"},
    {"DEV", "dev"},
    {"MODE", "mode"},
    {"MODE_SET", "mode_set"},
    {"HW-TC-OFFLOAD", "hw_tc_offload"},
    {"BOND", "bond"},
    {"LAG_MODE", "lag_mode"},
    {"LAG_REP", "representor"},
};

int vflagctl_print_eswitch(FILE *out, json_t *data)
{
	json_t *rows = json_object_get(data, "eswitch");
	json_t *flat, *row;
	size_t i;

	if (!json_is_array(rows))
		return -EINVAL;
	flat = json_array();
	if (!flat)
		return -ENOMEM;
	/* One table: the LAG's fields flattened into its PF's row. */
	json_array_foreach(rows, i, row)
	{
		json_t *r = json_deep_copy(row),
		       *lag = json_object_get(row, "lag");

		if (!r)
			continue;
		if (json_is_object(lag)) {
			json_object_set(r, "bond",
					json_object_get(lag, "bond"));
			json_object_set(r, "lag_mode",
					json_object_get(lag, "mode"));
			json_object_set(r, "representor",
					json_object_get(lag, "representor"));
		}
		json_array_append_new(flat, r);
	}
	print_table(out, flat, eswitch_columns, ARRAY_SIZE(eswitch_columns),
		    false);
	json_array_foreach(rows, i, row)
	{
		json_t *why =
		    json_object_get(json_object_get(row, "lag"), "reason");
		char pf[CELL_LEN], buf[LIST_LEN];

		if (json_is_string(why))
			fprintf(out, "%s: LAG not in the new mode: %s\n",
				fmt_value(json_object_get(row, "pf"), pf,
					  sizeof(pf)),
				fmt_value(why, buf, sizeof(buf)));
	}
	json_decref(flat);
	return 0;
}

/* Counters, as ethtool -S */

int vflagctl_print_stats(FILE *out, json_t *data)
{
	json_t *ports = json_object_get(data, "ports");
	size_t i;
	json_t *p;

	if (!json_is_array(ports))
		return -EINVAL;
	json_array_foreach(ports, i, p)
	{
		char name[CELL_LEN], kind[CELL_LEN], dev[CELL_LEN];
		const char *key;
		json_t *v;

		if (!json_is_object(p))
			continue;
		fprintf(
		    out, "%s (%s, %s):\n",
		    fmt_value(json_object_get(p, "name"), name, sizeof(name)),
		    fmt_value(json_object_get(p, "kind"), kind, sizeof(kind)),
		    fmt_value(json_object_get(p, "dev"), dev, sizeof(dev)));
		json_object_foreach(json_object_get(p, "counters"), key, v)
		{
			print_field(out, "     ",
				    vflagctl_sanitize(key, name, sizeof(name)),
				    v);
		}
	}
	return 0;
}

int vflagctl_print_xmit_member(FILE *out, json_t *data)
{
	json_t *hash = json_object_get(data, "hash");
	char member[CELL_LEN], policy[CELL_LEN], usable[LIST_LEN];

	if (!json_object_get(data, "member"))
		return -EINVAL;
	fprintf(
	    out, "flow -> %s (hash ",
	    fmt_value(json_object_get(data, "member"), member, sizeof(member)));
	if (json_is_integer(hash))
		fprintf(out, "0x%08llx",
			(unsigned long long)json_integer_value(hash));
	else
		fputc('-', out);
	fprintf(
	    out, ", %s, usable: %s)\n",
	    fmt_value(json_object_get(data, "xmit_hash_policy"), policy,
		      sizeof(policy)),
	    fmt_list(json_object_get(data, "usable"), usable, sizeof(usable)));
	return 0;
}

/* The offload table, as tc filter show would list it, one rule a line. */

static const struct column flow_columns[] = {
    {"DEV", "dev"},	    {"PRIO", "prio"},	  {"CHAIN", "chain"},
    {"HANDLE", "handle"},   {"ORIGIN", "origin"}, {"PACKETS", "packets"},
    {"BYTES", "bytes"},	    {"USED", "used"},	  {"MATCH", "match"},
    {"ACTIONS", "actions"}, {"STATE", "state"},
};
#define FLOW_STATS_COLS 3 /* PACKETS BYTES USED: only with -s */

/* A rule's row: the fields flattened, state as `flow show` words it. */
static json_t *flow_row(json_t *rule, bool *stats)
{
	json_t *row = json_deep_copy(rule), *st;
	const char *reason;
	char buf[CELL_LEN + 16];

	if (!row)
		return NULL;
	reason = json_string_value(json_object_get(rule, "reason"));
	if (json_is_true(json_object_get(rule, "in_hw"))) {
		json_object_set_new(row, "state", json_string("in_hw"));
	} else {
		snprintf(buf, sizeof(buf), "not_in_hw: %s",
			 reason ? reason : "?");
		json_object_set_new(row, "state", json_string(buf));
	}
	if (!json_string_length(json_object_get(rule, "match")))
		json_object_set_new(row, "match", json_string("(all)"));
	st = json_object_get(rule, "stats");
	if (json_is_object(st)) {
		json_t *used = json_object_get(st, "last_used");

		*stats = true;
		json_object_set(row, "packets", json_object_get(st, "packets"));
		json_object_set(row, "bytes", json_object_get(st, "bytes"));
		if (json_is_number(used)) {
			snprintf(buf, sizeof(buf), "%.1fs",
				 json_number_value(used));
			json_object_set_new(row, "used", json_string(buf));
		} else {
			json_object_set_new(row, "used", json_string("never"));
		}
	}
	return row;
}

int vflagctl_print_flows(FILE *out, json_t *data)
{
	json_t *rules = json_object_get(data, "rules"), *rows, *rule;
	struct column cols[ARRAY_SIZE(flow_columns)];
	size_t i, n = 0;
	bool stats = false;

	if (!json_is_array(rules))
		return -EINVAL;
	rows = json_array();
	json_array_foreach(rules, i, rule)
	{
		if (json_is_object(rule))
			json_array_append_new(rows, flow_row(rule, &stats));
	}
	for (i = 0; i < ARRAY_SIZE(flow_columns); i++)
		if (stats || i < 5 || i >= 5 + FLOW_STATS_COLS)
			cols[n++] = flow_columns[i];
	if (json_array_size(rows))
		print_table(out, rows, cols, n, false);
	if (json_integer_value(json_object_get(data, "total")) >
	    (json_int_t)json_array_size(rows))
		fprintf(out,
			"(the first %zu of %" JSON_INTEGER_FORMAT
			" rules: narrow with dev PORT)\n",
			json_array_size(rows),
			json_integer_value(json_object_get(data, "total")));
	fprintf(out,
		"%zu rule(s), %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
		" masks in use\n",
		json_array_size(rows),
		json_integer_value(json_object_get(data, "masks")),
		json_integer_value(json_object_get(data, "max_masks")));
	json_decref(rows);
	return 0;
}

int vflagctl_print_flow_add(FILE *out, json_t *data)
{
	json_t *rule = json_object_get(data, "rule");
	json_t *rows = json_array();
	bool stats = false;

	if (!json_is_object(rule) || !rows) {
		json_decref(rows);
		return -EINVAL;
	}
	json_array_append_new(rows, flow_row(rule, &stats));
	{
		json_t *wrap = json_pack("{s:o, s:i, s:i}", "rules", rows,
					 "masks", 0, "max_masks", 0);
		json_t *r = json_object_get(wrap, "rules");
		const struct column *c = flow_columns;
		struct column cols[] = {c[0], c[1], c[2], c[3], c[10]};

		print_table(out, r, cols, ARRAY_SIZE(cols), false);
		json_decref(wrap);
	}
	return 0;
}

void vflagctl_print_json(FILE *out, const json_t *data, bool pretty)
{
	size_t flags =
	    JSON_ENCODE_ANY | (pretty ? JSON_INDENT(4) : JSON_COMPACT);

	if (json_dumpf(data, out, flags) == 0)
		fputc('\n', out);
}
