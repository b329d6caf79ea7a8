/* Unit tests of the bond (src/lag/bond.c) driving a real eswitch.
 *
 * The process leaves the host's network namespace first thing
 * (unshare(CLONE_NEWNET)) and builds, inside its private one, two veth
 * pairs whose eswitch ends become the PFs of every test:
 *
 *   up0 <-> up0w   PF pfa, enslaved first
 *   up1 <-> up1w   PF pfb, enslaved second
 *
 * The "w" ends are the wire: the test owns them. Taking a wire end down
 * takes the carrier of the PF's end away, as a pulled cable would; the
 * test then reads the carrier back (nl_link_get) and feeds what it saw
 * to eswitch_link_event and bond_link_changed, as vflagd's netlink monitor
 * does. Where a test needs carrier events that disagree with the device
 * (a frame must still be seen on the failed member's wire), it builds the
 * event itself, with miimon 0 so that no poll corrects it.
 *
 * Time is the test's: fx->now is passed to every bond call, and the fake
 * clock (clock_fake_set) is kept equal to it for the one path that reads
 * the clock itself (LACPDUs received by bond_member_rx).
 *
 * What is checked is what users and the datapath see: bond_json() (its
 * tx/rx come from the struct vflag_lag last published to the datapath),
 * bond_xmit_member_json(), the RARP frames and LACPDUs on the wire, and
 * frames a VF sends, which the eBPF datapath puts on the member the bond
 * published.
 *
 * Every test opens its own datapath, eswitch and bond and tears them down;
 * the veths go away with the namespace when the process exits.
 *
 * Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_BPF); exits 77, meson's
 * "skipped", when the namespace or BPF is not permitted. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <bpf/bpf.h>
#include <jansson.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/loop.h"
#include "dp/dp.h"
#include "../common/private_netns.h"
#include "eswitch/eswitch.h"
#include "lacp/lacp.h"
#include "lag/bond.h"
#include "lag/flow_spec.h"
#include "lag/xmit_hash.h"
#include "nl/nl.h"

#define BOND_SLOT 1u
#define T0 100000u	  /* the fake time every test starts at, in ms */
#define ETH_P_TEST 0x88b5 /* IEEE 802 local experimental: test frames */

enum { A, B, NUP };

static const char *const up_dev[NUP] = {"up0", "up1"};
static const char *const wire_dev[NUP] = {"up0w", "up1w"};
static const char *const pf_nm[NUP] = {"pfa", "pfb"};

/* Built once in main(), in the private namespace. */
static int up_ifindex[NUP];
static int wire_ifindex[NUP];

struct fx {
	struct dp *dp;
	struct nl *nl;
	struct loop *loop;
	struct eswitch *sw;
	struct pf *pf[NUP];
	struct bond *bond;
	uint64_t now;
	char err[256];
};

/* ---- fixture ---- */

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	*state = fx;
	fx->now = T0;
	clock_fake_set(fx->now);
	fx->nl = nl_open();
	fx->loop = loop_create();
	if (!fx->nl || !fx->loop) {
		print_error("nl_open or loop_create failed\n");
		return -1;
	}
	/* Every test starts with both cables in. */
	for (int i = 0; i < NUP; i++)
		if (nl_link_set_up(fx->nl, wire_ifindex[i], true) ||
		    nl_link_set_up(fx->nl, up_ifindex[i], true)) {
			print_error("cannot set %s up\n", up_dev[i]);
			return -1;
		}
	fx->dp = dp_open(fx->err, sizeof(fx->err));
	if (!fx->dp) {
		print_error("dp_open: %s\n", fx->err);
		return -1;
	}
	fx->sw = eswitch_create(fx->dp, fx->nl);
	if (!fx->sw)
		return -1;
	for (int i = 0; i < NUP; i++) {
		if (eswitch_pf_add(fx->sw, pf_nm[i], up_dev[i], NULL, fx->err,
				   sizeof(fx->err))) {
			print_error("pf add %s: %s\n", pf_nm[i], fx->err);
			return -1;
		}
		fx->pf[i] = eswitch_pf_find(fx->sw, pf_nm[i]);
	}
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (!fx)
		return 0;
	bond_destroy(fx->bond, fx->now);
	eswitch_destroy(fx->sw);
	dp_close(fx->dp);
	loop_destroy(fx->loop);
	if (fx->nl)
		nl_close(fx->nl);
	clock_fake_clear();
	free(fx);
	return 0;
}

/* Splits the words of `line` (at most 32) into argv, in buf. */
static int split(const char *line, char *buf, size_t cap, char **argv)
{
	int argc = 0;

	snprintf(buf, cap, "%s", line);
	for (char *w = strtok(buf, " "); w && argc < 32; w = strtok(NULL, " "))
		argv[argc++] = w;
	return argc;
}

/* bond_config_parse() of the option words `opts` on top of the defaults;
 * every word must be taken. */
static void config_of(const char *opts, struct bond_config *cfg)
{
	char buf[512], err[256] = "", *argv[32];
	int argc = split(opts, buf, sizeof(buf), argv);
	int used;

	bond_config_init(cfg);
	used = bond_config_parse(cfg, argc, argv, NULL, err, sizeof(err));
	if (used != argc)
		fail_msg("'%s': parse returned %d: %s", opts, used, err);
}

/* Creates bond0 with `opts` and no members. */
static void bond_new_empty(struct fx *fx, const char *opts)
{
	struct bond_config cfg;

	config_of(opts, &cfg);
	fx->bond = bond_create(fx->sw, fx->loop, "bond0", BOND_SLOT, &cfg,
			       fx->err, sizeof(fx->err));
	if (!fx->bond)
		fail_msg("bond_create: %s", fx->err);
}

/* Creates bond0 with `opts`, then enslaves pfa and pfb, in that order. */
static void bond_new(struct fx *fx, const char *opts)
{
	bond_new_empty(fx, opts);
	for (int i = 0; i < NUP; i++)
		if (bond_member_add(fx->bond, fx->pf[i], fx->now, fx->err,
				    sizeof(fx->err)))
			fail_msg("member add %s: %s", pf_nm[i], fx->err);
}

/* bond_reconfigure() to `opts`, which must be accepted. */
static void reconfigure(struct fx *fx, const char *opts)
{
	struct bond_config cfg;

	config_of(opts, &cfg);
	if (bond_reconfigure(fx->bond, &cfg, fx->now, fx->err, sizeof(fx->err)))
		fail_msg("reconfigure '%s': %s", opts, fx->err);
}

/* ---- carrier and time ---- */

/* Plugs or pulls member i's cable, reads the carrier the kernel then
 * reports and hands that, as vflagd's link monitor would, to the eswitch
 * and the bond. */
static void cable(struct fx *fx, int i, bool in)
{
	struct nl_link_info info;
	struct nl_link_event ev = {0};
	struct pf *pf;

	assert_int_equal(nl_link_set_up(fx->nl, wire_ifindex[i], in), 0);
	assert_int_equal(nl_link_get(fx->nl, NULL, up_ifindex[i], &info), 0);
	assert_int_equal(info.carrier, in);
	ev.ifindex = info.ifindex;
	snprintf(ev.name, sizeof(ev.name), "%s", info.name);
	ev.admin_up = info.admin_up;
	ev.carrier = info.carrier;
	pf = eswitch_link_event(fx->sw, &ev);
	assert_ptr_equal(pf, fx->pf[i]);
	bond_link_changed(fx->bond, pf, fx->now);
}

/* A carrier event that the device does not back (miimon 0 only). */
static void fake_carrier(struct fx *fx, int i, bool carrier)
{
	struct nl_link_event ev = {
	    .ifindex = up_ifindex[i],
	    .admin_up = true,
	    .carrier = carrier,
	};
	struct pf *pf;

	snprintf(ev.name, sizeof(ev.name), "%s", up_dev[i]);
	pf = eswitch_link_event(fx->sw, &ev);
	assert_ptr_equal(pf, fx->pf[i]);
	bond_link_changed(fx->bond, pf, fx->now);
}

/* Moves the clock to `at` (ms after T0) and runs the bond's timers. */
static void run_at(struct fx *fx, uint64_t at)
{
	assert_true(T0 + at >= fx->now);
	fx->now = T0 + at;
	clock_fake_set(fx->now);
	bond_run(fx->bond, fx->now);
}

/* ---- bond_json ---- */

static const char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		return json_string_value(v);
	return json_is_null(v) ? "null" : v ? "(not a string)" : "(absent)";
}

static const char *jstr_at(json_t *array, size_t i)
{
	const char *s = json_string_value(json_array_get(array, i));

	return s ? s : "(not a string)";
}

static json_t *member_of(json_t *bond, const char *name)
{
	json_t *members = json_object_get(bond, "members");

	for (size_t i = 0; i < json_array_size(members); i++)
		if (!strcmp(jstr(json_array_get(members, i), "name"), name))
			return json_array_get(members, i);
	return NULL;
}

/* The checkers below note the first mismatch in `why` and fail only
 * once the JSON is freed, so a failing test leaks nothing. */
struct why {
	char msg[256];
};

static void mismatch(struct why *w, const char *file, int line, const char *fmt,
		     ...)
{
	va_list ap;
	int n;

	if (w->msg[0])
		return;
	n = snprintf(w->msg, sizeof(w->msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(w->msg + n, sizeof(w->msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

static void check_bool(struct why *w, json_t *obj, const char *key, bool want,
		       const char *what, const char *file, int line)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_boolean(v))
		mismatch(w, file, line, "%s: \"%s\" is not a boolean", what,
			 key);
	else if (json_is_true(v) != want)
		mismatch(w, file, line, "%s: \"%s\" is %s, expected %s", what,
			 key, json_is_true(v) ? "true" : "false",
			 want ? "true" : "false");
}

static void check_str(struct why *w, json_t *obj, const char *key,
		      const char *want, const char *what, const char *file,
		      int line)
{
	const char *got = jstr(obj, key);

	if (strcmp(got, want))
		mismatch(w, file, line, "%s: \"%s\" is \"%s\", expected \"%s\"",
			 what, key, got, want);
}

/* Member i as `bond show` gives it. */
static void check_member(struct fx *fx, int i, const char *link,
			 const char *state, bool tx, bool rx, int failures,
			 const char *file, int line)
{
	json_t *j = bond_json(fx->bond), *m = member_of(j, pf_nm[i]);
	struct why w = {{0}};
	json_t *lf;

	if (!m) {
		mismatch(&w, file, line, "no member %s in bond_json", pf_nm[i]);
		goto out;
	}
	check_str(&w, m, "link", link, pf_nm[i], file, line);
	check_str(&w, m, "state", state, pf_nm[i], file, line);
	check_bool(&w, m, "tx", tx, pf_nm[i], file, line);
	check_bool(&w, m, "rx", rx, pf_nm[i], file, line);
	lf = json_object_get(m, "link_failures");
	if (!json_is_integer(lf) || json_integer_value(lf) != failures)
		mismatch(&w, file, line, "%s: link_failures %lld, expected %d",
			 pf_nm[i],
			 json_is_integer(lf) ? json_integer_value(lf) : -1LL,
			 failures);
out:
	json_decref(j);
	if (w.msg[0])
		fail_msg("%s", w.msg);
}
#define MEMBER(fx, i, link, state, tx, rx, failures)                           \
	check_member(fx, i, link, state, tx, rx, failures, __FILE__, __LINE__)

/* The bond's "active" (NULL: null; "-": absent) and "carrier", and how
 * many members it lists. */
static void check_bond(struct fx *fx, const char *active, bool carrier,
		       int nmembers, const char *file, int line)
{
	json_t *j = bond_json(fx->bond), *act = json_object_get(j, "active");
	size_t n = json_array_size(json_object_get(j, "members"));
	struct why w = {{0}};

	if (!active) {
		if (!json_is_null(act))
			mismatch(&w, file, line, "active is %s, expected null",
				 act ? jstr(j, "active") : "absent");
	} else if (!strcmp(active, "-")) {
		if (act)
			mismatch(&w, file, line,
				 "\"active\" present outside active-backup");
	} else {
		check_str(&w, j, "active", active, "bond", file, line);
	}
	check_bool(&w, j, "carrier", carrier, "bond", file, line);
	if ((int)n != nmembers)
		mismatch(&w, file, line, "%zu members, expected %d", n,
			 nmembers);
	json_decref(j);
	if (w.msg[0])
		fail_msg("%s", w.msg);
}
#define BOND(fx, active, carrier, n)                                           \
	check_bond(fx, active, carrier, n, __FILE__, __LINE__)

/* ---- the wire ---- */

/* A packet socket on wire end i (or any ifindex) for one ethertype. */
static int sock_on(int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(proto),
	    .sll_ifindex = ifindex,
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			htons(proto));

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

struct rx_frame {
	uint8_t b[128];
	size_t len;
};

/* Frames arriving on fd: waits up to 1 s for `want` of them, then 100 ms
 * more for any that should not be there. Returns how many (<= cap). */
static int read_frames(int fd, struct rx_frame *out, int cap, int want)
{
	int n = 0;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		uint8_t buf[2048];
		ssize_t len;

		if (poll(&pfd, 1, n < want ? 1000 : 100) <= 0)
			return n;
		len = recvfrom(fd, buf, sizeof(buf), 0,
			       (struct sockaddr *)&from, &fl);
		if (len < 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (n < cap) {
			out[n].len = (size_t)len < sizeof(out[n].b)
					 ? (size_t)len
					 : sizeof(out[n].b);
			memcpy(out[n].b, buf, out[n].len);
		}
		n++;
	}
}

static void drain(int fd)
{
	uint8_t buf[2048];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t slow_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};

static void dev_mac(struct fx *fx, const char *dev, uint8_t mac[6])
{
	struct nl_link_info info;

	assert_int_equal(nl_link_get(fx->nl, dev, 0, &info), 0);
	memcpy(mac, info.mac, 6);
}

/* ---- bond_config_parse ---- */

static int parse_line(const char *line, struct bond_config *cfg,
		      bool *mode_seen, char *err, size_t errlen)
{
	char buf[512], *argv[32];
	int argc = split(line, buf, sizeof(buf), argv);

	bond_config_init(cfg);
	*mode_seen = false;
	err[0] = 0;
	return bond_config_parse(cfg, argc, argv, mode_seen, err, errlen);
}

/* Every option doc/ctl.md lists, with every spelled value. */
static void test_config_parse_accepts_documented(void **state)
{
	static const struct {
		const char *word;
		enum bond_mode mode;
	} modes[] = {
	    {"active-backup", BOND_MODE_ACTIVE_BACKUP},
	    {"1", BOND_MODE_ACTIVE_BACKUP},
	    {"balance-xor", BOND_MODE_XOR},
	    {"2", BOND_MODE_XOR},
	    {"802.3ad", BOND_MODE_8023AD},
	    {"4", BOND_MODE_8023AD},
	};
	static const struct {
		const char *word;
		uint32_t policy;
	} policies[] = {
	    {"layer2", VFLAG_HASH_LAYER2},    {"layer2+3", VFLAG_HASH_LAYER23},
	    {"layer3+4", VFLAG_HASH_LAYER34}, {"encap2+3", VFLAG_HASH_ENCAP23},
	    {"encap3+4", VFLAG_HASH_ENCAP34},
	};
	struct bond_config cfg, def;
	char line[128], err[256];
	bool seen;

	(void)state;
	/* all of them at once, up to "members" */
	assert_int_equal(
	    parse_line("mode balance-xor miimon 50 updelay 200 downdelay 300 "
		       "primary pfb xmit_hash_policy layer3+4 lacp_rate fast "
		       "lacp_active off ad_select bandwidth min_links 2 "
		       "sys_prio 100 members pfa pfb",
		       &cfg, &seen, err, sizeof(err)),
	    22);
	assert_true(seen);
	assert_int_equal(cfg.mode, BOND_MODE_XOR);
	assert_int_equal(cfg.miimon, 50);
	assert_int_equal(cfg.updelay, 200);
	assert_int_equal(cfg.downdelay, 300);
	assert_string_equal(cfg.primary, "pfb");
	assert_int_equal(cfg.hash_policy, VFLAG_HASH_LAYER34);
	assert_int_equal(cfg.lacp_rate, LACP_RATE_FAST);
	assert_false(cfg.lacp_active);
	assert_int_equal(cfg.ad_select, LACP_SELECT_BANDWIDTH);
	assert_int_equal(cfg.min_links, 2);
	assert_int_equal(cfg.sys_prio, 100);

	/* no mode word: mode_seen stays false, the default stays */
	bond_config_init(&def);
	assert_int_equal(parse_line("miimon 0", &cfg, &seen, err, sizeof(err)),
			 2);
	assert_false(seen);
	assert_int_equal(cfg.mode, def.mode);
	assert_int_equal(cfg.miimon, 0);
	assert_int_equal(parse_line("", &cfg, &seen, err, sizeof(err)), 0);

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(line, sizeof(line), "mode %s", modes[i].word);
		assert_int_equal(
		    parse_line(line, &cfg, &seen, err, sizeof(err)), 2);
		assert_true(seen);
		assert_int_equal(cfg.mode, modes[i].mode);
	}
	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		snprintf(line, sizeof(line), "xmit_hash_policy %s",
			 policies[i].word);
		assert_int_equal(
		    parse_line(line, &cfg, &seen, err, sizeof(err)), 2);
		assert_int_equal(cfg.hash_policy, policies[i].policy);
	}
	assert_int_equal(parse_line("lacp_rate fast lacp_rate slow", &cfg,
				    &seen, err, sizeof(err)),
			 4);
	assert_int_equal(cfg.lacp_rate, LACP_RATE_SLOW);
	assert_int_equal(parse_line("lacp_active off lacp_active on", &cfg,
				    &seen, err, sizeof(err)),
			 4);
	assert_true(cfg.lacp_active);
	assert_int_equal(
	    parse_line("ad_select count", &cfg, &seen, err, sizeof(err)), 2);
	assert_int_equal(cfg.ad_select, LACP_SELECT_COUNT);
	assert_int_equal(parse_line("ad_select bandwidth ad_select stable",
				    &cfg, &seen, err, sizeof(err)),
			 4);
	assert_int_equal(cfg.ad_select, LACP_SELECT_STABLE);
	/* primary none clears it */
	assert_int_equal(parse_line("primary pfa primary none", &cfg, &seen,
				    err, sizeof(err)),
			 4);
	assert_string_equal(cfg.primary, "");
	/* the edges of every range */
	assert_int_equal(parse_line("miimon 3600000 updelay 0 downdelay "
				    "3600000 min_links 0 sys_prio 1",
				    &cfg, &seen, err, sizeof(err)),
			 10);
	assert_int_equal(cfg.miimon, 3600000);
	assert_int_equal(cfg.downdelay, 3600000);
	assert_int_equal(cfg.sys_prio, 1);
	snprintf(line, sizeof(line), "min_links %d sys_prio 65535",
		 VFLAG_MAX_LAG_MEMBERS);
	assert_int_equal(parse_line(line, &cfg, &seen, err, sizeof(err)), 4);
	assert_int_equal(cfg.min_links, VFLAG_MAX_LAG_MEMBERS);
	assert_int_equal(cfg.sys_prio, 65535);
	/* a primary of the longest PF name */
	assert_int_equal(
	    parse_line("primary abcdefgh", &cfg, &seen, err, sizeof(err)), 2);
	assert_string_equal(cfg.primary, "abcdefgh");
}

/* A bad value is refused with a message that names the option. */
static void test_config_parse_refuses(void **state)
{
	static const struct {
		const char *line;
		const char *named; /* the message must contain it */
	} bad[] = {
	    {"mode 3", "mode"},
	    {"mode balance-rr", "mode"},
	    {"mode", "mode"},
	    {"miimon -1", "miimon"},
	    {"miimon 3600001", "miimon"},
	    {"miimon 10ms", "miimon"},
	    {"miimon", "miimon"},
	    {"updelay x", "updelay"},
	    {"downdelay 99999999999999999999", "downdelay"},
	    {"primary pfaaaaaaa", "primary"},
	    {"xmit_hash_policy layer4", "xmit_hash_policy"},
	    {"xmit_hash_policy", "xmit_hash_policy"},
	    {"lacp_rate medium", "lacp_rate"},
	    {"lacp_active maybe", "lacp_active"},
	    {"ad_select random", "ad_select"},
	    {"min_links 9", "min_links"},
	    {"min_links -1", "min_links"},
	    {"sys_prio 0", "sys_prio"},
	    {"sys_prio 65536", "sys_prio"},
	    {"speed 10", "speed"},
	    {"miimon 100 lacp_rate sometimes", "lacp_rate"},
	};
	struct bond_config cfg;
	char err[256];
	bool seen;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret =
		    parse_line(bad[i].line, &cfg, &seen, err, sizeof(err));

		if (ret != -EINVAL)
			fail_msg("'%s': returned %d, expected -EINVAL",
				 bad[i].line, ret);
		if (!strstr(err, bad[i].named))
			fail_msg("'%s': message \"%s\" does not name %s",
				 bad[i].line, err, bad[i].named);
	}
}

/* ---- active-backup ---- */

/* The first member in enslave order is active; only it sends and
 * receives. */
static void test_ab_first_member_active(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0");
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);
}

/* Carrier loss with downdelay 0 fails over at once (no bond_run); the
 * returning member stays backup when no primary is set. */
static void test_ab_failover_at_once_no_failback(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0");
	cable(fx, A, false);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	run_at(fx, 1000);
	cable(fx, A, true);
	run_at(fx, 5000);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "up", "backup", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	/* the backup fails: nothing moves, its failure is counted */
	cable(fx, A, false);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 2);
	MEMBER(fx, B, "up", "active", true, true, 0);
}

/* With a primary, activity goes back to it when it returns, and only to
 * it: a returning non-primary stays backup. */
static void test_ab_primary_failback(void **state)
{
	struct fx *fx = *state;

	/* primary pfb wins over enslave order from the start */
	bond_new(fx, "mode active-backup miimon 0 primary pfb");
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);

	cable(fx, B, false);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "down", "down", false, false, 1);

	cable(fx, B, true);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "up", "active", true, true, 1);

	/* the non-primary fails and returns: pfb keeps the activity */
	cable(fx, A, false);
	cable(fx, A, true);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "up", "backup", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 1);
}

/* No member up: no active, no carrier; the first one back takes over. */
static void test_ab_all_down(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0");
	cable(fx, A, false);
	cable(fx, B, false);
	BOND(fx, NULL, false, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);
	MEMBER(fx, B, "down", "down", false, false, 1);

	cable(fx, B, true);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 1);
}

/* downdelay: a failing member stays in use ("going down") until the
 * delay ends; then it is dropped and counted as failed once. */
static void test_ab_downdelay(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 downdelay 200");
	run_at(fx, 0);
	cable(fx, A, false);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "going down", "active", true, true, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);

	run_at(fx, 199);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "going down", "active", true, true, 0);

	run_at(fx, 200);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	run_at(fx, 5000);
	MEMBER(fx, A, "down", "down", false, false, 1);
}

/* A carrier that comes back during downdelay was never lost. */
static void test_ab_downdelay_flap(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 downdelay 200");
	run_at(fx, 0);
	cable(fx, A, false);
	run_at(fx, 100);
	cable(fx, A, true);
	MEMBER(fx, A, "up", "active", true, true, 0);
	run_at(fx, 300);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);
}

/* updelay: a returning member waits ("going up", not usable) until the
 * delay ends, even when it is the primary. */
static void test_ab_updelay(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 updelay 300 primary pfa");
	run_at(fx, 0);
	cable(fx, A, false); /* downdelay 0: at once */
	BOND(fx, "pfb", true, 2);

	run_at(fx, 1000);
	cable(fx, A, true);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "going up", "down", false, false, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	run_at(fx, 1299);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "going up", "down", false, false, 1);

	run_at(fx, 1300);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 1);
	MEMBER(fx, B, "up", "backup", false, false, 0);
}

/* A flap during updelay sends the member back down (not counted as a
 * failure: it was never up) and the next return waits the whole delay
 * again: the first return's deadline means nothing any more. */
static void test_ab_updelay_flap(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 updelay 300 primary pfa");
	run_at(fx, 0);
	cable(fx, A, false);
	run_at(fx, 1000);
	cable(fx, A, true); /* would be up at 1300 */
	run_at(fx, 1100);
	cable(fx, A, false);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);

	run_at(fx, 1200);
	cable(fx, A, true); /* up at 1500 */
	run_at(fx, 1300);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "going up", "down", false, false, 1);
	run_at(fx, 1499);
	MEMBER(fx, A, "going up", "down", false, false, 1);
	run_at(fx, 1500);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 1);
}

/* With no member usable, the first link back is taken at once: updelay
 * would only prolong the outage. Linux does this (bond_miimon_inspect():
 * ignore_updelay when there is no curr_active_slave; bonding.rst 13.1:
 * "when a bonding interface has no active links, the driver will
 * immediately reuse the first link that goes up, even if the updelay
 * parameter has been specified"). */
static void test_ab_updelay_ignored_when_none_up(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0 updelay 300");
	run_at(fx, 0);
	cable(fx, A, false);
	cable(fx, B, false);
	BOND(fx, NULL, false, 2);
	run_at(fx, 1000);
	cable(fx, B, true);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, B, "up", "active", true, true, 1);
	/* with pfb up, pfa waits its updelay as usual */
	cable(fx, A, true);
	MEMBER(fx, A, "going up", "down", false, false, 1);
	run_at(fx, 1300);
	MEMBER(fx, A, "up", "backup", false, false, 1);
}

/* The same in balance-xor (Linux: no usable slave, since f8a65ab2f3ff
 * "bonding: fix link recovery in mode 2 when updelay is nonzero"). */
static void test_xor_updelay_ignored_when_none_up(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode balance-xor miimon 0 updelay 300");
	run_at(fx, 0);
	cable(fx, A, false);
	cable(fx, B, false);
	BOND(fx, "-", false, 2);
	run_at(fx, 1000);
	cable(fx, A, true);
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 1);
}

/* miimon: with no events at all, a lost carrier is noticed at the next
 * poll, not before; so is its return. */
static void test_miimon_polls_carrier(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 100");
	run_at(fx, 0); /* polls; the next poll is at 100 */
	assert_int_equal(nl_link_set_up(fx->nl, wire_ifindex[A], false), 0);
	run_at(fx, 50);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	run_at(fx, 100);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);

	assert_int_equal(nl_link_set_up(fx->nl, wire_ifindex[A], true), 0);
	run_at(fx, 150);
	MEMBER(fx, A, "down", "down", false, false, 1);
	run_at(fx, 200);
	MEMBER(fx, A, "up", "backup", false, false, 1);
	BOND(fx, "pfb", true, 2);

	/* a new miimon restarts the monitor at once, as Linux's
	 * bond_option_miimon_set() does: set 5 s (polled at 250, next at
	 * 5250), pull the cable, then set 100 ms again: polled at 400 */
	reconfigure(fx, "mode active-backup miimon 5000");
	run_at(fx, 250);
	assert_int_equal(nl_link_set_up(fx->nl, wire_ifindex[A], false), 0);
	run_at(fx, 300);
	MEMBER(fx, A, "up", "backup", false, false, 1);
	run_at(fx, 400);
	reconfigure(fx, "mode active-backup miimon 100");
	run_at(fx, 400);
	MEMBER(fx, A, "down", "down", false, false, 2);
}

/* Removing the active member moves activity to the other; removing the
 * last leaves no active and no carrier. */
static void test_ab_member_del_active(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode active-backup miimon 0");
	assert_int_equal(bond_member_del(fx->bond, fx->pf[A], fx->now, fx->err,
					 sizeof(fx->err)),
			 0);
	assert_int_equal(pf_lag_slot(fx->pf[A]), -1);
	assert_int_equal(bond_member_count(fx->bond), 1);
	BOND(fx, "pfb", true, 1);
	MEMBER(fx, B, "up", "active", true, true, 0);

	/* not a member (any more) */
	fx->err[0] = 0;
	assert_int_equal(bond_member_del(fx->bond, fx->pf[A], fx->now, fx->err,
					 sizeof(fx->err)),
			 -ENOENT);
	assert_non_null(strstr(fx->err, "pfa"));

	assert_int_equal(bond_member_del(fx->bond, fx->pf[B], fx->now, fx->err,
					 sizeof(fx->err)),
			 0);
	BOND(fx, NULL, false, 0);
}

/* An uplink deleted under the bond (RTM_DELLINK): the member goes down
 * at once and stays down through later polls; the bond fails over and
 * can still release it. The veth is the test's own, made here. */
static void test_member_uplink_deleted(void **state)
{
	struct fx *fx = *state;
	struct nl_link_event ev = {.deleted = true};
	struct pf *pfc;
	json_t *j, *m;
	int ifi;

	ifi = nl_veth_create(fx->nl, "up2", "up2w", NULL);
	assert_true(ifi > 0);
	assert_int_equal(nl_link_set_up(fx->nl, ifi, true), 0);
	{
		struct nl_link_info w;

		assert_int_equal(nl_link_get(fx->nl, "up2w", 0, &w), 0);
		assert_int_equal(nl_link_set_up(fx->nl, w.ifindex, true), 0);
	}
	assert_int_equal(eswitch_pf_add(fx->sw, "pfc", "up2", NULL, fx->err,
					sizeof(fx->err)),
			 0);
	pfc = eswitch_pf_find(fx->sw, "pfc");
	bond_new_empty(fx, "mode active-backup miimon 100");
	assert_int_equal(
	    bond_member_add(fx->bond, pfc, fx->now, fx->err, sizeof(fx->err)),
	    0);
	assert_int_equal(bond_member_add(fx->bond, fx->pf[A], fx->now, fx->err,
					 sizeof(fx->err)),
			 0);
	run_at(fx, 0);
	BOND(fx, "pfc", true, 2);

	assert_int_equal(nl_link_del(fx->nl, ifi), 0);
	ev.ifindex = ifi;
	snprintf(ev.name, sizeof(ev.name), "up2");
	assert_ptr_equal(eswitch_link_event(fx->sw, &ev), pfc);
	bond_link_changed(fx->bond, pfc, fx->now);
	BOND(fx, "pfa", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	run_at(fx, 1000); /* polls: the device is gone, not up */
	j = bond_json(fx->bond);
	m = member_of(j, "pfc");
	assert_non_null(m);
	assert_string_equal(jstr(m, "link"), "down");
	assert_true(json_is_false(json_object_get(m, "tx")));
	assert_int_equal(
	    json_integer_value(json_object_get(m, "link_failures")), 1);
	json_decref(j);

	assert_int_equal(
	    bond_member_del(fx->bond, pfc, fx->now, fx->err, sizeof(fx->err)),
	    0);
	BOND(fx, "pfa", true, 1);
	assert_int_equal(
	    eswitch_pf_del(fx->sw, pfc, false, fx->err, sizeof(fx->err)), 0);
}

/* A member cannot be enslaved twice; one enslaved with no carrier starts
 * down and is not used. */
static void test_member_add_checks(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(nl_link_set_up(fx->nl, wire_ifindex[A], false), 0);
	{
		struct nl_link_info info;
		struct nl_link_event ev = {.ifindex = up_ifindex[A],
					   .admin_up = true};

		assert_int_equal(
		    nl_link_get(fx->nl, NULL, up_ifindex[A], &info), 0);
		ev.carrier = info.carrier;
		assert_false(ev.carrier);
		snprintf(ev.name, sizeof(ev.name), "%s", up_dev[A]);
		assert_ptr_equal(eswitch_link_event(fx->sw, &ev), fx->pf[A]);
	}
	bond_new(fx, "mode active-backup miimon 0");
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "down", "down", false, false, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);

	fx->err[0] = 0;
	assert_int_equal(bond_member_add(fx->bond, fx->pf[B], fx->now, fx->err,
					 sizeof(fx->err)),
			 -EBUSY);
	assert_non_null(strstr(fx->err, "pfb"));
	assert_int_equal(bond_member_count(fx->bond), 2);
}

/* ---- balance-xor ---- */

/* Every usable member transmits and receives; a down one is dropped
 * from both, and comes back when its carrier does. */
static void test_xor_all_up_transmit(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode balance-xor miimon 0");
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);

	cable(fx, B, false);
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "down", "down", false, false, 1);

	cable(fx, A, false);
	BOND(fx, "-", false, 2);
	MEMBER(fx, A, "down", "down", false, false, 1);

	cable(fx, B, true);
	BOND(fx, "-", true, 2);
	MEMBER(fx, B, "up", "active", true, true, 1);
}

/* balance-xor with downdelay: the failing member keeps transmitting until
 * the delay ends. */
static void test_xor_downdelay(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode balance-xor miimon 0 downdelay 100");
	run_at(fx, 0);
	cable(fx, B, false);
	MEMBER(fx, B, "going down", "active", true, true, 0);
	run_at(fx, 100);
	MEMBER(fx, B, "down", "down", false, false, 1);
	MEMBER(fx, A, "up", "active", true, true, 0);
}

/* min_links counts in 802.3ad only, as in Linux (bonding.rst: "This
 * option only affects 802.3ad mode"): a balance-xor bond with fewer up
 * members keeps transmitting on the rest. */
static void test_xor_min_links_not_applied(void **state)
{
	struct fx *fx = *state;

	bond_new(fx, "mode balance-xor miimon 0 min_links 2");
	cable(fx, B, false);
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
}

/* ---- reconfiguration ---- */

static void test_reconfigure(void **state)
{
	struct fx *fx = *state;
	struct bond_config cfg;
	json_t *j;
	uint8_t frame[FLOW_SPEC_BUILT_MAX];
	size_t len;
	char *flow[] = {"src", "10.0.0.1", "dst", "10.0.0.2"};

	bond_new(fx, "mode active-backup miimon 0");
	/* a mode change with members is refused, and changes nothing */
	config_of("mode balance-xor miimon 0", &cfg);
	fx->err[0] = 0;
	assert_int_equal(
	    bond_reconfigure(fx->bond, &cfg, fx->now, fx->err, sizeof(fx->err)),
	    -EBUSY);
	assert_non_null(strstr(fx->err, "mode"));
	j = bond_json(fx->bond);
	assert_string_equal(jstr(j, "mode"), "active-backup");
	json_decref(j);
	BOND(fx, "pfa", true, 2);

	/* other options are taken, the published hash policy too */
	config_of("mode active-backup miimon 50 updelay 10 downdelay 20 "
		  "xmit_hash_policy layer3+4",
		  &cfg);
	assert_int_equal(
	    bond_reconfigure(fx->bond, &cfg, fx->now, fx->err, sizeof(fx->err)),
	    0);
	j = bond_json(fx->bond);
	assert_string_equal(jstr(j, "xmit_hash_policy"), "layer3+4");
	assert_int_equal(json_integer_value(json_object_get(j, "miimon")), 50);
	assert_int_equal(json_integer_value(json_object_get(j, "updelay")), 10);
	assert_int_equal(json_integer_value(json_object_get(j, "downdelay")),
			 20);
	json_decref(j);
	assert_int_equal(
	    flow_spec_parse(4, flow, frame, sizeof(frame), &len, NULL, 0), 0);
	j = bond_xmit_member_json(fx->bond, frame, len);
	assert_string_equal(jstr(j, "xmit_hash_policy"), "layer3+4");
	assert_string_equal(jstr(j, "member"), "pfa");
	json_decref(j);

	/* a primary set later takes over at once */
	config_of("mode active-backup miimon 0 primary pfb", &cfg);
	assert_int_equal(
	    bond_reconfigure(fx->bond, &cfg, fx->now, fx->err, sizeof(fx->err)),
	    0);
	BOND(fx, "pfb", true, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);

	/* once empty, the mode may change */
	for (int i = 0; i < NUP; i++)
		assert_int_equal(bond_member_del(fx->bond, fx->pf[i], fx->now,
						 fx->err, sizeof(fx->err)),
				 0);
	config_of("mode balance-xor miimon 0", &cfg);
	assert_int_equal(
	    bond_reconfigure(fx->bond, &cfg, fx->now, fx->err, sizeof(fx->err)),
	    0);
	for (int i = 0; i < NUP; i++)
		assert_int_equal(bond_member_add(fx->bond, fx->pf[i], fx->now,
						 fx->err, sizeof(fx->err)),
				 0);
	j = bond_json(fx->bond);
	assert_string_equal(jstr(j, "mode"), "balance-xor");
	json_decref(j);
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);
}

/* ---- bond xmit-member ---- */

/* The answer for a frame: its hash under the policy, the usable members
 * in enslave order and usable[hash % count]. */
static void check_xmit(struct fx *fx, const uint8_t *frame, size_t len,
		       uint32_t policy, const char *const *usable,
		       unsigned nusable, const char *file, int line)
{
	uint32_t hash = vflag_xmit_hash(frame, frame + len, policy);
	json_t *j = bond_xmit_member_json(fx->bond, frame, len);
	json_t *u = json_object_get(j, "usable");
	json_t *member = json_object_get(j, "member");
	struct why w = {{0}};

	check_str(&w, j, "bond", "bond0", "xmit-member", file, line);
	check_str(&w, j, "xmit_hash_policy", vflag_hash_policy_name(policy),
		  "xmit-member", file, line);
	if (json_integer_value(json_object_get(j, "hash")) != (json_int_t)hash)
		mismatch(&w, file, line, "hash %lld, expected %u",
			 json_integer_value(json_object_get(j, "hash")), hash);
	if (json_array_size(u) != nusable)
		mismatch(&w, file, line, "%zu usable, expected %u",
			 json_array_size(u), nusable);
	for (unsigned i = 0; i < nusable && i < json_array_size(u); i++)
		if (strcmp(jstr_at(u, i), usable[i]))
			mismatch(&w, file, line,
				 "usable[%u] is %s, expected %s", i,
				 jstr_at(u, i), usable[i]);
	if (!nusable) {
		if (!json_is_null(member))
			mismatch(&w, file, line, "member %s, expected null",
				 jstr(j, "member"));
	} else if (strcmp(jstr(j, "member"), usable[hash % nusable])) {
		mismatch(&w, file, line, "member %s, expected %s (hash %u)",
			 jstr(j, "member"), usable[hash % nusable], hash);
	}
	json_decref(j);
	if (w.msg[0])
		fail_msg("%s", w.msg);
}

/* A TCP flow from 10.0.0.1:sport to 10.0.0.2:443, built by the FLOW
 * parser. */
static size_t tcp_flow(uint16_t sport, uint8_t *frame, size_t cap)
{
	char port[8];
	char *argv[] = {"proto",    "tcp",   "src", "10.0.0.1", "dst",
			"10.0.0.2", "sport", port,  "dport",	"443"};
	size_t len;
	char err[128];

	snprintf(port, sizeof(port), "%u", sport);
	if (flow_spec_parse(10, argv, frame, cap, &len, err, sizeof(err)))
		fail_msg("flow_spec_parse: %s", err);
	return len;
}

static void test_xmit_member_xor(void **state)
{
	static const char *const both[] = {"pfa", "pfb"}, *const b_only[] = {
							      "pfb"};
	struct fx *fx = *state;
	uint8_t frame[FLOW_SPEC_BUILT_MAX];
	bool seen[NUP] = {false, false};

	bond_new(fx, "mode balance-xor miimon 0 xmit_hash_policy layer3+4");
	for (uint16_t sport = 40000; sport < 40016; sport++) {
		size_t len = tcp_flow(sport, frame, sizeof(frame));
		uint32_t h =
		    vflag_xmit_hash(frame, frame + len, VFLAG_HASH_LAYER34);

		check_xmit(fx, frame, len, VFLAG_HASH_LAYER34, both, 2,
			   __FILE__, __LINE__);
		seen[h % 2] = true;
	}
	/* the flows chosen do spread, so both answers were checked */
	assert_true(seen[0] && seen[1]);

	cable(fx, A, false);
	for (uint16_t sport = 40000; sport < 40004; sport++) {
		size_t len = tcp_flow(sport, frame, sizeof(frame));

		check_xmit(fx, frame, len, VFLAG_HASH_LAYER34, b_only, 1,
			   __FILE__, __LINE__);
	}
	cable(fx, B, false);
	{
		size_t len = tcp_flow(40000, frame, sizeof(frame));

		check_xmit(fx, frame, len, VFLAG_HASH_LAYER34, NULL, 0,
			   __FILE__, __LINE__);
	}
}

/* In active-backup every flow leaves by the active member. */
static void test_xmit_member_ab(void **state)
{
	static const char *const a[] = {"pfa"}, *const b[] = {"pfb"};
	struct fx *fx = *state;
	uint8_t frame[FLOW_SPEC_BUILT_MAX];

	bond_new(fx, "mode active-backup miimon 0");
	for (uint16_t sport = 1; sport < 5; sport++) {
		size_t len = tcp_flow(sport, frame, sizeof(frame));

		check_xmit(fx, frame, len, VFLAG_HASH_LAYER2, a, 1, __FILE__,
			   __LINE__);
	}
	cable(fx, A, false);
	for (uint16_t sport = 1; sport < 5; sport++) {
		size_t len = tcp_flow(sport, frame, sizeof(frame));

		check_xmit(fx, frame, len, VFLAG_HASH_LAYER2, b, 1, __FILE__,
			   __LINE__);
	}
}

/* ---- failover announcements ---- */

/* The RARP frames among `got` are exactly one per MAC of `macs`, each
 * from that MAC, broadcast, a well-formed reverse request. */
static void check_rarps(const struct rx_frame *got, int n, uint8_t (*macs)[6],
			int nmacs)
{
	int hits[8] = {0};

	if (n != nmacs)
		fail_msg("%d RARP frame(s), expected %d (one per VF MAC)", n,
			 nmacs);
	for (int f = 0; f < n; f++) {
		const uint8_t *b = got[f].b;
		int m;

		assert_true(got[f].len >= 42);
		assert_memory_equal(b, bcast, 6);
		assert_int_equal(b[12] << 8 | b[13], 0x8035);
		assert_int_equal(b[14] << 8 | b[15], 1);      /* Ethernet */
		assert_int_equal(b[16] << 8 | b[17], 0x0800); /* IPv4 */
		assert_int_equal(b[18], 6);
		assert_int_equal(b[19], 4);
		assert_int_equal(b[20] << 8 | b[21], 3); /* reverse request */
		for (m = 0; m < nmacs && memcmp(b + 6, macs[m], 6); m++)
			;
		if (m == nmacs)
			fail_msg("RARP from %02x:%02x:%02x:%02x:%02x:%02x, no "
				 "VF's MAC",
				 b[6], b[7], b[8], b[9], b[10], b[11]);
		assert_memory_equal(b + 22, macs[m], 6); /* sender */
		assert_memory_equal(b + 32, macs[m], 6); /* target */
		hits[m]++;
	}
	for (int m = 0; m < nmacs; m++)
		assert_int_equal(hits[m], 1);
}

/* On failover, the new active member sends one RARP per VF MAC of the
 * bond's domain (the VFs of both PFs); a member that becomes active
 * because the primary is set announces too, and a failback that does not
 * happen announces nothing. */
static void test_failover_announces_vf_macs(void **state)
{
	struct fx *fx = *state;
	uint8_t macs[3][6];
	struct rx_frame got[8];
	int wire[NUP];
	json_t *j;

	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[A], 2,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[B], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	dev_mac(fx, "pfavf0", macs[0]);
	dev_mac(fx, "pfavf1", macs[1]);
	dev_mac(fx, "pfbvf0", macs[2]);
	for (int i = 0; i < NUP; i++)
		wire[i] = sock_on(wire_ifindex[i], ETH_P_RARP);

	bond_new(fx, "mode active-backup miimon 0");
	/* pfa became active on enslave: announced there */
	check_rarps(got, read_frames(wire[A], got, 8, 2), macs, 2);
	drain(wire[B]);

	/* the event does not take the cable out: the old active's wire
	 * can still hear that nothing is sent there */
	fake_carrier(fx, A, false);
	BOND(fx, "pfb", true, 2);
	check_rarps(got, read_frames(wire[B], got, 8, 3), macs, 3);
	assert_int_equal(read_frames(wire[A], got, 8, 0), 0);

	/* back, no primary: stays backup, nothing announced */
	fake_carrier(fx, A, true);
	assert_int_equal(read_frames(wire[A], got, 8, 0), 0);
	assert_int_equal(read_frames(wire[B], got, 8, 0), 0);

	/* primary pfa set: pfa takes over and announces */
	reconfigure(fx, "mode active-backup miimon 0 primary pfa");
	BOND(fx, "pfa", true, 2);
	check_rarps(got, read_frames(wire[A], got, 8, 3), macs, 3);
	assert_int_equal(read_frames(wire[B], got, 8, 0), 0);

	/* every announcement went out */
	j = bond_json(fx->bond);
	for (int i = 0; i < NUP; i++)
		assert_int_equal(json_integer_value(json_object_get(
				     member_of(j, pf_nm[i]), "tx_errors")),
				 0);
	json_decref(j);
	for (int i = 0; i < NUP; i++)
		close(wire[i]);
}

/* Removing the active member: the new active announces the VF MACs that
 * stay in the bond (pfb's), not those of the PF that leaves (pfa's VFs
 * are reachable through pfa alone from now on). */
static void test_member_del_announces_remaining_macs(void **state)
{
	struct fx *fx = *state;
	uint8_t macs[1][6];
	struct rx_frame got[8];
	int wire;

	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[A], 2,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[B], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	dev_mac(fx, "pfbvf0", macs[0]);
	wire = sock_on(wire_ifindex[B], ETH_P_RARP);
	bond_new(fx, "mode active-backup miimon 0");
	assert_int_equal(read_frames(wire, got, 8, 0), 0);

	assert_int_equal(bond_member_del(fx->bond, fx->pf[A], fx->now, fx->err,
					 sizeof(fx->err)),
			 0);
	BOND(fx, "pfb", true, 1);
	check_rarps(got, read_frames(wire, got, 8, 1), macs, 1);
	close(wire);
}

/* Deleting the bond moves no activity and announces nothing: its VFs go
 * back behind their own PFs, and telling the peer switch that they all
 * live behind one of them would be false. Linux releases all slaves
 * without reselecting (__bond_release_one(..., all=true)). */
static void test_destroy_announces_nothing(void **state)
{
	struct fx *fx = *state;
	struct rx_frame got[8];
	int wire[NUP];

	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[A], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[B], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	for (int i = 0; i < NUP; i++)
		wire[i] = sock_on(wire_ifindex[i], ETH_P_RARP);
	/* the active member is the last enslaved: destroy removes it first */
	bond_new(fx, "mode active-backup miimon 0 primary pfb");
	BOND(fx, "pfb", true, 2);
	drain(wire[A]);
	drain(wire[B]);

	bond_destroy(fx->bond, fx->now);
	fx->bond = NULL;
	for (int i = 0; i < NUP; i++) {
		int n = read_frames(wire[i], got, 8, 0);

		if (n)
			fail_msg("%d RARP frame(s) on %s while the bond was "
				 "deleted",
				 n, wire_dev[i]);
		close(wire[i]);
	}
}

/* ---- the datapath follows what the bond published ---- */

/* Sends one test frame from VF port `vf_dev` (its container end) and
 * returns the wire (A, B) it left on, or -1 if none; fails if both. */
static int vf_frame_leaves_on(struct fx *fx, const char *vf_dev,
			      const int *wire)
{
	struct nl_link_info info;
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_halen = 6};
	uint8_t f[60] = {0x02, 0, 0, 0, 0x99, 0x01};
	struct rx_frame got[4];
	int on = -1;

	assert_int_equal(nl_link_get(fx->nl, vf_dev, 0, &info), 0);
	memcpy(f + 6, info.mac, 6);
	f[12] = ETH_P_TEST >> 8;
	f[13] = ETH_P_TEST & 0xff;
	to.sll_ifindex = info.ifindex;
	memcpy(to.sll_addr, f, 6);
	{
		int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

		assert_true(s >= 0);
		assert_int_equal(sendto(s, f, sizeof(f), 0,
					(struct sockaddr *)&to, sizeof(to)),
				 sizeof(f));
		close(s);
	}
	for (int i = 0; i < NUP; i++) {
		int n = read_frames(wire[i], got, 4, on < 0 ? 1 : 0);

		assert_true(n <= 1);
		if (n) {
			assert_int_equal(on, -1);
			assert_memory_equal(got[0].b + 6, info.mac, 6);
			on = i;
		}
	}
	return on;
}

/* A VF's frames leave by the active member, then by the new one after a
 * failover, with no bond_run in between: the publication is immediate. */
static void test_ab_vf_traffic_follows_active(void **state)
{
	struct fx *fx = *state;
	struct nl_link_info info;
	int wire[NUP];

	assert_int_equal(eswitch_pf_set_numvfs(fx->sw, fx->pf[A], 1,
					       VF_TYPE_VETH, false, fx->err,
					       sizeof(fx->err)),
			 0);
	assert_int_equal(nl_link_get(fx->nl, "pfavf0", 0, &info), 0);
	assert_int_equal(nl_link_set_up(fx->nl, info.ifindex, true), 0);
	for (int i = 0; i < NUP; i++)
		wire[i] = sock_on(wire_ifindex[i], ETH_P_TEST);

	bond_new(fx, "mode active-backup miimon 0");
	assert_int_equal(vf_frame_leaves_on(fx, "pfavf0", wire), A);
	fake_carrier(fx, A, false);
	assert_int_equal(vf_frame_leaves_on(fx, "pfavf0", wire), B);
	fake_carrier(fx, B, false);
	assert_int_equal(vf_frame_leaves_on(fx, "pfavf0", wire), -1);
	fake_carrier(fx, A, true);
	assert_int_equal(vf_frame_leaves_on(fx, "pfavf0", wire), A);
	for (int i = 0; i < NUP; i++)
		close(wire[i]);
}

/* ---- 802.3ad ---- */

static const char *const lacp_keys[] = {
    "rate",	    "active",	   "ad_select",	    "min_links",
    "sys_priority", "sys_mac",	   "aggregator_id", "num_ports",
    "ready",	    "partner_mac", "partner_key",   "actor_key",
};
static const char *const member_lacp_keys[] = {
    "aggregator_id", "selected",  "actor",	    "partner",
    "rx_state",	     "mux_state", "periodic_state", "actor_churn",
    "partner_churn", "looped",	  "counters",
};

/* The LACP objects are there; with no partner, nothing distributes at
 * first; LACPDUs go out of every member, from the member's MAC. */
static void test_8023ad_json_and_lacpdus(void **state)
{
	struct fx *fx = *state;
	uint8_t mac[NUP][6];
	char macstr[18];
	struct rx_frame got[16];
	int wire[NUP];
	json_t *j, *l;

	for (int i = 0; i < NUP; i++) {
		dev_mac(fx, up_dev[i], mac[i]);
		wire[i] = sock_on(wire_ifindex[i], ETH_P_SLOW);
	}
	bond_new(fx, "mode 802.3ad miimon 0 lacp_rate fast min_links 1 "
		     "sys_prio 1000");
	BOND(fx, "-", false, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);

	j = bond_json(fx->bond);
	assert_string_equal(jstr(j, "mode"), "802.3ad");
	assert_int_equal(json_integer_value(json_object_get(j, "mode_num")), 4);
	l = json_object_get(j, "lacp");
	assert_true(json_is_object(l));
	for (size_t k = 0; k < sizeof(lacp_keys) / sizeof(lacp_keys[0]); k++)
		if (!json_object_get(l, lacp_keys[k]))
			fail_msg("bond lacp has no \"%s\"", lacp_keys[k]);
	assert_string_equal(jstr(l, "rate"), "fast");
	assert_int_equal(json_integer_value(json_object_get(l, "min_links")),
			 1);
	assert_int_equal(json_integer_value(json_object_get(l, "sys_priority")),
			 1000);
	snprintf(macstr, sizeof(macstr), "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[A][0], mac[A][1], mac[A][2], mac[A][3], mac[A][4],
		 mac[A][5]);
	assert_string_equal(jstr(l, "sys_mac"), macstr);
	for (int i = 0; i < NUP; i++) {
		json_t *m = member_of(j, pf_nm[i]), *ml;

		assert_non_null(m);
		ml = json_object_get(m, "lacp");
		assert_true(json_is_object(ml));
		for (size_t k = 0;
		     k < sizeof(member_lacp_keys) / sizeof(member_lacp_keys[0]);
		     k++)
			if (!json_object_get(ml, member_lacp_keys[k]))
				fail_msg("%s lacp has no \"%s\"", pf_nm[i],
					 member_lacp_keys[k]);
		assert_string_not_equal(jstr(ml, "mux_state"),
					"COLLECTING_DISTRIBUTING");
		assert_int_equal(json_integer_value(json_object_get(
				     json_object_get(ml, "actor"), "port")),
				 i + 1);
	}
	json_decref(j);

	/* 2.5 s with no partner: one LACPDU when the port is enabled, then
	 * fast periodic (1 s) while the partner's info is expired (802.1AX
	 * 6.4.12: EXPIRED asks for the short timeout) */
	for (uint64_t t = 0; t <= 2500; t += 100)
		run_at(fx, t);
	j = bond_json(fx->bond);
	for (int i = 0; i < NUP; i++) {
		int n = read_frames(wire[i], got, 16, 3);
		json_t *c = json_object_get(
		    json_object_get(member_of(j, pf_nm[i]), "lacp"),
		    "counters");

		assert_int_equal(n, 3);
		assert_int_equal(
		    json_integer_value(json_object_get(c, "lacpdu_tx")), n);
		for (int f = 0; f < n; f++) {
			assert_memory_equal(got[f].b, slow_mac, 6);
			assert_memory_equal(got[f].b + 6, mac[i], 6);
			assert_int_equal(got[f].b[12] << 8 | got[f].b[13],
					 ETH_P_SLOW);
			assert_int_equal(got[f].b[14], 1); /* LACP subtype */
		}
		close(wire[i]);
	}
	json_decref(j);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "up", "backup", false, false, 0);
}

/* A partner system on the wire ends, run by the test: the project's own
 * LACP machines, but on the far side of the veths, so every LACPDU
 * crosses the eswitch's hooks and the bond's sockets. */
struct partner {
	struct lacp *lacp;
	int sock[NUP];
};

static int partner_send(void *ctx, unsigned port, const void *frame, size_t len)
{
	struct partner *p = ctx;
	struct sockaddr_ll to = {
	    .sll_family = AF_PACKET,
	    .sll_ifindex = wire_ifindex[port],
	    .sll_halen = 6,
	};

	memcpy(to.sll_addr, frame, 6);
	if (sendto(p->sock[port], frame, len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return -errno;
	return 0;
}

static void partner_changed(void *ctx)
{
	(void)ctx;
}

static const struct lacp_ops partner_ops = {
    .send = partner_send,
    .changed = partner_changed,
};

static void partner_open(struct partner *p, uint64_t now)
{
	struct lacp_config cfg = {
	    .sys_mac = {0x02, 0x00, 0x00, 0x00, 0x99, 0x00},
	    .sys_priority = 32768,
	    .key = 0x55,
	    .rate = LACP_RATE_FAST,
	    .active = true,
	    .aggregate_wait_ms = 2000,
	    .name = "partner",
	};

	p->lacp = lacp_create(&cfg, &partner_ops, p);
	assert_non_null(p->lacp);
	for (int i = 0; i < NUP; i++) {
		struct lacp_port_config pc = {
		    .port_number = (uint16_t)(i + 1),
		    .port_priority = 255,
		    .mac = {0x02, 0x00, 0x00, 0x00, 0x99, (uint8_t)(i + 1)},
		    .speed_mbps = 10000,
		};

		p->sock[i] = sock_on(wire_ifindex[i], ETH_P_SLOW);
		assert_int_equal(lacp_port_add(p->lacp, (unsigned)i, &pc, now),
				 0);
		lacp_port_set_enabled(p->lacp, (unsigned)i, true, now);
	}
}

static void partner_close(struct partner *p)
{
	lacp_destroy(p->lacp);
	for (int i = 0; i < NUP; i++)
		close(p->sock[i]);
}

/* Delivers the LACPDUs in flight both ways until none is left. */
static void pump(struct fx *fx, struct partner *p)
{
	for (int round = 0; round < 8; round++) {
		int moved = loop_run_once(fx->loop, 0);

		for (int i = 0; i < NUP; i++) {
			uint8_t buf[2048];
			ssize_t n;

			while ((n = recv(p->sock[i], buf, sizeof(buf),
					 MSG_DONTWAIT)) >= 0) {
				lacp_rx(p->lacp, (unsigned)i, buf, (size_t)n,
					fx->now);
				moved++;
			}
		}
		if (moved <= 0)
			return;
	}
}

/* Runs both systems in 100 ms steps from fx->now until `done` or `ms`
 * pass; returns whether `done`. */
static bool run_lacp(struct fx *fx, struct partner *p, uint64_t ms,
		     bool (*done)(struct fx *))
{
	for (uint64_t end = fx->now + ms; fx->now < end;) {
		fx->now += 100;
		clock_fake_set(fx->now);
		bond_run(fx->bond, fx->now);
		lacp_run(p->lacp, fx->now);
		pump(fx, p);
		if (done && done(fx))
			return true;
	}
	return done == NULL;
}

static bool member_tx(struct fx *fx, int i)
{
	json_t *j = bond_json(fx->bond);
	bool tx = json_is_true(json_object_get(member_of(j, pf_nm[i]), "tx"));

	json_decref(j);
	return tx;
}

static bool both_tx(struct fx *fx)
{
	return member_tx(fx, A) && member_tx(fx, B);
}

static bool a_tx(struct fx *fx)
{
	return member_tx(fx, A);
}

/* With a partner, both members distribute; min_links 2 stops the
 * survivor as soon as one member goes down, min_links 1 lets it go on. */
static void test_8023ad_partner_min_links(void **state)
{
	struct fx *fx = *state;
	struct partner p;
	json_t *j, *l;

	bond_new(fx, "mode 802.3ad miimon 0 lacp_rate fast min_links 2");
	partner_open(&p, fx->now);
	if (!run_lacp(fx, &p, 10000, both_tx))
		fail_msg("the LAG did not form with the partner in 10 s");
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "up", "active", true, true, 0);
	j = bond_json(fx->bond);
	l = json_object_get(j, "lacp");
	assert_string_equal(jstr(l, "partner_mac"), "02:00:00:00:99:00");
	assert_int_equal(json_integer_value(json_object_get(l, "partner_key")),
			 0x55);
	assert_int_equal(json_integer_value(json_object_get(l, "num_ports")),
			 2);
	assert_true(json_is_true(json_object_get(l, "ready")));
	assert_string_equal(
	    jstr(json_object_get(member_of(j, "pfa"), "lacp"), "mux_state"),
	    "COLLECTING_DISTRIBUTING");
	json_decref(j);

	/* pfb's cable out (both sides see it): below min_links */
	cable(fx, B, false);
	lacp_port_set_enabled(p.lacp, B, false, fx->now);
	BOND(fx, "-", false, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	MEMBER(fx, B, "down", "down", false, false, 1);
	run_lacp(fx, &p, 3000, NULL);
	BOND(fx, "-", false, 2);
	MEMBER(fx, A, "up", "backup", false, false, 0);
	j = bond_json(fx->bond);
	l = json_object_get(j, "lacp");
	assert_true(json_is_false(json_object_get(l, "ready")));
	json_decref(j);

	/* min_links 1: the survivor is enough */
	reconfigure(fx, "mode 802.3ad miimon 0 lacp_rate fast min_links 1");
	if (!run_lacp(fx, &p, 5000, a_tx))
		fail_msg("pfa did not distribute again with min_links 1");
	BOND(fx, "-", true, 2);
	MEMBER(fx, A, "up", "active", true, true, 0);
	MEMBER(fx, B, "down", "down", false, false, 1);

	/* bond_destroy in the teardown sends nothing the partner needs */
	partner_close(&p);
}

/* ---- setup of the namespace ---- */

static int build_links(void)
{
	struct nl *nl = nl_open();
	int ret = -1;

	if (!nl) {
		fprintf(stderr, "test_bond: nl_open failed\n");
		return -1;
	}
	for (int i = 0; i < NUP; i++) {
		struct nl_link_info info;

		up_ifindex[i] =
		    nl_veth_create(nl, up_dev[i], wire_dev[i], NULL);
		if (up_ifindex[i] < 0 ||
		    nl_link_get(nl, wire_dev[i], 0, &info) < 0) {
			fprintf(stderr, "test_bond: veth %s: %s\n", up_dev[i],
				strerror(up_ifindex[i] < 0 ? -up_ifindex[i]
							   : ENODEV));
			goto close_nl;
		}
		wire_ifindex[i] = info.ifindex;
	}
	ret = 0;
close_nl:
	nl_close(nl);
	return ret;
}

#define BOND_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_parse_accepts_documented),
	    cmocka_unit_test(test_config_parse_refuses),
	    BOND_TEST(test_ab_first_member_active),
	    BOND_TEST(test_ab_failover_at_once_no_failback),
	    BOND_TEST(test_ab_primary_failback),
	    BOND_TEST(test_ab_all_down),
	    BOND_TEST(test_ab_downdelay),
	    BOND_TEST(test_ab_downdelay_flap),
	    BOND_TEST(test_ab_updelay),
	    BOND_TEST(test_ab_updelay_flap),
	    BOND_TEST(test_ab_updelay_ignored_when_none_up),
	    BOND_TEST(test_xor_updelay_ignored_when_none_up),
	    BOND_TEST(test_miimon_polls_carrier),
	    BOND_TEST(test_ab_member_del_active),
	    BOND_TEST(test_member_add_checks),
	    BOND_TEST(test_member_uplink_deleted),
	    BOND_TEST(test_xor_all_up_transmit),
	    BOND_TEST(test_xor_downdelay),
	    BOND_TEST(test_xor_min_links_not_applied),
	    BOND_TEST(test_reconfigure),
	    BOND_TEST(test_xmit_member_xor),
	    BOND_TEST(test_xmit_member_ab),
	    BOND_TEST(test_failover_announces_vf_macs),
	    BOND_TEST(test_member_del_announces_remaining_macs),
	    BOND_TEST(test_destroy_announces_nothing),
	    BOND_TEST(test_ab_vf_traffic_follows_active),
	    BOND_TEST(test_8023ad_json_and_lacpdus),
	    BOND_TEST(test_8023ad_partner_min_links),
	};

	int ret = test_private_netns_enter("test_bond");

	if (ret)
		return ret;
	log_set_quiet(getenv("VFLAG_TEST_LOG") == NULL);
	if (build_links() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
