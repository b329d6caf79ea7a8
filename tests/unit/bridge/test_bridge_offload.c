/* Unit tests of the bridge offload model (src/bridge) on a fake eswitch
 * and flow table: which rules the bridge's decisions become, extern_learn
 * marking, moves, ports leaving or blocking, and ageing by last use. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/if_bridge.h>

#include "bridge/bridge_offload.h"
#include "bpf/vflag_dp.h"

enum { BR = 10, REP1 = 11, REP2 = 12, LAGREP = 13, FOREIGN = 14, BR2 = 20 };

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t mac_r[6] = {0x02, 0, 0, 0, 0, 0x7e};

#define MAX_FAKE 64

struct fake {
	struct bro_rule rule[MAX_FAKE];
	uint32_t handle[MAX_FAKE];
	uint64_t last_used[MAX_FAKE];
	unsigned n;
	uint32_t next_handle;
	bool in_hw;
	int refuse; /* rule_add fails this many times */
	unsigned marks, dels;
	int del_port[MAX_FAKE];
	uint8_t del_mac[MAX_FAKE][6];
};

static bool fake_resolve(void *ctx, int ifindex, struct bro_port *out)
{
	(void)ctx;
	switch (ifindex) {
	case REP1:
	case REP2:
		*out = (struct bro_port){
		    BRO_PORT_VF, "rep", (uint32_t)ifindex - 10,
		    (uint32_t)ifindex + 100, (uint32_t)ifindex - 10};
		out->name[3] = (char)('0' + ifindex - 10);
		return true;
	case LAGREP:
		*out = (struct bro_port){BRO_PORT_LAG, "bond0",
					 VFLAG_FLOW_OUT_LAG | 0,
					 VFLAG_FLOW_OUT_LAG | 0, 0};
		return true;
	}
	return false;
}

static int fake_rule_add(void *ctx, const struct bro_rule *r, uint32_t *handle,
			 bool *in_hw)
{
	struct fake *f = ctx;

	if (f->refuse) {
		f->refuse--;
		return -ENOSPC;
	}
	assert_true(f->n < MAX_FAKE);
	f->rule[f->n] = *r;
	f->handle[f->n] = *handle = ++f->next_handle;
	f->last_used[f->n] = 0;
	f->n++;
	*in_hw = f->in_hw;
	return 0;
}

static void fake_rule_del(void *ctx, uint32_t handle)
{
	struct fake *f = ctx;

	for (unsigned i = 0; i < f->n; i++) {
		if (f->handle[i] == handle) {
			f->n--;
			f->rule[i] = f->rule[f->n];
			f->handle[i] = f->handle[f->n];
			f->last_used[i] = f->last_used[f->n];
			return;
		}
	}
	fail_msg("rule_del of unknown handle %u", handle);
}

static bool fake_in_hw(void *ctx, uint32_t handle)
{
	struct fake *f = ctx;

	(void)handle;
	return f->in_hw;
}

static uint64_t fake_last_used(void *ctx, uint32_t handle)
{
	struct fake *f = ctx;

	for (unsigned i = 0; i < f->n; i++)
		if (f->handle[i] == handle)
			return f->last_used[i];
	return 0;
}

static int fake_ext_learn(void *ctx, int port, const uint8_t mac[6])
{
	struct fake *f = ctx;

	(void)port;
	(void)mac;
	f->marks++;
	return 0;
}

static int fake_fdb_del(void *ctx, int port, const uint8_t mac[6])
{
	struct fake *f = ctx;

	f->del_port[f->dels] = port;
	memcpy(f->del_mac[f->dels], mac, 6);
	f->dels++;
	return 0;
}

static const struct bridge_offload_ops fake_ops = {
    .resolve = fake_resolve,
    .rule_add = fake_rule_add,
    .rule_del = fake_rule_del,
    .rule_in_hw = fake_in_hw,
    .rule_last_used = fake_last_used,
    .fdb_ext_learn = fake_ext_learn,
    .fdb_del = fake_fdb_del,
};

struct fx {
	struct fake fake;
	struct bridge_offload *bo;
};

static void link_ev(struct bridge_offload *bo, int ifindex, int master,
		    int state)
{
	struct nl_brlink_event ev = {.ifindex = ifindex,
				     .master = master,
				     .port_state = state,
				     .admin_up = true,
				     .is_bridge =
					 ifindex == BR || ifindex == BR2,
				     .ageing_cs = ifindex == BR ? 500 : 0};

	bridge_offload_link(bo, &ev);
}

static void fdb_ev(struct bridge_offload *bo, int port, const uint8_t mac[6],
		   bool deleted, uint64_t now)
{
	struct nl_fdb_event ev = {
	    .port = port, .master = BR, .deleted = deleted};

	memcpy(ev.mac, mac, 6);
	bridge_offload_fdb(bo, &ev, now);
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx->fake.in_hw = true;
	fx->bo = bridge_offload_create(&fake_ops, &fx->fake);
	link_ev(fx->bo, BR, 0, -1);
	link_ev(fx->bo, REP1, BR, BR_STATE_FORWARDING);
	link_ev(fx->bo, REP2, BR, BR_STATE_FORWARDING);
	link_ev(fx->bo, LAGREP, BR, BR_STATE_FORWARDING);
	link_ev(fx->bo, FOREIGN, BR, BR_STATE_FORWARDING);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	bridge_offload_destroy(fx->bo);
	/* Destroy removes every rule it installed. */
	assert_int_equal(fx->fake.n, 0);
	free(fx);
	return 0;
}

/* Whether the fake has (in_port, [src], dst) -> out_ifindex. */
static bool has_rule(const struct fake *f, uint32_t in_port, const uint8_t *src,
		     const uint8_t dst[6], uint32_t out)
{
	for (unsigned i = 0; i < f->n; i++) {
		const struct bro_rule *r = &f->rule[i];

		if (r->in_port == in_port && !memcmp(r->dst, dst, 6) &&
		    r->out.out_ifindex == out &&
		    r->match_src == (src != NULL) &&
		    (!src || !memcmp(r->src, src, 6)))
			return true;
	}
	return false;
}

#define LAG_IN (VFLAG_FLOW_OUT_LAG | 0)

static void test_vf_and_wire(void **state)
{
	struct fx *fx = *state;

	fdb_ev(fx->bo, REP1, mac_a, false, 1);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 1);
	bridge_offload_sync(fx->bo, 1);
	/* wire -> VF1 by its MAC, VF1 -> wire by (its MAC, R). */
	assert_int_equal(fx->fake.n, 2);
	assert_true(has_rule(&fx->fake, LAG_IN, NULL, mac_a, 111));
	assert_true(has_rule(&fx->fake, 1, mac_a, mac_r, LAG_IN));
	assert_int_equal(fx->fake.marks, 2);
	/* Syncing again changes nothing. */
	bridge_offload_sync(fx->bo, 2);
	assert_int_equal(fx->fake.n, 2);
	assert_int_equal(fx->fake.next_handle, 2);
}

static void test_vf_to_vf(void **state)
{
	struct fx *fx = *state;

	fdb_ev(fx->bo, REP1, mac_a, false, 1);
	fdb_ev(fx->bo, REP2, mac_b, false, 1);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 1);
	bridge_offload_sync(fx->bo, 1);
	assert_true(has_rule(&fx->fake, 1, mac_a, mac_b, 112));
	assert_true(has_rule(&fx->fake, 2, mac_b, mac_a, 111));
	assert_true(has_rule(&fx->fake, LAG_IN, NULL, mac_b, 112));
	assert_true(has_rule(&fx->fake, 2, mac_b, mac_r, LAG_IN));
	assert_int_equal(fx->fake.n, 6);
}

static void test_foreign_port_ignored(void **state)
{
	struct fx *fx = *state;

	fdb_ev(fx->bo, FOREIGN, mac_b, false, 1);
	fdb_ev(fx->bo, REP1, mac_a, false, 1);
	bridge_offload_sync(fx->bo, 1);
	/* Only wire -> A; nothing to or from the foreign port's MAC. */
	assert_int_equal(fx->fake.n, 1);
	assert_true(has_rule(&fx->fake, LAG_IN, NULL, mac_a, 111));
	assert_int_equal(fx->fake.marks, 1);
}

static void test_local_and_self_ignored(void **state)
{
	struct fx *fx = *state;
	struct nl_fdb_event ev = {.port = REP1, .master = BR, .local = true};

	memcpy(ev.mac, mac_a, 6);
	bridge_offload_fdb(fx->bo, &ev, 1);
	ev.local = false;
	ev.self = true;
	bridge_offload_fdb(fx->bo, &ev, 1);
	ev.self = false;
	ev.vlan = 5;
	bridge_offload_fdb(fx->bo, &ev, 1);
	bridge_offload_sync(fx->bo, 1);
	assert_int_equal(fx->fake.n, 0);
}

static void test_port_leaves_and_blocks(void **state)
{
	struct fx *fx = *state;

	fdb_ev(fx->bo, REP1, mac_a, false, 1);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 1);
	bridge_offload_sync(fx->bo, 1);
	assert_int_equal(fx->fake.n, 2);
	/* The LAG representor blocks (STP): nothing via it, and the
	 * addresses go back to the bridge, which learns them anew. */
	link_ev(fx->bo, LAGREP, BR, BR_STATE_BLOCKING);
	bridge_offload_sync(fx->bo, 2);
	assert_int_equal(fx->fake.n, 0);
	assert_int_equal(fx->fake.dels, 2);
	link_ev(fx->bo, LAGREP, BR, BR_STATE_FORWARDING);
	fdb_ev(fx->bo, REP1, mac_a, false, 3);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 3);
	bridge_offload_sync(fx->bo, 3);
	assert_int_equal(fx->fake.n, 2);
	/* VF1's representor leaves the bridge. */
	link_ev(fx->bo, REP1, 0, -1);
	bridge_offload_sync(fx->bo, 4);
	assert_int_equal(fx->fake.n, 0);
}

static void test_move(void **state)
{
	struct fx *fx = *state;
	struct bridge_offload_status st;

	fdb_ev(fx->bo, REP1, mac_a, false, 1);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 1);
	bridge_offload_sync(fx->bo, 1);
	fdb_ev(fx->bo, REP2, mac_a, false, 2); /* A moved to VF2 */
	bridge_offload_sync(fx->bo, 2);
	assert_int_equal(fx->fake.n, 2);
	assert_true(has_rule(&fx->fake, LAG_IN, NULL, mac_a, 112));
	assert_true(has_rule(&fx->fake, 2, mac_a, mac_r, LAG_IN));
	bridge_offload_status(fx->bo, &st);
	assert_int_equal(st.moves, 1);
	/* A delete for the old port is stale: the entry stays. */
	fdb_ev(fx->bo, REP1, mac_a, true, 3);
	bridge_offload_sync(fx->bo, 3);
	assert_int_equal(fx->fake.n, 2);
	fdb_ev(fx->bo, REP2, mac_a, true, 3);
	bridge_offload_sync(fx->bo, 3);
	assert_int_equal(fx->fake.n, 0);
}

static void test_not_in_hw_not_marked(void **state)
{
	struct fx *fx = *state;

	fx->fake.in_hw = false;
	fdb_ev(fx->bo, REP1, mac_a, false, 1);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 1);
	bridge_offload_sync(fx->bo, 1);
	assert_int_equal(fx->fake.n, 2);
	/* The bridge still sees the traffic: it keeps ageing. */
	assert_int_equal(fx->fake.marks, 0);
	assert_int_equal(bridge_offload_age(fx->bo, 1000000000000ull), 0);
	assert_int_equal(fx->fake.dels, 0);
}

static void test_offload_off_unmarks(void **state)
{
	struct fx *fx = *state;

	fdb_ev(fx->bo, REP1, mac_a, false, 1);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 1);
	bridge_offload_sync(fx->bo, 1);
	assert_int_equal(fx->fake.marks, 2);
	/* hw-tc-offload off: the rules stay (not in hw), the marked entries
	 * go back to the bridge, which learns them again itself. */
	fx->fake.in_hw = false;
	bridge_offload_sync(fx->bo, 2);
	assert_int_equal(fx->fake.dels, 2);
	assert_int_equal(fx->fake.n, 0); /* their entries went: so did they */
	fdb_ev(fx->bo, REP1, mac_a, false, 3);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 3);
	bridge_offload_sync(fx->bo, 3);
	assert_int_equal(fx->fake.n, 2);
	assert_int_equal(fx->fake.marks, 2);
	/* On again: marked again. */
	fx->fake.in_hw = true;
	bridge_offload_sync(fx->bo, 4);
	assert_int_equal(fx->fake.marks, 4);
	assert_int_equal(fx->fake.dels, 2);
}

static void test_refused_rule_retried(void **state)
{
	struct fx *fx = *state;

	fx->fake.refuse = 1;
	fdb_ev(fx->bo, REP1, mac_a, false, 1);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 1);
	bridge_offload_sync(fx->bo, 1);
	assert_int_equal(fx->fake.n, 1);
	bridge_offload_sync(fx->bo, 2);
	assert_int_equal(fx->fake.n, 2);
}

static void test_ageing(void **state)
{
	struct fx *fx = *state;
	const uint64_t s = 1000000000ull, ageing = 5 * s; /* 500 cs */
	uint64_t next;

	fdb_ev(fx->bo, REP1, mac_a, false, 10 * s);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 10 * s);
	bridge_offload_sync(fx->bo, 10 * s);
	next = bridge_offload_age(fx->bo, 11 * s);
	assert_int_equal(next, 10 * s + ageing);
	/* Traffic to A through its rule keeps A; R's rule (A -> R) too,
	 * since A sends to R. */
	for (unsigned i = 0; i < fx->fake.n; i++)
		fx->fake.last_used[i] = 14 * s;
	next = bridge_offload_age(fx->bo, 16 * s);
	assert_int_equal(next, 14 * s + ageing);
	assert_int_equal(fx->fake.dels, 0);
	/* Only wire -> A keeps being hit: R ages out (only A -> R uses it);
	 * A stays. */
	for (unsigned i = 0; i < fx->fake.n; i++)
		if (fx->fake.rule[i].in_port == LAG_IN)
			fx->fake.last_used[i] = 18 * s;
	next = bridge_offload_age(fx->bo, 19 * s + 1);
	assert_int_equal(fx->fake.dels, 1);
	assert_int_equal(fx->fake.del_port[0], LAGREP);
	assert_memory_equal(fx->fake.del_mac[0], mac_r, 6);
	/* R's rule went with it; A still has wire -> A, used at 18 s. */
	assert_int_equal(fx->fake.n, 1);
	assert_int_equal(next, 18 * s + ageing);
	next = bridge_offload_age(fx->bo, 24 * s);
	assert_int_equal(fx->fake.dels, 2);
	assert_int_equal(fx->fake.n, 0);
	assert_int_equal(next, 0);
}

static void test_dump_drops_unseen(void **state)
{
	struct fx *fx = *state;

	fdb_ev(fx->bo, REP1, mac_a, false, 1);
	fdb_ev(fx->bo, LAGREP, mac_r, false, 1);
	bridge_offload_sync(fx->bo, 1);
	bridge_offload_dump_begin(fx->bo);
	fdb_ev(fx->bo, REP1, mac_a, false, 2);
	bridge_offload_dump_end(fx->bo);
	bridge_offload_sync(fx->bo, 2);
	assert_int_equal(fx->fake.n, 1);
	assert_true(has_rule(&fx->fake, LAG_IN, NULL, mac_a, 111));
}

static void test_other_bridge_separate(void **state)
{
	struct fx *fx = *state;
	struct nl_fdb_event ev = {.port = REP2, .master = BR2};

	/* VF2's representor in another bridge: no rule joins the two. */
	link_ev(fx->bo, BR2, 0, -1);
	link_ev(fx->bo, REP2, BR2, BR_STATE_FORWARDING);
	fdb_ev(fx->bo, REP1, mac_a, false, 1);
	memcpy(ev.mac, mac_b, 6);
	bridge_offload_fdb(fx->bo, &ev, 1);
	bridge_offload_sync(fx->bo, 1);
	assert_int_equal(fx->fake.n, 1);
	assert_true(has_rule(&fx->fake, LAG_IN, NULL, mac_a, 111));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_vf_and_wire),
	    T(test_vf_to_vf),
	    T(test_foreign_port_ignored),
	    T(test_local_and_self_ignored),
	    T(test_port_leaves_and_blocks),
	    T(test_move),
	    T(test_not_in_hw_not_marked),
	    T(test_refused_rule_retried),
	    T(test_offload_off_unmarks),
	    T(test_ageing),
	    T(test_dump_drops_unseen),
	    T(test_other_bridge_separate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
