/* The replies of `pf show`, `vf show`, `map-rep` and `stats`
 * (src/ctl/reply_eswitch.c), byte for byte as doc/ctl.md gives them and
 * vflagctl reads them, from an eswitch on the in-memory backend
 * (tests/unit/eswitch/fake_backend.c): no root needed.
 *
 * The fixture: pf0 on eth0 with two veth VFs, VF 1 in namespace vm1,
 * pf0 in LAG slot 2 (named "bond0" by the caller), spoofchk off, VF 0
 * in VST VLAN 10 with every isolation knob set; pf1 on eth1 (mtu 9000)
 * with one TAP VF and spoofchk on (the default), its uplink's carrier
 * down. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/log.h"
#include "ctl/reply_eswitch.h"
#include "eswitch/eswitch.h"
#include "../eswitch/fake_backend.h"

struct fx {
	struct fake fake;
	struct eswitch *sw;
	char err[256];
};

static const char *lag_name(void *arg, unsigned slot)
{
	return slot == 2 ? "bond0" : NULL;
}

static int setup(void **state)
{
	const uint8_t mac0[6] = {0x52, 0x54, 0, 0, 0, 1};
	const uint8_t mac1[6] = {0x52, 0x54, 0, 0, 0, 2};
	const struct eswitch_vf_policy pol = {.vlan = 10,
					      .qos = 3,
					      .vlan_proto = 0x88a8,
					      .trust = true,
					      .max_tx_rate = 100,
					      .storm_pps = 500,
					      .storm_burst = 50};
	struct fx *fx = calloc(1, sizeof(*fx));
	struct pf *pf0, *pf1;
	char *e;
	size_t el = sizeof(fx->err);

	if (!fx)
		return -1;
	e = fx->err;
	fake_init(&fx->fake);
	fake_dev_add(&fx->fake, "eth0", mac0, true, true);
	fx->fake.devs[fake_dev_add(&fx->fake, "eth1", mac1, true, false)].mtu =
	    9000;
	fake_netns_add(&fx->fake, "vm1");
	fx->sw = eswitch_create_with_ops(&fake_ops, &fx->fake);
	if (!fx->sw || eswitch_pf_add(fx->sw, "pf0", "eth0", NULL, e, el) ||
	    eswitch_pf_add(fx->sw, "pf1", "eth1", "0000:3b:00.0", e, el))
		return -1;
	pf0 = eswitch_pf_find(fx->sw, "pf0");
	pf1 = eswitch_pf_find(fx->sw, "pf1");
	if (eswitch_pf_set_numvfs(fx->sw, pf0, 2, VF_TYPE_VETH, false, e, el) ||
	    eswitch_pf_set_numvfs(fx->sw, pf1, 1, VF_TYPE_TAP, false, e, el) ||
	    eswitch_vf_set(fx->sw, pf0, 1, NULL, "vm1", e, el) ||
	    eswitch_pf_set_spoofchk(fx->sw, pf0, false) ||
	    eswitch_pf_set_spoofchk(fx->sw, pf1, true) ||
	    eswitch_vf_set_policy(fx->sw, pf0, 0, &pol, e, el) ||
	    eswitch_pf_join_lag(fx->sw, pf0, 2, 0))
		return -1;
	fx->fake.stats[pf_port_id(pf0)].tx_packets = 7;
	fx->fake.stats[pf_port_id(pf0)].lag_tx_bytes = 1500;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	eswitch_destroy(fx->sw);
	free(fx);
	return 0;
}

/* Checks the compact dump of reply (as vflagd sends it) and frees it. */
static void assert_reply(json_t *reply, const char *want)
{
	char *got;

	assert_non_null(reply);
	got = json_dumps(reply, JSON_COMPACT);
	if (strcmp(got, want))
		print_error("got  %s\nwant %s\n", got, want);
	assert_string_equal(got, want);
	free(got);
	json_decref(reply);
}

#define PF0                                                                    \
	"{\"name\":\"pf0\",\"dev\":\"eth0\",\"ifindex\":2,"                    \
	"\"mac\":\"52:54:00:00:00:01\",\"pci\":\"0000:61:00.0\","              \
	"\"link\":\"up\",\"numvfs\":2,\"vf_type\":\"veth\","                   \
	"\"eswitch_mode\":\"legacy\",\"spoofchk\":false,\"bond\":\"bond0\","   \
	"\"mtu\":1500,\"hw_tc_offload\":false,"                                \
	"\"eswitch_mode_set\":\"legacy\"}"
#define PF1                                                                    \
	"{\"name\":\"pf1\",\"dev\":\"eth1\",\"ifindex\":3,"                    \
	"\"mac\":\"52:54:00:00:00:02\",\"pci\":\"0000:3b:00.0\","              \
	"\"link\":\"down\",\"numvfs\":1,\"vf_type\":\"tap\","                  \
	"\"eswitch_mode\":\"legacy\",\"spoofchk\":true,\"bond\":null,"         \
	"\"mtu\":9000,\"hw_tc_offload\":false,"                                \
	"\"eswitch_mode_set\":\"legacy\"}"

static void test_pfs(void **state)
{
	struct fx *fx = *state;

	assert_reply(reply_eswitch_pfs(fx->sw, NULL, lag_name, NULL, fx->err,
				       sizeof(fx->err)),
		     "{\"pfs\":[" PF0 "," PF1 "]}");
	assert_reply(reply_eswitch_pfs(fx->sw, "pf1", lag_name, NULL, fx->err,
				       sizeof(fx->err)),
		     "{\"pfs\":[" PF1 "]}");
	assert_null(reply_eswitch_pfs(fx->sw, "pf9", lag_name, NULL, fx->err,
				      sizeof(fx->err)));
	assert_string_equal(fx->err, "no PF named pf9 (see `vflagctl show`)");
}

static void test_vfs_and_map_rep(void **state)
{
	struct fx *fx = *state;
	char pf0vf0_mac[18];
	char want[2048];
	struct eswitch_vf_status st;

	eswitch_vf_status(fx->sw, eswitch_pf_find(fx->sw, "pf1"), 0, &st);
	assert_string_equal(st.pci, "0000:3b:08.2");
	eswitch_vf_status(fx->sw, eswitch_pf_find(fx->sw, "pf0"), 0, &st);
	snprintf(pf0vf0_mac, sizeof(pf0vf0_mac),
		 "%02x:%02x:%02x:%02x:%02x:%02x", st.mac[0], st.mac[1],
		 st.mac[2], st.mac[3], st.mac[4], st.mac[5]);
	snprintf(want, sizeof(want),
		 "{\"vfs\":[{\"pf\":\"pf0\",\"vf\":0,\"ifname\":\"pf0vf0\","
		 "\"rep\":\"pf0_0\",\"type\":\"veth\",\"mac\":\"%s\","
		 "\"pci\":\"0000:61:00.2\",\"netns\":null,\"in_use\":false,"
		 "\"gone\":false,\"vlan\":10,\"qos\":3,"
		 "\"vlan_proto\":\"802.1ad\",\"spoofchk\":false,"
		 "\"trust\":true,\"max_tx_rate\":100,\"storm_pps\":500,"
		 "\"storm_burst\":50,\"state\":\"auto\",\"link_up\":true}]}",
		 pf0vf0_mac);
	/* Only pf0's VF 0 here: the others' MACs are checked by the
	 * eswitch's own tests; the shape is the point. */
	{
		json_t *r =
		    reply_eswitch_vfs(fx->sw, "pf0", fx->err, sizeof(fx->err));
		json_t *rows = json_object_get(r, "vfs");
		json_t *one =
		    json_pack("{s:[O]}", "vfs", json_array_get(rows, 0));

		assert_int_equal(json_array_size(rows), 2);
		assert_string_equal(json_string_value(json_object_get(
					json_array_get(rows, 1), "netns")),
				    "vm1");
		assert_true(json_is_true(
		    json_object_get(json_array_get(rows, 1), "in_use")));
		json_decref(r);
		assert_reply(one, want);
	}
	assert_reply(
	    reply_eswitch_map_rep(fx->sw, NULL, fx->err, sizeof(fx->err)),
	    "{\"reps\":["
	    "{\"vf\":0,\"representor\":null,\"vf_port\":\"pf0vf0\","
	    "\"vf_pci\":\"0000:61:00.2\",\"pf\":\"pf0\","
	    "\"pf_dev\":\"eth0\",\"machine\":null},"
	    "{\"vf\":1,\"representor\":null,\"vf_port\":\"pf0vf1\","
	    "\"vf_pci\":\"0000:61:00.3\",\"pf\":\"pf0\","
	    "\"pf_dev\":\"eth0\",\"machine\":\"vm1\"},"
	    "{\"vf\":0,\"representor\":null,\"vf_port\":\"pf1vf0\","
	    "\"vf_pci\":\"0000:3b:08.2\",\"pf\":\"pf1\","
	    "\"pf_dev\":\"eth1\",\"machine\":null}]}");
	assert_null(reply_eswitch_vfs(fx->sw, "pf9", fx->err, sizeof(fx->err)));
	assert_string_equal(fx->err, "no PF named pf9 (see `vflagctl show`)");
	assert_null(
	    reply_eswitch_map_rep(fx->sw, "pf9", fx->err, sizeof(fx->err)));
	assert_string_equal(fx->err, "no PF named pf9 (see `vflagctl show`)");
}

static void test_stats(void **state)
{
	struct fx *fx = *state;

	/* By PF name or uplink device, VF port or eswitch end. */
	assert_reply(
	    reply_eswitch_stats(fx->sw, "eth0", fx->err, sizeof(fx->err)),
	    "{\"ports\":[{\"name\":\"pf0\",\"kind\":\"uplink\","
	    "\"dev\":\"eth0\",\"counters\":{\"rx_packets_phy\":0,"
	    "\"rx_bytes_phy\":0,\"tx_packets_phy\":7,\"tx_bytes_phy\":0,"
	    "\"lag_tx_packets\":0,\"lag_tx_bytes\":1500,"
	    "\"rx_to_host_packets\":0,\"rx_slow_proto_packets\":0,"
	    "\"flood_packets\":0,\"rx_drop_not_collecting\":0,"
	    "\"rx_drop_malformed\":0,\"drop_flood_full\":0,"
	    "\"slow_rx_packets\":0,\"slow_rx_bytes\":0,"
	    "\"offload_rx_packets\":0,\"offload_rx_bytes\":0,"
	    "\"offload_tx_packets\":0,\"offload_tx_bytes\":0,"
	    "\"flow_drop\":0,\"flow_act_fail\":0}}]}");
	assert_reply(
	    reply_eswitch_stats(fx->sw, "pf0_1", fx->err, sizeof(fx->err)),
	    "{\"ports\":[{\"name\":\"pf0vf1\",\"kind\":\"vf\","
	    "\"dev\":\"pf0_1\",\"counters\":{\"rx_packets\":0,"
	    "\"rx_bytes\":0,\"tx_packets\":0,\"tx_bytes\":0,"
	    "\"flood_packets\":0,\"tx_drop_no_member\":0,"
	    "\"tx_drop_malformed\":0,\"tx_drop_spoof\":0,"
	    "\"tx_drop_hairpin\":0,\"drop_flood_full\":0,"
	    "\"tx_drop_link_local\":0,\"tx_drop_slow_proto\":0,"
	    "\"tx_drop_mac_control\":0,\"tx_drop_bad_src\":0,"
	    "\"drop_vlan\":0,\"tx_drop_runt\":0,\"tx_drop_oversize\":0,"
	    "\"tx_drop_rate\":0,\"tx_drop_storm\":0,\"tx_runt_padded\":0,"
	    "\"tx_vlan_pushed\":0,\"rx_vlan_popped\":0,"
	    "\"slow_tx_packets\":0,\"slow_tx_bytes\":0,"
	    "\"offload_tx_packets\":0,\"offload_tx_bytes\":0,"
	    "\"offload_rx_packets\":0,\"offload_rx_bytes\":0,"
	    "\"flow_drop\":0,\"flow_act_fail\":0,\"slow_rx_packets\":0,"
	    "\"slow_rx_bytes\":0}}]}");
	{
		json_t *r =
		    reply_eswitch_stats(fx->sw, NULL, fx->err, sizeof(fx->err));

		assert_int_equal(json_array_size(json_object_get(r, "ports")),
				 5);
		json_decref(r);
	}
	assert_null(
	    reply_eswitch_stats(fx->sw, "eth9", fx->err, sizeof(fx->err)));
	assert_string_equal(fx->err,
			    "no port named eth9: give a PF name, a VF port "
			    "name (see `vflagctl vf show`) or a bond's");
}

/* eswitch show: modes in effect and as set, the LAG's representor and
 * mode; map-rep fills the representor only in switchdev. */
static void test_modes(void **state)
{
	struct fx *fx = *state;
	struct pf *pf0 = eswitch_pf_find(fx->sw, "pf0");
	struct pf *pf1 = eswitch_pf_find(fx->sw, "pf1");
	json_t *r;

	assert_reply(reply_eswitch_modes(fx->sw, "pf1", lag_name, NULL, fx->err,
					 sizeof(fx->err)),
		     "{\"eswitch\":[{\"pf\":\"pf1\",\"dev\":\"eth1\","
		     "\"mode\":\"legacy\",\"mode_set\":\"legacy\","
		     "\"hw_tc_offload\":false,\"lag\":null}]}");
	assert_int_equal(
	    eswitch_lag_rep_add(fx->sw, 2, "bond0", fx->err, sizeof(fx->err)),
	    0);
	assert_int_equal(
	    eswitch_pf_set_mode(fx->sw, pf0, true, fx->err, sizeof(fx->err)),
	    0);
	assert_int_equal(
	    eswitch_pf_set_mode(fx->sw, pf1, true, fx->err, sizeof(fx->err)),
	    0);
	eswitch_pf_set_hw_tc_offload(fx->sw, pf0, true);
	assert_reply(reply_eswitch_modes(fx->sw, "pf0", lag_name, NULL, fx->err,
					 sizeof(fx->err)),
		     "{\"eswitch\":[{\"pf\":\"pf0\",\"dev\":\"eth0\","
		     "\"mode\":\"switchdev\",\"mode_set\":\"switchdev\","
		     "\"hw_tc_offload\":true,\"lag\":{\"bond\":\"bond0\","
		     "\"representor\":\"bond0\",\"mode\":\"switchdev\","
		     "\"modes_agree\":true,\"reason\":null}}]}");
	r = reply_eswitch_map_rep(fx->sw, "pf0", fx->err, sizeof(fx->err));
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(r, "reps"), 1), "representor")),
	    "pf0_1");
	json_decref(r);
	/* stats of the LAG representor, by the bond's name */
	r = reply_eswitch_stats(fx->sw, "bond0", fx->err, sizeof(fx->err));
	assert_non_null(r);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(r, "ports"), 0), "kind")),
	    "lag_rep");
	json_decref(r);
	assert_null(reply_eswitch_modes(fx->sw, "pf9", lag_name, NULL, fx->err,
					sizeof(fx->err)));
	assert_string_equal(fx->err, "no PF named pf9 (see `vflagctl show`)");
	eswitch_lag_rep_del(fx->sw, 2);
}

static const char *doc_path = "doc/ctl.md";

/* doc/ctl.md names every counter `stats` gives (in backquotes, as its
 * stats section lists them) and every key of a `vf show` row. */
static void test_names_documented(void **state)
{
	struct fx *fx = *state;
	static char doc[131072];
	FILE *f = fopen(doc_path, "r");
	size_t n;
	json_t *r, *p, *v;
	const char *key;
	size_t i;

	assert_non_null(f);
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = 0;
	r = reply_eswitch_stats(fx->sw, NULL, fx->err, sizeof(fx->err));
	json_array_foreach(json_object_get(r, "ports"), i, p)
	{
		json_object_foreach(json_object_get(p, "counters"), key, v)
		{
			char q[80];

			snprintf(q, sizeof(q), "`%s`", key);
			if (!strstr(doc, q))
				fail_msg("%s does not name counter %s",
					 doc_path, key);
		}
	}
	json_decref(r);
	r = reply_eswitch_vfs(fx->sw, "pf0", fx->err, sizeof(fx->err));
	json_object_foreach(json_array_get(json_object_get(r, "vfs"), 0), key,
			    v)
	{
		char q[80];

		snprintf(q, sizeof(q), "\"%s\":", key);
		if (!strstr(doc, q))
			fail_msg("%s's vf show lacks key %s", doc_path, key);
	}
	json_decref(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_pfs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_names_documented, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_vfs_and_map_rep, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
	};

	log_set_level(LOG_LVL_ERR);
	if (argc > 1)
		doc_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
