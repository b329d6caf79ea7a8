/* Live tests of the bond in 802.3ad mode through its glue over a real
 * eswitch (see live.h): LACPDUs on the wire from each member's MAC, and
 * a LACP partner on the far ends of the veths, so every LACPDU crosses
 * the eswitch's hooks and the bond's sockets.
 *
 * Needs root; exits 77 ("skipped") without it. */
#include <errno.h>
#include <poll.h>
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
#include <jansson.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "common/clock.h"
#include "common/log.h"
#include "eswitch/eswitch.h"
#include "lacp/lacp.h"
#include "lag/bond.h"
#include "lag/flow_spec.h"
#include "lag/xmit_hash.h"
#include "live.h"

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

	j = live_bond_json(fx->bond);
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
	j = live_bond_json(fx->bond);
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
		bond_run(vflagd_bond_bond(fx->bond), fx->now);
		lacp_run(p->lacp, fx->now);
		pump(fx, p);
		if (done && done(fx))
			return true;
	}
	return done == NULL;
}

static bool member_tx(struct fx *fx, int i)
{
	json_t *j = live_bond_json(fx->bond);
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
	j = live_bond_json(fx->bond);
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
	j = live_bond_json(fx->bond);
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

#define BOND_TEST(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    BOND_TEST(test_8023ad_json_and_lacpdus),
	    BOND_TEST(test_8023ad_partner_min_links),
	};

	return live_main(tests, sizeof(tests) / sizeof(tests[0]),
			 "test_bond_live_lacp");
}
