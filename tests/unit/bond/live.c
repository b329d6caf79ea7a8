/* The fixture of the bond's live tests (see live.h). */
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
#include "../common/private_netns.h"
#include "dp/dp.h"
#include "eswitch/eswitch.h"
#include "lacp/lacp.h"
#include "daemon/daemon_impl.h"
#include "ctl/reply_bond.h"
#include "lag/bond.h"
#include "lag/flow_spec.h"
#include "lag/xmit_hash.h"
#include "nl/nl.h"

#include "live.h"

const char *const up_dev[NUP] = {"up0", "up1"};
const char *const wire_dev[NUP] = {"up0w", "up1w"};
const char *const pf_nm[NUP] = {"pfa", "pfb"};

/* Built once in main(), in the private namespace. */
int up_ifindex[NUP];
int wire_ifindex[NUP];

/* `bond show`'s and `bond xmit-member`'s JSON, as vflagd writes them. */
json_t *live_bond_json(struct vflagd_bond *g)
{
	struct bond_status st;

	bond_get_status(vflagd_bond_bond(g), &st);
	return reply_bond_json(&st);
}

json_t *live_xmit_json(struct vflagd_bond *g, const uint8_t *frame, size_t len)
{
	struct bond_xmit x;

	bond_xmit_member(vflagd_bond_bond(g), frame, len, &x);
	return reply_bond_xmit_json(bond_name(vflagd_bond_bond(g)), &x);
}

/* ---- fixture ---- */

int fx_setup(void **state)
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
	fx->d = vflagd_open_on(fx->loop, fx->sw, fx->dp);
	if (!fx->d)
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

int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (!fx)
		return 0;
	vflagd_close(fx->d);
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
int split(const char *line, char *buf, size_t cap, char **argv)
{
	int argc = 0;

	snprintf(buf, cap, "%s", line);
	for (char *w = strtok(buf, " "); w && argc < 32; w = strtok(NULL, " "))
		argv[argc++] = w;
	return argc;
}

/* bond_config_parse() of the option words `opts` on top of the defaults;
 * every word must be taken. */
void config_of(const char *opts, struct bond_config *cfg)
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
void bond_new_empty(struct fx *fx, const char *opts)
{
	struct bond_config cfg;

	config_of(opts, &cfg);
	if (vflagd_bond_add(fx->d, "bond0", &cfg, &fx->bond, fx->err,
			    sizeof(fx->err)))
		fail_msg("bond_create: %s", fx->err);
}

/* Creates bond0 with `opts`, then enslaves pfa and pfb, in that order. */
void bond_new(struct fx *fx, const char *opts)
{
	bond_new_empty(fx, opts);
	for (int i = 0; i < NUP; i++)
		if (vflagd_bond_member_add(fx->d, fx->bond, fx->pf[i], fx->err,
					   sizeof(fx->err)))
			fail_msg("member add %s: %s", pf_nm[i], fx->err);
}

/* bond_reconfigure() to `opts`, which must be accepted. */
void reconfigure(struct fx *fx, const char *opts)
{
	struct bond_config cfg;

	config_of(opts, &cfg);
	if (bond_reconfigure(vflagd_bond_bond(fx->bond), &cfg, fx->now, fx->err,
			     sizeof(fx->err)))
		fail_msg("reconfigure '%s': %s", opts, fx->err);
}

/* ---- carrier and time ---- */

/* Plugs or pulls member i's cable, reads the carrier the kernel then
 * reports and hands that, as vflagd's link monitor would, to the eswitch
 * and the bond. */
void cable(struct fx *fx, int i, bool in)
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
	vflagd_bond_link_changed(fx->d, pf, fx->now);
}

/* A carrier event that the device does not back (miimon 0 only). */
void fake_carrier(struct fx *fx, int i, bool carrier)
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
	vflagd_bond_link_changed(fx->d, pf, fx->now);
}

/* Moves the clock to `at` (ms after T0) and runs the bond's timers. */
void run_at(struct fx *fx, uint64_t at)
{
	assert_true(T0 + at >= fx->now);
	fx->now = T0 + at;
	clock_fake_set(fx->now);
	bond_run(vflagd_bond_bond(fx->bond), fx->now);
}

/* ---- bond_json ---- */

const char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		return json_string_value(v);
	return json_is_null(v) ? "null" : v ? "(not a string)" : "(absent)";
}

const char *jstr_at(json_t *array, size_t i)
{
	const char *s = json_string_value(json_array_get(array, i));

	return s ? s : "(not a string)";
}

json_t *member_of(json_t *bond, const char *name)
{
	json_t *members = json_object_get(bond, "members");

	for (size_t i = 0; i < json_array_size(members); i++)
		if (!strcmp(jstr(json_array_get(members, i), "name"), name))
			return json_array_get(members, i);
	return NULL;
}

void mismatch(struct why *w, const char *file, int line, const char *fmt, ...)
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

void check_bool(struct why *w, json_t *obj, const char *key, bool want,
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

void check_str(struct why *w, json_t *obj, const char *key, const char *want,
	       const char *what, const char *file, int line)
{
	const char *got = jstr(obj, key);

	if (strcmp(got, want))
		mismatch(w, file, line, "%s: \"%s\" is \"%s\", expected \"%s\"",
			 what, key, got, want);
}

/* Member i as `bond show` gives it. */
void check_member(struct fx *fx, int i, const char *link, const char *state,
		  bool tx, bool rx, int failures, const char *file, int line)
{
	json_t *j = live_bond_json(fx->bond), *m = member_of(j, pf_nm[i]);
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

/* The bond's "active" (NULL: null; "-": absent) and "carrier", and how
 * many members it lists. */
void check_bond(struct fx *fx, const char *active, bool carrier, int nmembers,
		const char *file, int line)
{
	json_t *j = live_bond_json(fx->bond),
	       *act = json_object_get(j, "active");
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

/* ---- the wire ---- */

/* A packet socket on wire end i (or any ifindex) for one ethertype. */
int sock_on(int ifindex, uint16_t proto)
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

/* Frames arriving on fd: waits up to 1 s for `want` of them, then 100 ms
 * more for any that should not be there. Returns how many (<= cap). */
int read_frames(int fd, struct rx_frame *out, int cap, int want)
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

void drain(int fd)
{
	uint8_t buf[2048];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const uint8_t slow_mac[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x02};

void dev_mac(struct fx *fx, const char *dev, uint8_t mac[6])
{
	struct nl_link_info info;

	assert_int_equal(nl_link_get(fx->nl, dev, 0, &info), 0);
	memcpy(mac, info.mac, 6);
}

/* ---- setup of the namespace ---- */

int live_build_links(void)
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

int live_main(const struct CMUnitTest *tests, size_t n, const char *name)
{
	int ret = test_private_netns_enter(name);

	if (ret)
		return ret;
	log_set_quiet(getenv("VFLAG_TEST_LOG") == NULL);
	if (live_build_links() < 0)
		return 1;
	return _cmocka_run_group_tests(name, tests, n, NULL, NULL);
}
