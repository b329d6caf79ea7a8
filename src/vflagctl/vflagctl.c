/* vflagctl: global options, the table of objects (their usage and the
 * printers of their replies), and the one round trip to vflagd.
 *
 * vflagctl does not parse commands: vflagd does, and says when the words
 * are wrong. vflagctl only knows the objects, so that `OBJECT help` works
 * without a daemon and a reply can be printed for people. */
#include "vflagctl/vflagctl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "ctl/synopsis.h"
#include "vflag/ctl.h"
#include "vflagctl/batch.h"
#include "vflagctl/client.h"
#include "vflagctl/monitor.h"
#include "vflagctl/print.h"

#ifndef VFLAG_VERSION
#define VFLAG_VERSION "unknown"
#endif

#define ERROR_LEN 4096 /* an error message from vflagd, as printed */

/* A verb whose reply has a printer. */
struct vflagctl_verb {
	const char *name;
	vflagctl_print_fn print;
};

/* An object: the first command word. */
struct vflagctl_object {
	const char *name;
	const char *synopsis_of; /* whose lines of ctl_synopses help shows */
	const char *notes;	 /* what the synopsis' words mean */
	vflagctl_print_fn print; /* for the reply to `OBJECT [ARGS]` */
	const struct vflagctl_verb *verbs; /* `OBJECT VERB ...`; ends at NULL */
	bool alias;			   /* not listed in the overall usage */
};

static const struct vflagctl_verb pf_verbs[] = {
    {"show", vflagctl_print_pfs},
    {NULL, NULL},
};
static const struct vflagctl_verb vf_verbs[] = {
    {"show", vflagctl_print_vfs},
    {NULL, NULL},
};
static const struct vflagctl_verb bond_verbs[] = {
    {"show", vflagctl_print_bonds},
    {"xmit-member", vflagctl_print_xmit_member},
    {NULL, NULL},
};
static const struct vflagctl_verb eswitch_verbs[] = {
    {"show", vflagctl_print_eswitch},
    {NULL, NULL},
};
static const struct vflagctl_verb flow_verbs[] = {
    {"show", vflagctl_print_flows},
    {"add", vflagctl_print_flow_add},
    {NULL, NULL},
};
static const struct vflagctl_verb no_verbs[] = {{NULL, NULL}};

static const char pf_notes[] =
    "where  NAME := 1..8 characters [a-z0-9], starting with a letter\n"
    "       N := 0..64 (a non-zero N cannot change to another non-zero N)\n"
    "A PF named pf0 with numvfs 2 gets VF ports pf0vf0, pf0vf1 and\n"
    "representors pf0_0, pf0_1.\n";
static const char vf_notes[] =
    "where  NS := a network namespace; - brings the VF port back\n";
static const char bond_notes[] =
    "where  MODE := { active-backup | 1 | balance-xor | 2 | 802.3ad | 4 }\n"
    "       BOND_OPTS := [miimon MS] [updelay MS] [downdelay MS]\n"
    "                    [primary PF|none]\n"
    "                    [xmit_hash_policy "
    "layer2|layer2+3|layer3+4|encap2+3|encap3+4]\n"
    "                    [lacp_rate slow|fast] [lacp_active on|off]\n"
    "                    [ad_select stable|bandwidth|count] [min_links N]\n"
    "                    [sys_prio N] [lacp_wait_ms MS]\n"
    "                    [lacp_wait_shortcut on|off]\n"
    "                    [port_select queue_affinity|hash]\n"
    "       FLOW := [smac MAC] [dmac MAC] [vlan ID] [proto tcp|udp|icmp|N]\n"
    "               src IP dst IP [sport N] [dport N]\n"
    "             | hex HEXBYTES\n";
static const char flow_notes[] =
    "where  PORT := a VF representor (PF_N), a PF in no bond, or a bond\n"
    "       MATCH := [src_mac|dst_mac MAC[/MASK]] [vlan_id VID]\n"
    "                [eth_type ipv4|ipv6|arp|802.1Q|802.1ad|0xHHHH]\n"
    "                [ip_proto tcp|udp|icmp|icmpv6|sctp|N]\n"
    "                [src_ip|dst_ip PREFIX] [src_port|dst_port N]\n"
    "       ACTION := mirred egress redirect dev PORT | drop\n"
    "               | vlan push id VID [protocol 802.1Q|802.1ad] "
    "[priority PCP]\n"
    "               | vlan pop\n"
    "tc-flower's words: IP fields need eth_type ipv4/ipv6, ports need\n"
    "ip_proto tcp/udp/sctp. Actions run pop, push, then drop or redirect;\n"
    "a rule without either goes on to the representor. -s adds counters.\n"
    "Many rules: vflagctl -b FILE (one command a line, one connection).\n";
static const char stats_notes[] =
    "where  PORT := a PF name, a VF port or representor name, or a bond's\n"
    "               (its LAG representor)\n";
static const char monitor_notes[] =
    "where  SECONDS := refresh interval, >= 0.05 (default 1)\n"
    "       COUNT := stop after COUNT intervals (default: never)\n"
    "Per member of every bond (or BOND): link, state, LACP mux state and\n"
    "rx/tx packets and bytes per second of its uplink (the *_phy counters),\n"
    "redrawn in place on a terminal; with -j one JSON object per interval.\n";
static const char eswitch_notes[] =
    "As devlink dev eswitch set: switchdev makes each VF's eswitch end\n"
    "(pf0_0, or the TAP) its representor and a bond's netdev (bond0) its\n"
    "LAG representor; both PFs of a bond must be in the same mode.\n";
static const char map_rep_notes[] =
    "Shows which representor stands for which VF, and where the VF is.\n";

/* The objects vflagctl knows; anything else is a usage error. */
static const struct vflagctl_object objects[] = {
    {"pf", "pf", pf_notes, NULL, pf_verbs, false},
    {"vf", "vf", vf_notes, NULL, vf_verbs, false},
    {"bond", "bond", bond_notes, NULL, bond_verbs, false},
    {"flow", "flow", flow_notes, NULL, flow_verbs, false},
    {"stats", "stats", stats_notes, vflagctl_print_stats, no_verbs, false},
    {"map-rep", "map-rep", map_rep_notes, vflagctl_print_map_rep, no_verbs,
     false},
    {"eswitch", "eswitch", eswitch_notes, NULL, eswitch_verbs, false},
    {"monitor", "monitor", monitor_notes, NULL, no_verbs, false},
    {"teardown", "teardown", NULL, NULL, no_verbs, false},
    {"log", "log", NULL, NULL, no_verbs, false},
    {"show", "pf", pf_notes, vflagctl_print_pfs, no_verbs, true},
};

static const struct vflagctl_object *object_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(objects); i++) {
		if (!strcmp(objects[i].name, name))
			return &objects[i];
	}
	return NULL;
}

/* The printer for the reply to words[0..n): the verb's, else the
 * object's own; NULL if there is none. */
static vflagctl_print_fn printer_find(const struct vflagctl_object *obj, int n,
				      char *const words[])
{
	if (n >= 2) {
		for (const struct vflagctl_verb *v = obj->verbs; v->name; v++) {
			if (!strcmp(v->name, words[1]))
				return v->print;
		}
	}
	return obj->print;
}

static void usage(FILE *f)
{
	const char *sep = "";

	fputs("Usage: vflagctl [OPTIONS] OBJECT { COMMAND | help }\n"
	      "       vflagctl [OPTIONS] show\n"
	      "       vflagctl [OPTIONS] -b FILE|-\n"
	      "       vflagctl help [OBJECT]\n"
	      "where  OBJECT := { ",
	      f);
	for (size_t i = 0; i < ARRAY_SIZE(objects); i++) {
		if (objects[i].alias)
			continue;
		fprintf(f, "%s%s", sep, objects[i].name);
		sep = " | ";
	}
	fputs(
	    " }\n"
	    "       OPTIONS := { -j|--json | -p|--pretty | -s|--socket PATH |\n"
	    "                    -b|--batch FILE | --progress | -h|--help |\n"
	    "                    -V|--version }\n"
	    "PATH is $" VFLAG_CTL_SOCKET_ENV
	    " if set, else " VFLAG_CTL_DEFAULT_SOCKET ".\n"
	    "Exit: 0 done, 1 refused by vflagd, 2 usage, 3 no vflagd.\n",
	    f);
}

static void object_usage(FILE *f, const struct vflagctl_object *obj)
{
	const char *lead = "Usage:";

	for (size_t i = 0; i < ctl_synopses_count; i++) {
		const struct ctl_synopsis *s = &ctl_synopses[i];

		if (strcmp(s->object, obj->synopsis_of))
			continue;
		fprintf(f, "%s vflagctl %s\n", lead, s->line);
		lead = "      ";
	}
	if (obj->notes)
		fputs(obj->notes, f);
}

struct vflagctl_opts {
	bool json;	    /* -j: print data as JSON */
	bool pretty;	    /* -p: indented JSON */
	bool progress;	    /* --progress: a long operation's progress */
	const char *socket; /* -s PATH */
	const char *batch;  /* -b FILE */
};

/* Parses the options before the first command word. Returns the index of
 * that word, or -1 with *code set to the exit code (after -h, -V, or an
 * error). Hand-written rather than getopt, which keeps global state that
 * repeated calls from tests would have to reset. */
static int parse_options(int argc, char **argv, struct vflagctl_opts *o,
			 FILE *out, FILE *err, int *code)
{
	char buf[64];
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0')
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[1] == '-') {
			if (!strcmp(a, "--json")) {
				o->json = true;
			} else if (!strcmp(a, "--pretty")) {
				o->pretty = true;
			} else if (!strcmp(a, "--progress")) {
				o->progress = true;
			} else if (!strcmp(a, "--help")) {
				usage(out);
				*code = VFLAG_EXIT_OK;
				return -1;
			} else if (!strcmp(a, "--version")) {
				fprintf(out, "vflagctl %s\n", VFLAG_VERSION);
				*code = VFLAG_EXIT_OK;
				return -1;
			} else if (!strcmp(a, "--batch")) {
				if (i + 1 >= argc)
					goto err_missing_path;
				o->batch = argv[++i];
			} else if (!strncmp(a, "--socket=", 9)) {
				o->socket = a + 9;
			} else if (!strcmp(a, "--socket")) {
				if (i + 1 >= argc)
					goto err_missing_path;
				o->socket = argv[++i];
			} else {
				goto err_unknown;
			}
			continue;
		}
		for (const char *c = a + 1; *c; c++) {
			switch (*c) {
			case 'j':
				o->json = true;
				break;
			case 'p':
				o->pretty = true;
				break;
			case 'h':
				usage(out);
				*code = VFLAG_EXIT_OK;
				return -1;
			case 'V':
				fprintf(out, "vflagctl %s\n", VFLAG_VERSION);
				*code = VFLAG_EXIT_OK;
				return -1;
			case 'b':
				if (c[1]) {
					o->batch = c + 1;
				} else {
					if (i + 1 >= argc)
						goto err_missing_path;
					o->batch = argv[++i];
				}
				goto next_arg;
			case 's':
				if (c[1]) {
					o->socket = c + 1; /* -sPATH */
				} else {
					if (i + 1 >= argc)
						goto err_missing_path;
					o->socket = argv[++i];
				}
				goto next_arg;
			default:
				goto err_unknown;
			}
		}
	next_arg:;
	}
	return i;

err_missing_path:
	fprintf(err, "vflagctl: option %s needs a PATH (or FILE)\n", argv[i]);
	usage(err);
	*code = VFLAG_EXIT_USAGE;
	return -1;
err_unknown:
	fprintf(err, "vflagctl: unknown option %s\n",
		vflagctl_sanitize(argv[i], buf, sizeof(buf)));
	usage(err);
	*code = VFLAG_EXIT_USAGE;
	return -1;
}

static const char *socket_path(const struct vflagctl_opts *o)
{
	const char *env = getenv(VFLAG_CTL_SOCKET_ENV);

	if (o->socket && o->socket[0])
		return o->socket;
	if (env && env[0])
		return env;
	return VFLAG_CTL_DEFAULT_SOCKET;
}

/* Prints a successful reply's data: nothing for null, JSON with -j, else
 * the command's printer, else (no printer, or data of a shape it does not
 * know) indented JSON. */
static void print_data(FILE *out, const struct vflagctl_opts *o,
		       const struct vflagctl_object *obj, int n,
		       char *const words[], json_t *data)
{
	vflagctl_print_fn print;

	if (!data)
		return;
	if (o->json) {
		vflagctl_print_json(out, data, o->pretty);
		return;
	}
	print = printer_find(obj, n, words);
	if (!print || print(out, data))
		vflagctl_print_json(out, data, true);
}

/* How a long operation's progress is shown (doc/ctl.md "Long operations"):
 * with -j --progress, each object as a JSON line on stdout before the
 * reply's data; else on stderr, redrawn in place on a terminal, a line per
 * report with --progress elsewhere. */
struct progress_view {
	FILE *out, *err;
	const struct vflagctl_opts *o;
	bool tty;   /* stderr is a terminal */
	bool drawn; /* a line is on the terminal, to be cleared */
};

static void progress_show(void *arg, json_t *p)
{
	struct progress_view *v = arg;
	const char *op = json_string_value(json_object_get(p, "op"));
	json_int_t done = json_integer_value(json_object_get(p, "done"));
	json_int_t total = json_integer_value(json_object_get(p, "total"));
	char buf[64];

	if (v->o->json) {
		json_t *line = json_pack("{s:O}", "progress", p);

		vflagctl_print_json(v->out, line, false);
		json_decref(line);
		fflush(v->out);
		return;
	}
	vflagctl_sanitize(op ? op : "working", buf, sizeof(buf));
	if (v->tty) {
		fprintf(v->err, "\r\033[K%s: %lld/%lld VFs", buf,
			(long long)done, (long long)total);
		v->drawn = true;
	} else {
		fprintf(v->err, "%s: %lld/%lld VFs\n", buf, (long long)done,
			(long long)total);
	}
	fflush(v->err);
}

int vflagctl_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct vflagctl_opts opts = {0};
	const struct vflagctl_object *obj;
	struct vflagctl_reply reply;
	char why[1024], buf[ERROR_LEN];
	struct progress_view view;
	char **words;
	bool want;
	int first, n, ret, code = VFLAG_EXIT_OK;

	first = parse_options(argc, argv, &opts, out, err, &code);
	if (first < 0)
		return code;
	words = argv + first;
	n = argc - first;
	if (opts.batch && n == 0)
		return vflagctl_batch(socket_path(&opts), opts.batch, out, err);
	if (n <= 0) {
		usage(err);
		return VFLAG_EXIT_USAGE;
	}

	if (!strcmp(words[0], "help")) {
		if (n == 1) {
			usage(out);
			return VFLAG_EXIT_OK;
		}
		words++;
		n--;
	}
	obj = object_find(words[0]);
	if (!obj) {
		fprintf(err, "vflagctl: unknown object \"%s\"\n",
			vflagctl_sanitize(words[0], buf, 64));
		usage(err);
		return VFLAG_EXIT_USAGE;
	}
	if (words != argv + first || (n >= 2 && !strcmp(words[1], "help"))) {
		object_usage(out, obj);
		return VFLAG_EXIT_OK;
	}

	/* vflagctl's own loop over ordinary commands (monitor.h). */
	if (!strcmp(obj->name, "monitor"))
		return vflagctl_monitor(socket_path(&opts), opts.json, n - 1,
					words + 1, out, err);
	view = (struct progress_view){
	    .out = out, .err = err, .o = &opts, .tty = isatty(fileno(err))};
	/* Asked for whatever the command: vflagd sends progress only for
	 * long operations, and an older vflagd ignores the flag. */
	want = opts.progress || (!opts.json && view.tty);
	ret = vflagctl_call_progress(socket_path(&opts), n, words,
				     want ? progress_show : NULL, &view, &reply,
				     why, sizeof(why));
	if (view.drawn)
		fputs("\r\033[K", err);
	if (ret) {
		fprintf(err, "vflagctl: %s\n", why);
		return ret == -E2BIG || ret == -EINVAL ? VFLAG_EXIT_USAGE
						       : VFLAG_EXIT_NODAEMON;
	}
	if (reply.ok) {
		print_data(out, &opts, obj, n, words, reply.data);
	} else {
		fprintf(err, "Error: %s\n",
			vflagctl_sanitize(reply.error, buf, sizeof(buf)));
		if (reply.usage)
			fprintf(err, "Try \"vflagctl %s help\".\n", obj->name);
		code = reply.usage ? VFLAG_EXIT_USAGE : VFLAG_EXIT_REFUSED;
	}
	vflagctl_reply_release(&reply);
	return code;
}
