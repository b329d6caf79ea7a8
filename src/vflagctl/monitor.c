/* `vflagctl monitor` (see monitor.h). Each interval becomes one JSON
 * object (the -j output); the table for people is printed from that same
 * object, so the two never disagree. */
#include "vflagctl/monitor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vflag/ctl.h"
#include "vflagctl/client.h"
#include "vflagctl/print.h"

#define MONITOR_DEFAULT_INTERVAL 1.0
#define MONITOR_MIN_INTERVAL 0.05 /* two round trips each; not a flood */

struct monitor_opts {
	const char *bond; /* NULL: every bond */
	double interval;  /* seconds */
	long count;	  /* intervals to print; 0: until interrupted */
};

/* One look at vflagd: its bonds and every port's counters. */
struct monitor_sample {
	json_t *bonds; /* `bond show` data: {"bonds": [...]} */
	json_t *ports; /* `stats` data's "ports" array */
	double time;   /* monotonic seconds when it was taken */
	struct vflagctl_reply r_bonds, r_stats; /* own the JSON above */
};

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_args(int argc, char **argv, struct monitor_opts *o, FILE *err)
{
	char buf[64];

	o->bond = NULL;
	o->interval = MONITOR_DEFAULT_INTERVAL;
	o->count = 0;
	for (int i = 0; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "-i") && i + 1 < argc) {
			errno = 0;
			o->interval = strtod(argv[++i], &end);
			if (errno || *end ||
			    !(o->interval >= MONITOR_MIN_INTERVAL) ||
			    o->interval > 3600)
				goto bad;
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			errno = 0;
			o->count = strtol(argv[++i], &end, 10);
			if (errno || *end || o->count < 1)
				goto bad;
		} else if (argv[i][0] != '-' && !o->bond) {
			o->bond = argv[i];
		} else {
			goto bad;
		}
		continue;
	bad:
		fprintf(err, "vflagctl: monitor: bad argument \"%s\"\n",
			vflagctl_sanitize(argv[i], buf, sizeof(buf)));
		fprintf(err,
			"usage: vflagctl monitor [BOND] [-i SECONDS] [-n "
			"COUNT]\n"
			"where  SECONDS >= 0.05 (default 1), COUNT >= 1\n");
		return VFLAG_EXIT_USAGE;
	}
	return 0;
}

static void sample_release(struct monitor_sample *s)
{
	vflagctl_reply_release(&s->r_bonds);
	vflagctl_reply_release(&s->r_stats);
	memset(s, 0, sizeof(*s));
}

/* One round trip; returns an exit code, the reply's data in *data. */
static int call(const char *path, int argc, char **argv,
		struct vflagctl_reply *r, json_t **data, FILE *err)
{
	char why[1024], buf[1024];
	int ret = vflagctl_call(path, argc, argv, r, why, sizeof(why));

	if (ret) {
		fprintf(err, "vflagctl: %s\n", why);
		return VFLAG_EXIT_NODAEMON;
	}
	if (!r->ok) {
		fprintf(err, "Error: %s\n",
			vflagctl_sanitize(r->error, buf, sizeof(buf)));
		return VFLAG_EXIT_REFUSED;
	}
	*data = r->data;
	return 0;
}

static int sample_take(const char *path, const struct monitor_opts *o,
		       struct monitor_sample *s, FILE *err)
{
	char *bond_argv[] = {"bond", "show", (char *)o->bond, NULL};
	char *stats_argv[] = {"stats", NULL};
	json_t *stats = NULL;
	int code;

	memset(s, 0, sizeof(*s));
	s->time = mono_now();
	code =
	    call(path, o->bond ? 3 : 2, bond_argv, &s->r_bonds, &s->bonds, err);
	if (!code)
		code = call(path, 1, stats_argv, &s->r_stats, &stats, err);
	if (!code) {
		s->ports = stats ? json_object_get(stats, "ports") : NULL;
		if (!json_is_array(s->ports) ||
		    !json_is_array(json_object_get(s->bonds, "bonds"))) {
			fprintf(err, "vflagctl: monitor: unexpected reply "
				     "from vflagd\n");
			code = VFLAG_EXIT_NODAEMON;
		}
	}
	if (code)
		sample_release(s);
	return code;
}

/* The counters object of the uplink of PF `name`, or NULL. */
static json_t *uplink_counters(json_t *ports, const char *name)
{
	size_t i;
	json_t *p;

	json_array_foreach(ports, i, p)
	{
		const char *n = json_string_value(json_object_get(p, "name"));
		const char *k = json_string_value(json_object_get(p, "kind"));

		if (n && k && !strcmp(n, name) && !strcmp(k, "uplink"))
			return json_object_get(p, "counters");
	}
	return NULL;
}

static json_int_t counter(json_t *counters, const char *key)
{
	json_t *v = counters ? json_object_get(counters, key) : NULL;

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* Per second between two samples; 0 when the counter went back (the
 * member was removed and added again). */
static double rate(json_int_t now, json_int_t before, double dt)
{
	return now >= before && dt > 0 ? (double)(now - before) / dt : 0;
}

static json_t *string_or_null(json_t *v)
{
	return json_is_string(v) ? json_incref(v) : json_null();
}

static json_t *member_json(json_t *m, const struct monitor_sample *prev,
			   const struct monitor_sample *cur)
{
	const char *name = json_string_value(json_object_get(m, "name"));
	json_t *now = uplink_counters(cur->ports, name ? name : "");
	json_t *was = uplink_counters(prev->ports, name ? name : "");
	json_t *lacp = json_object_get(m, "lacp");
	double dt = cur->time - prev->time;
	json_t *o = json_object();

#define RATE(key) rate(counter(now, key), counter(was, key), dt)
	json_object_set_new(o, "name",
			    string_or_null(json_object_get(m, "name")));
	json_object_set_new(o, "dev",
			    string_or_null(json_object_get(m, "dev")));
	json_object_set_new(o, "link",
			    string_or_null(json_object_get(m, "link")));
	json_object_set_new(o, "state",
			    string_or_null(json_object_get(m, "state")));
	json_object_set_new(
	    o, "tx", json_boolean(json_is_true(json_object_get(m, "tx"))));
	json_object_set_new(o, "lacp_mux",
			    string_or_null(json_object_get(lacp, "mux_state")));
	json_object_set_new(o, "rx_pps", json_real(RATE("rx_packets_phy")));
	json_object_set_new(o, "tx_pps", json_real(RATE("tx_packets_phy")));
	json_object_set_new(o, "rx_bytes_per_s",
			    json_real(RATE("rx_bytes_phy")));
	json_object_set_new(o, "tx_bytes_per_s",
			    json_real(RATE("tx_bytes_phy")));
	json_object_set_new(o, "rx_packets",
			    json_integer(counter(now, "rx_packets_phy")));
	json_object_set_new(o, "tx_packets",
			    json_integer(counter(now, "tx_packets_phy")));
	json_object_set_new(o, "rx_bytes",
			    json_integer(counter(now, "rx_bytes_phy")));
	json_object_set_new(o, "tx_bytes",
			    json_integer(counter(now, "tx_bytes_phy")));
#undef RATE
	return o;
}

/* The interval between prev and cur as one object (doc/ctl.md). */
static json_t *interval_json(const struct monitor_sample *prev,
			     const struct monitor_sample *cur)
{
	json_t *bonds = json_array();
	size_t i, j;
	json_t *b, *m;

	json_array_foreach(json_object_get(cur->bonds, "bonds"), i, b)
	{
		json_t *members = json_array();
		json_t *o;

		json_array_foreach(json_object_get(b, "members"), j, m)
		    json_array_append_new(members, member_json(m, prev, cur));
		o = json_object();
		json_object_set_new(o, "name",
				    string_or_null(json_object_get(b, "name")));
		json_object_set_new(o, "mode",
				    string_or_null(json_object_get(b, "mode")));
		json_object_set_new(
		    o, "carrier",
		    json_boolean(json_is_true(json_object_get(b, "carrier"))));
		json_object_set_new(
		    o, "active", string_or_null(json_object_get(b, "active")));
		json_object_set_new(o, "members", members);
		json_array_append_new(bonds, o);
	}
	return json_pack("{s:f, s:o}", "interval", cur->time - prev->time,
			 "bonds", bonds);
}

/* 1234567 -> "1.2M": rates for people. */
static const char *human(double v, char *buf, size_t len)
{
	static const char units[] = " KMGT";
	unsigned u = 0;

	while (v >= 1000 && u < sizeof(units) - 2) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

static const char *str(json_t *o, const char *key, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? vflagctl_sanitize(s, buf, len) : "-";
}

static void print_table(FILE *out, json_t *iv, bool tty)
{
	size_t i, j;
	json_t *b, *m;

	/* Home and clear: the table stays in place, as watch(1) keeps it. */
	if (tty)
		fputs("\033[H\033[2J", out);
	json_array_foreach(json_object_get(iv, "bonds"), i, b)
	{
		char name[32], mode[32], active[32];

		fprintf(out, "%s  %s  carrier %s  active %s  (%.1f s)\n",
			str(b, "name", name, sizeof(name)),
			str(b, "mode", mode, sizeof(mode)),
			json_is_true(json_object_get(b, "carrier")) ? "up"
								    : "down",
			str(b, "active", active, sizeof(active)),
			json_real_value(json_object_get(iv, "interval")));
		fprintf(out, "  %-8s %-10s %-5s %-7s %-24s %8s %9s %8s %9s\n",
			"MEMBER", "DEV", "LINK", "STATE", "LACP", "RX pps",
			"RX B/s", "TX pps", "TX B/s");
		json_array_foreach(json_object_get(b, "members"), j, m)
		{
			char n[32], dev[32], link[32], state[32], mux[32];
			char h[4][16];

			fprintf(
			    out,
			    "  %-8s %-10s %-5s %-7s %-24s %8s %9s %8s %9s\n",
			    str(m, "name", n, sizeof(n)),
			    str(m, "dev", dev, sizeof(dev)),
			    str(m, "link", link, sizeof(link)),
			    str(m, "state", state, sizeof(state)),
			    str(m, "lacp_mux", mux, sizeof(mux)),
			    human(json_real_value(json_object_get(m, "rx_pps")),
				  h[0], 16),
			    human(json_real_value(
				      json_object_get(m, "rx_bytes_per_s")),
				  h[1], 16),
			    human(json_real_value(json_object_get(m, "tx_pps")),
				  h[2], 16),
			    human(json_real_value(
				      json_object_get(m, "tx_bytes_per_s")),
				  h[3], 16));
		}
	}
	if (json_array_size(json_object_get(iv, "bonds")) == 0)
		fputs("no bonds\n", out);
	if (!tty)
		fputc('\n', out);
}

/* Sleeps until `until` (monotonic seconds); at once if that has passed. */
static void sleep_until(double until)
{
	struct timespec ts;

	ts.tv_sec = (time_t)until;
	ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

int vflagctl_monitor(const char *socket_path, bool json, int argc, char **argv,
		     FILE *out, FILE *err)
{
	struct monitor_opts o;
	struct monitor_sample prev, cur;
	bool tty = isatty(fileno(out));
	double start;
	int code;

	code = parse_args(argc, argv, &o, err);
	if (code)
		return code;
	code = sample_take(socket_path, &o, &prev, err);
	if (code)
		return code;
	start = prev.time;
	for (long n = 1; !o.count || n <= o.count; n++) {
		json_t *iv;

		/* On a fixed grid: a slow round trip does not drift it. */
		sleep_until(start + (double)n * o.interval);
		code = sample_take(socket_path, &o, &cur, err);
		if (code)
			break;
		iv = interval_json(&prev, &cur);
		if (json)
			vflagctl_print_json(out, iv, false);
		else
			print_table(out, iv, tty);
		fflush(out);
		json_decref(iv);
		sample_release(&prev);
		prev = cur;
	}
	sample_release(&prev);
	return code;
}
