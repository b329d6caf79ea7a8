/* Unit tests of src/nl/nl_bridge.c against the running kernel's bridge,
 * each in a fresh network namespace (needs root; 77 = skipped without
 * CAP_SYS_ADMIN). The bridge and its ports are made with ip(8): what is
 * under test is how we read the bridge and write its FDB. */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/if_bridge.h>

#include "nl/nl.h"
#include "nl/nl_bridge.h"

#define SKIP_STATUS 77

static const uint8_t mac_c[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0c};

struct seen {
	int br, port;
	bool br_is_bridge;
	uint32_t ageing_cs;
	int port_master, port_state;
	unsigned fdb_events;
	struct nl_fdb_event last_fdb; /* for mac_c */
	bool have_fdb;
};

struct fx {
	struct nl *nl;
	struct seen seen;
};

static void sh(const char *cmd)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s >/dev/null 2>&1", cmd);
	assert_int_equal(system(buf), 0);
}

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx || unshare(CLONE_NEWNET) < 0)
		return -1;
	fx->nl = nl_open();
	if (!fx->nl)
		return -1;
	sh("ip link add brt type bridge");
	sh("ip link add pt0 type veth peer name pt1");
	sh("ip link set pt0 master brt");
	sh("ip link set brt up");
	sh("ip link set pt0 up");
	sh("ip link set pt1 up");
	fx->seen.br = (int)if_nametoindex("brt");
	fx->seen.port = (int)if_nametoindex("pt0");
	fx->seen.port_state = -1;
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;

	/* The namespace goes with the process; delete what we made anyway. */
	(void)!system("ip link del brt >/dev/null 2>&1");
	(void)!system("ip link del pt0 >/dev/null 2>&1");
	nl_close(fx->nl);
	free(fx);
	return 0;
}

static void on_link(void *ctx, const struct nl_brlink_event *ev)
{
	struct seen *s = ctx;

	if (ev->ifindex == s->br && !ev->bridge_family) {
		s->br_is_bridge = ev->is_bridge;
		if (ev->ageing_cs)
			s->ageing_cs = ev->ageing_cs;
	}
	if (ev->ifindex == s->port) {
		s->port_master = ev->master;
		if (ev->port_state >= 0)
			s->port_state = ev->port_state;
	}
}

static void on_fdb(void *ctx, const struct nl_fdb_event *ev)
{
	struct seen *s = ctx;

	s->fdb_events++;
	if (!memcmp(ev->mac, mac_c, 6)) {
		s->last_fdb = *ev;
		s->have_fdb = true;
	}
}

static void test_link_dump(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(nl_brlink_dump(fx->nl, on_link, &fx->seen), 0);
	assert_true(fx->seen.br_is_bridge);
	assert_int_equal(fx->seen.ageing_cs, 30000); /* the default, 300 s */
	assert_int_equal(fx->seen.port_master, fx->seen.br);
	assert_int_equal(fx->seen.port_state, BR_STATE_FORWARDING);
}

/* Reads the monitor until cond holds or a second passes. */
static void pump(struct nl_bridge_monitor *mon, struct seen *s,
		 bool (*cond)(const struct seen *))
{
	struct pollfd p = {.fd = nl_bridge_monitor_fd(mon), .events = POLLIN};

	for (int i = 0; i < 20 && !cond(s); i++) {
		(void)poll(&p, 1, 50);
		assert_true(nl_bridge_monitor_read(mon, on_fdb, on_link, s) >=
			    0);
	}
	assert_true(cond(s));
}

static bool fdb_learned(const struct seen *s)
{
	return s->have_fdb && !s->last_fdb.deleted && !s->last_fdb.ext_learned;
}

static bool fdb_ext(const struct seen *s)
{
	return s->have_fdb && s->last_fdb.ext_learned && !s->last_fdb.deleted;
}

static bool fdb_gone(const struct seen *s)
{
	return s->have_fdb && s->last_fdb.deleted;
}

static bool ageing_500(const struct seen *s)
{
	return s->ageing_cs == 500;
}

static void test_fdb_events_and_writes(void **state)
{
	struct fx *fx = *state;
	struct nl_bridge_monitor *mon = nl_bridge_monitor_open();
	struct seen dumped;

	assert_non_null(mon);
	/* A dynamic entry, as learning makes it. */
	sh("bridge fdb add 02:00:00:00:00:0c dev pt0 master dynamic");
	pump(mon, &fx->seen, fdb_learned);
	assert_int_equal(fx->seen.last_fdb.port, fx->seen.port);
	assert_int_equal(fx->seen.last_fdb.master, fx->seen.br);
	assert_false(fx->seen.last_fdb.local);
	assert_false(fx->seen.last_fdb.self);

	/* Marked extern_learn: the event and a dump say so. */
	assert_int_equal(nl_fdb_ext_learn(fx->nl, fx->seen.port, mac_c, 0), 0);
	pump(mon, &fx->seen, fdb_ext);
	memset(&dumped, 0, sizeof(dumped));
	assert_int_equal(nl_fdb_dump(fx->nl, on_fdb, &dumped), 0);
	assert_true(dumped.have_fdb);
	assert_true(dumped.last_fdb.ext_learned);
	/* The ports' own addresses are in the dump too, as local. */
	assert_true(dumped.fdb_events > 1);

	assert_int_equal(nl_fdb_del(fx->nl, fx->seen.port, mac_c, 0), 0);
	pump(mon, &fx->seen, fdb_gone);
	assert_int_equal(nl_fdb_del(fx->nl, fx->seen.port, mac_c, 0), -ENOENT);

	sh("ip link set brt type bridge ageing_time 500");
	pump(mon, &fx->seen, ageing_500);
	nl_bridge_monitor_close(mon);
}

static void test_port_leaves(void **state)
{
	struct fx *fx = *state;
	struct nl_bridge_monitor *mon = nl_bridge_monitor_open();

	assert_non_null(mon);
	fx->seen.port_master = fx->seen.br;
	sh("ip link set pt0 nomaster");
	struct pollfd p = {.fd = nl_bridge_monitor_fd(mon), .events = POLLIN};
	for (int i = 0; i < 20 && fx->seen.port_master; i++) {
		(void)poll(&p, 1, 50);
		nl_bridge_monitor_read(mon, on_fdb, on_link, &fx->seen);
	}
	assert_int_equal(fx->seen.port_master, 0);
	nl_bridge_monitor_close(mon);
}

static void test_bad_writes(void **state)
{
	struct fx *fx = *state;

	/* Not a bridge port: the kernel refuses, we pass it on. */
	assert_true(
	    nl_fdb_ext_learn(fx->nl, (int)if_nametoindex("pt1"), mac_c, 0) < 0);
	assert_true(nl_fdb_del(fx->nl, 999999, mac_c, 0) < 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_link_dump),
	    T(test_fdb_events_and_writes),
	    T(test_port_leaves),
	    T(test_bad_writes),
	};

	if (geteuid() != 0)
		return SKIP_STATUS;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
