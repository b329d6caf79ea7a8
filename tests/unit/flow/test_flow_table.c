/* Unit tests of the classifier's model (flow/flow_table.c) on the
 * in-memory backend (fake_flow.c), whose lookup is the datapath's
 * tuple-space search: priorities across masks, mask slots and their
 * list, not_in_hw reasons, deletes and promotion, handles, adoption. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "bpf/vflag_flow.h"
#include "fake_flow.h"
#include "flow/flow_table.h"
#include "words.h"

struct fx {
	struct fake_flow fake;
	struct flow_table *ft;
};

static char err[256];

static int setup(void **state)
{
	static struct fx fx;

	memset(&fx, 0, sizeof(fx));
	fake_offload_off = false;
	fake_port_base = 10;
	fx.ft =
	    flow_table_create(&fake_flow_ops, &fx.fake, &fake_flow_resolver);
	*state = &fx;
	return fx.ft ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	flow_table_destroy(fx->ft);
	fake_flow_free(&fx->fake);
	return 0;
}

static int add(struct fx *fx, const char *spec)
{
	char *argv[64];
	int argc = words(spec, argv);
	struct flower_rule r;

	if (flower_parse(argc, argv, &r, err, sizeof(err)))
		fail_msg("%s: %s", spec, err);
	return flow_table_add(fx->ft, &r, err, sizeof(err));
}

/* A frame's key: from vf<in - 10>, to dst MAC ..:dst, IPv4 TCP. */
static struct vflag_flow_key key(uint32_t in_port, uint8_t dst, const char *dip,
				 uint16_t dport)
{
	struct vflag_flow_key k = {
	    .in_port = in_port, .eth_type = 0x0800, .ip_proto = 6};

	k.dst[0] = 2;
	k.dst[5] = dst;
	k.src[0] = 2;
	k.src[5] = 0x99;
	inet_pton(AF_INET, dip, &k.dst_ip[0]);
	k.dst_port = htons(dport);
	return k;
}

static uint32_t hit(struct fx *fx, struct vflag_flow_key k)
{
	const struct vflag_flow_act *a = fake_flow_lookup(&fx->fake, &k);

	return a ? a->rule_id : 0;
}

struct shown {
	unsigned n;
	struct flow_table_entry e[64];
};

static void collect(void *arg, const struct flow_table_entry *e)
{
	struct shown *s = arg;

	if (s->n < 64)
		s->e[s->n++] = *e;
}

static struct flow_table_entry entry(struct fx *fx, uint32_t handle)
{
	struct shown s = {0};

	flow_table_walk(fx->ft, NULL, true, collect, &s);
	for (unsigned i = 0; i < s.n; i++)
		if (s.e[i].rule.handle == handle)
			return s.e[i];
	fail_msg("no handle %u", handle);
	return s.e[0];
}

/* The lowest prio wins whatever mask holds it; the list is sorted. */
static void test_priority_across_masks(void **state)
{
	struct fx *fx = *state;
	struct vflag_flow_mask_list l;
	int h_mac, h_ip, h_port;

	h_mac = add(fx, "dev vf0 prio 20 flower dst_mac 02:00:00:00:00:01 "
			"action drop");
	h_ip = add(fx, "dev vf0 prio 10 flower eth_type ipv4 dst_ip "
		       "10.0.0.0/8 action drop");
	h_port = add(fx, "dev vf0 prio 30 flower eth_type ipv4 ip_proto tcp "
			 "dst_port 80 action drop");
	assert_true(h_mac > 0 && h_ip > 0 && h_port > 0);
	assert_int_equal(flow_table_masks(fx->ft), 3);
	flow_table_mask_list(fx->ft, &l);
	assert_int_equal(l.count, 3);
	assert_int_equal(l.best_prio[0], 10);
	assert_int_equal(l.best_prio[1], 20);
	assert_int_equal(l.best_prio[2], 30);
	assert_memory_equal(&l, &fx->fake.list, sizeof(l));
	/* All three match: prio 10. */
	assert_int_equal(hit(fx, key(10, 1, "10.1.2.3", 80)), h_ip);
	/* Outside 10/8: the MAC rule (20) beats the port rule (30). */
	assert_int_equal(hit(fx, key(10, 1, "192.168.0.1", 80)), h_mac);
	assert_int_equal(hit(fx, key(10, 2, "192.168.0.1", 80)), h_port);
	assert_int_equal(hit(fx, key(10, 2, "192.168.0.1", 81)), 0);
	/* Another port's frames: no rule. */
	assert_int_equal(hit(fx, key(11, 1, "10.1.2.3", 80)), 0);
	/* A better rule in the last mask reorders the list. */
	int h_best = add(fx, "dev vf0 prio 5 flower eth_type ipv4 ip_proto tcp "
			     "dst_port 81 action drop");
	flow_table_mask_list(fx->ft, &l);
	assert_int_equal(l.best_prio[0], 5);
	assert_int_equal(hit(fx, key(10, 1, "10.1.2.3", 81)), h_best);
	assert_int_equal(hit(fx, key(10, 1, "10.1.2.3", 80)), h_ip);
	assert_int_equal(fx->fake.violations, 0);
}

/* Masks are shared and counted; the last rule of a mask frees its slot,
 * unlisted before its table goes. */
static void test_mask_refcount(void **state)
{
	struct fx *fx = *state;
	int a, b, c;

	a = add(fx, "dev vf0 prio 1 flower dst_mac 02:00:00:00:00:01 action "
		    "drop");
	b = add(fx, "dev vf1 prio 2 flower dst_mac 02:00:00:00:00:02 action "
		    "drop");
	assert_int_equal(flow_table_masks(fx->ft), 1);
	assert_int_equal(fake_flow_entries(&fx->fake), 2);
	c = add(fx, "dev vf0 prio 3 flower src_mac 02:00:00:00:00:01 action "
		    "drop");
	assert_int_equal(flow_table_masks(fx->ft), 2);
	assert_int_equal(
	    flow_table_del(fx->ft, "vf0", 0, (uint32_t)a, err, sizeof(err)), 1);
	assert_int_equal(flow_table_masks(fx->ft), 2);
	assert_int_equal(fx->fake.list.best_prio[0], 2);
	assert_int_equal(flow_table_del(fx->ft, "vf1", 0, 0, err, sizeof(err)),
			 1);
	(void)b;
	assert_int_equal(flow_table_masks(fx->ft), 1);
	assert_int_equal(fx->fake.list.count, 1);
	assert_int_equal(fx->fake.list.best_prio[0], 3);
	assert_int_equal(flow_table_del(fx->ft, "vf0", 3, 0, err, sizeof(err)),
			 1);
	(void)c;
	assert_int_equal(flow_table_masks(fx->ft), 0);
	assert_int_equal(fx->fake.list.count, 0);
	assert_int_equal(fake_flow_entries(&fx->fake), 0);
	assert_int_equal(fx->fake.violations, 0);
	assert_int_equal(flow_table_rules(fx->ft), 0);
}

/* Every reason a rule stays out of the eswitch, as flow show says it. */
static void test_not_in_hw_reasons(void **state)
{
	struct fx *fx = *state;
	int h;
	char spec[160];

	h = add(fx, "dev vf0 chain 5 flower action drop");
	assert_true(h > 0);
	assert_false(entry(fx, (uint32_t)h).in_hw);
	assert_string_equal(entry(fx, (uint32_t)h).reason,
			    "chain 5: no goto chain is offloaded");
	h = add(fx, "dev pf1 flower action drop");
	assert_string_equal(entry(fx, (uint32_t)h).reason,
			    "hw-tc-offload off on PF pf1");
	/* Identical match at another prio. */
	int first = add(fx, "dev vf0 prio 4 flower dst_mac "
			    "02:00:00:00:00:07 action drop");
	int dup = add(fx, "dev vf0 prio 9 flower dst_mac 02:00:00:00:00:07 "
			  "action mirred egress redirect dev vf1");
	assert_true(entry(fx, (uint32_t)first).in_hw);
	assert_false(entry(fx, (uint32_t)dup).in_hw);
	snprintf(spec, sizeof(spec),
		 "an identical match exists (handle %d, prio 4)", first);
	assert_string_equal(entry(fx, (uint32_t)dup).reason, spec);
	/* Same prio and match: refused, as tc. */
	assert_int_equal(add(fx, "dev vf0 prio 4 flower dst_mac "
				 "02:00:00:00:00:07 action drop"),
			 -EEXIST);
	/* The first goes: the duplicate takes its place. */
	assert_int_equal(
	    flow_table_del(fx->ft, "vf0", 0, (uint32_t)first, err, sizeof(err)),
	    1);
	assert_true(entry(fx, (uint32_t)dup).in_hw);
	struct vflag_flow_key k = key(10, 7, "1.1.1.1", 1);
	const struct vflag_flow_act *a = fake_flow_lookup(&fx->fake, &k);
	assert_non_null(a);
	assert_int_equal(a->rule_id, dup);
	assert_int_equal(a->out_ifindex, 101);
	assert_int_equal(a->out_port_id, 11);
	/* 32 masks, then the 33rd mask is refused. */
	for (int i = 0; i < 32; i++) {
		snprintf(spec, sizeof(spec),
			 "dev vf2 flower eth_type ipv4 dst_ip 10.0.0.0/%d "
			 "action drop",
			 i + 1);
		h = add(fx, spec);
		assert_true(h > 0);
	}
	assert_int_equal(flow_table_masks(fx->ft), 32);
	assert_false(entry(fx, (uint32_t)h).in_hw);
	assert_string_equal(entry(fx, (uint32_t)h).reason,
			    "more than 32 masks in use");
	/* Offload off for every port: kept, with the resolver's reason;
	 * reoffload takes the in_hw ones out. */
	fake_offload_off = true;
	flow_table_reoffload(fx->ft);
	assert_false(entry(fx, (uint32_t)dup).in_hw);
	assert_string_equal(entry(fx, (uint32_t)dup).reason,
			    "hw-tc-offload off on PF pf0");
	assert_int_equal(flow_table_masks(fx->ft), 0);
	assert_int_equal(fake_flow_entries(&fx->fake), 0);
	fake_offload_off = false;
	flow_table_reoffload(fx->ft);
	assert_true(entry(fx, (uint32_t)dup).in_hw);
	assert_false(entry(fx, (uint32_t)h).in_hw); /* still 33 masks */
	/* A mask freed: the next reoffload finds room for it. */
	assert_int_equal(
	    flow_table_del(fx->ft, "vf0", 0, (uint32_t)dup, err, sizeof(err)),
	    1);
	flow_table_reoffload(fx->ft);
	assert_true(entry(fx, (uint32_t)h).in_hw);
	assert_int_equal(fx->fake.violations, 0);
	/* The backend refusing: kept, with the reason. */
	fx->fake.fail_rule_set = -ENOMEM;
	h = add(fx, "dev vf3 flower eth_type ipv4 dst_ip 10.0.0.0/8 action "
		    "drop");
	assert_false(entry(fx, (uint32_t)h).in_hw);
	assert_non_null(strstr(entry(fx, (uint32_t)h).reason, "refused"));
}

static void test_errors_and_handles(void **state)
{
	struct fx *fx = *state;
	int a, b, c;

	assert_int_equal(add(fx, "dev nosuch flower action drop"), -ENODEV);
	assert_string_equal(err, "unknown port nosuch");
	assert_int_equal(add(fx, "dev vf0 flower action mirred egress "
				 "redirect dev nosuch"),
			 -ENODEV);
	a = add(fx, "dev vf0 flower action drop");
	b = add(fx, "dev vf0 flower dst_mac 02:00:00:00:00:01 action drop");
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	/* tc's automatic prio: 49152 first, then one better each time. */
	assert_int_equal(entry(fx, 1).rule.prio, 49152);
	assert_int_equal(entry(fx, 2).rule.prio, 49151);
	assert_int_equal(add(fx, "dev vf1 handle 2 flower action drop"),
			 -EEXIST);
	c = add(fx, "dev vf1 handle 7 flower action drop");
	assert_int_equal(c, 7);
	/* Lowest free handle is reused. */
	assert_int_equal(flow_table_del(fx->ft, "vf0", 0, 1, err, sizeof(err)),
			 1);
	assert_int_equal(add(fx, "dev vf2 flower action drop"), 1);
	assert_int_equal(add(fx, "dev vf2 prio 3 flower action drop"), 3);
	/* Deletes that find nothing say so. */
	assert_int_equal(flow_table_del(fx->ft, "vf3", 0, 0, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(flow_table_del(fx->ft, "vf1", 0, 2, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(flow_table_del(fx->ft, "vf0", 7, 0, err, sizeof(err)),
			 -ENOENT);
	/* All of a device. */
	assert_int_equal(flow_table_del(fx->ft, "vf2", 0, 0, err, sizeof(err)),
			 2);
	assert_int_equal(flow_table_rules(fx->ft), 2);
	/* Stats come from the backend for in_hw rules. */
	assert_int_equal(entry(fx, 7).stats.packets, 7);
	{
		struct vflag_flow_stats st;
		struct shown s = {0};

		assert_int_equal(flow_table_stats(fx->ft, 7, &st), 0);
		assert_int_equal(st.packets, 7);
		assert_int_equal(flow_table_stats(fx->ft, 9, &st), -ENOENT);
		/* A reply's worth: the first of two, the total said. */
		assert_int_equal(
		    flow_table_walk_first(fx->ft, NULL, 1, false, collect, &s),
		    2);
		assert_int_equal(s.n, 1);
	}
}

/* A restart: a new model over the same datapath finds the same rules. */
static void test_adopt(void **state)
{
	struct fx *fx = *state;
	struct flow_table *again;
	struct shown s1 = {0}, s2 = {0};

	add(fx,
	    "dev vf0 prio 2 flower eth_type ipv4 ip_proto udp dst_port 53 "
	    "action vlan push id 5 action mirred egress redirect dev bond0");
	add(fx, "dev bond0 prio 1 flower vlan_id 5 action vlan pop action "
		"mirred egress redirect dev vf0");
	add(fx, "dev vf1 prio 3 flower src_mac 02:00:00:00:00:00/8 action "
		"drop");
	flow_table_walk(fx->ft, NULL, false, collect, &s1);
	again =
	    flow_table_create(&fake_flow_ops, &fx->fake, &fake_flow_resolver);
	assert_int_equal(flow_table_adopt(again), 3);
	flow_table_walk(again, NULL, false, collect, &s2);
	assert_int_equal(s2.n, 3);
	for (unsigned i = 0; i < 3; i++) {
		char m1[256], m2[256], a1[256], a2[256];

		assert_string_equal(s1.e[i].rule.dev, s2.e[i].rule.dev);
		assert_int_equal(s1.e[i].rule.prio, s2.e[i].rule.prio);
		assert_int_equal(s1.e[i].rule.handle, s2.e[i].rule.handle);
		assert_true(s2.e[i].in_hw);
		flower_format_match(&s1.e[i].rule.key, &s1.e[i].rule.mask, m1,
				    sizeof(m1));
		flower_format_match(&s2.e[i].rule.key, &s2.e[i].rule.mask, m2,
				    sizeof(m2));
		flower_format_actions(&s1.e[i].rule, a1, sizeof(a1));
		flower_format_actions(&s2.e[i].rule, a2, sizeof(a2));
		assert_string_equal(m1, m2);
		assert_string_equal(a1, a2);
	}
	/* The config replayed: the same lines find their rules (even
	 * without the prio the first run got automatically)... */
	{
		char *argv[64];
		struct flower_rule r;
		int argc = words("dev vf1 flower src_mac 02:00:00:00:00:00/8 "
				 "action drop",
				 argv);

		assert_int_equal(flower_parse(argc, argv, &r, err, sizeof(err)),
				 0);
		assert_int_equal(flow_table_add(again, &r, err, sizeof(err)),
				 s1.e[2].rule.handle);
		/* ...once: a second time is a new rule (not_in_hw: dup). */
		int h = flow_table_add(again, &r, err, sizeof(err));
		assert_true(h > 3);
		assert_int_equal(flow_table_del(again, "vf1", 0, (uint32_t)h,
						err, sizeof(err)),
				 1);
	}
	assert_int_equal(flow_table_rules(again), 3);
	/* The adopted model goes on: a delete reaches the datapath. */
	assert_int_equal(flow_table_del(again, "vf1", 0, 0, err, sizeof(err)),
			 1);
	assert_int_equal(fake_flow_entries(&fx->fake), 2);
	flow_table_destroy(again);
}

/* Many rules in a few masks: the model agrees with a linear scan. */
static void test_many_rules_match_reference(void **state)
{
	struct fx *fx = *state;
	char spec[200];

	for (int i = 0; i < 600; i++) {
		int kind = i % 3;

		if (kind == 0)
			snprintf(spec, sizeof(spec),
				 "dev vf%d prio %d flower dst_mac "
				 "02:00:00:00:%02x:%02x action drop",
				 i % 4, 100 + i % 50, (i >> 8) & 0xff,
				 i & 0xff);
		else if (kind == 1)
			snprintf(spec, sizeof(spec),
				 "dev vf%d prio %d flower eth_type ipv4 dst_ip "
				 "10.%d.%d.0/24 action drop",
				 i % 4, 100 + i % 50, (i >> 8) & 0xff,
				 i & 0xff);
		else
			snprintf(spec, sizeof(spec),
				 "dev vf%d prio %d flower eth_type ipv4 "
				 "ip_proto tcp dst_port %d action drop",
				 i % 4, 100 + i % 50, i);
		assert_true(add(fx, spec) > 0);
	}
	assert_int_equal(flow_table_masks(fx->ft), 3);
	/* Check a spread of frames against the rules' own semantics. */
	for (int i = 0; i < 600; i += 7) {
		struct vflag_flow_key k;
		char dip[32];
		const struct vflag_flow_act *a;

		snprintf(dip, sizeof(dip), "10.%d.%d.9", (i >> 8) & 0xff,
			 i & 0xff);
		k = key(10 + (uint32_t)(i % 4), 0, dip, (uint16_t)i);
		k.dst[4] = (uint8_t)((i >> 8) & 0xff);
		k.dst[5] = (uint8_t)(i & 0xff);
		a = fake_flow_lookup(&fx->fake, &k);
		assert_non_null(a);
		/* Rules i (kind i%3) match; any of i's three kinds installed
		 * for that exact i is rule i itself. */
		assert_int_equal(a->prio, 100 + i % 50);
	}
	assert_int_equal(fx->fake.violations, 0);
}

/* Ports renumbered under the same names (VFs remade): a refresh moves
 * the rules to the new port ids, in and out. */
static void test_reoffload_follows_names(void **state)
{
	struct fx *fx = *state;
	const struct vflag_flow_act *a;
	struct vflag_flow_key k;
	int h;

	h = add(fx, "dev vf0 flower dst_mac 02:00:00:00:00:05 action mirred "
		    "egress redirect dev vf1");
	k = key(10, 5, "1.1.1.1", 1);
	assert_non_null(fake_flow_lookup(&fx->fake, &k));
	fake_port_base = 20;
	flow_table_reoffload(fx->ft);
	assert_true(entry(fx, (uint32_t)h).in_hw);
	assert_null(fake_flow_lookup(&fx->fake, &k));
	k.in_port = 20;
	a = fake_flow_lookup(&fx->fake, &k);
	assert_non_null(a);
	assert_int_equal(a->out_port_id, 21);
	assert_int_equal(fake_flow_entries(&fx->fake), 1);
	assert_int_equal(fx->fake.violations, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_priority_across_masks, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_mask_refcount, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_not_in_hw_reasons, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_errors_and_handles, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_rules_match_reference,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reoffload_follows_names, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
