/* Unit tests of src/ctl/reply_bond.c: the `bond show` and `bond
 * xmit-member` JSON written from plain status structs, byte for byte
 * (key order included) as doc/ctl.md gives it and vflagctl reads it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctl/reply_bond.h"

static void assert_json(json_t *j, const char *want)
{
	char *got = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	if (strcmp(got, want)) {
		print_error("got  %s\nwant %s\n", got, want);
		free(got);
		fail();
	}
	free(got);
}

static struct bond_member_status member(const char *name, unsigned index)
{
	struct bond_member_status m = {
	    .port = {.ifindex = 10 + (int)index,
		     .mac = {0x02, 0, 0, 0, 0x0a, (uint8_t)(index + 1)}},
	    .index = index,
	    .link = "up",
	    .state = "active",
	    .tx = true,
	    .rx = true,
	    .link_failures = 1,
	    .tx_errors = 2,
	    .slow_rx_ignored = 3,
	};

	strcpy(m.port.name, name);
	strcpy(m.port.dev, "up0");
	return m;
}

static void test_active_backup(void **state)
{
	struct bond_status st = {
	    .name = "bond0", .carrier = true, .active = "pfa"};

	(void)state;
	bond_config_init(&st.cfg);
	strcpy(st.cfg.primary, "pfa");
	st.nmembers = 1;
	st.members[0] = member("pfa", 0);
	assert_json(
	    reply_bond_json(&st),
	    "{\"name\":\"bond0\",\"mode\":\"active-backup\",\"mode_num\":1,"
	    "\"xmit_hash_policy\":\"layer2\",\"port_select\":\"queue_"
	    "affinity\",\"miimon\":100,\"updelay\":0,"
	    "\"downdelay\":0,\"primary\":\"pfa\",\"carrier\":true,"
	    "\"members\":[{\"name\":\"pfa\",\"dev\":\"up0\",\"link\":\"up\","
	    "\"mac\":\"02:00:00:00:0a:01\",\"state\":\"active\",\"tx\":true,"
	    "\"rx\":true,\"link_failures\":1,\"tx_errors\":2,"
	    "\"slow_rx_ignored\":3}],\"active\":\"pfa\"}");
	st.active = NULL;
	st.cfg.primary[0] = 0;
	st.nmembers = 0;
	st.carrier = false;
	assert_json(
	    reply_bond_json(&st),
	    "{\"name\":\"bond0\",\"mode\":\"active-backup\",\"mode_num\":1,"
	    "\"xmit_hash_policy\":\"layer2\",\"port_select\":\"queue_"
	    "affinity\",\"miimon\":100,\"updelay\":0,"
	    "\"downdelay\":0,\"primary\":null,\"carrier\":false,"
	    "\"members\":[],\"active\":null}");
}

static void test_8023ad(void **state)
{
	struct bond_status st = {.name = "bond0",
				 .carrier = true,
				 .sys_mac = {0x02, 0, 0, 0, 0x0a, 1}};
	struct lacp_port_status *l;

	(void)state;
	bond_config_init(&st.cfg);
	st.cfg.mode = BOND_MODE_8023AD;
	st.cfg.hash_policy = 1;
	st.cfg.lacp_rate = LACP_RATE_FAST;
	st.cfg.ad_select = LACP_SELECT_COUNT;
	st.cfg.min_links = 1;
	st.lacp = (struct lacp_status){.active_aggregator_id = 1,
				       .num_ports = 2,
				       .ready = true,
				       .partner_mac = {2, 0, 0, 0, 0x99, 0},
				       .partner_key = 0x55,
				       .actor_key = 0x101};
	st.nmembers = 2;
	st.members[0] = member("pfa", 0);
	st.members[1] = member("pfb", 1);
	st.members[0].has_lacp = true;
	l = &st.members[0].lacp;
	l->aggregator_id = 1;
	l->selected = true;
	l->actor = (struct lacp_info){.sys_priority = 65535,
				      .sys_mac = {2, 0, 0, 0, 0x0a, 1},
				      .key = 0x101,
				      .port_priority = 255,
				      .port = 1,
				      .state = 0x3f};
	l->partner = (struct lacp_info){.state = LACP_STATE_DEFAULTED};
	l->rx_state = "CURRENT";
	l->mux_state = "COLLECTING_DISTRIBUTING";
	l->periodic_state = "FAST_PERIODIC";
	l->actor_churn = "NO_ACTOR_CHURN";
	l->partner_churn = "NO_PARTNER_CHURN";
	l->counters.lacpdu_rx = 10;
	l->counters.partner_changes = 1;
	assert_json(
	    reply_bond_json(&st),
	    "{\"name\":\"bond0\",\"mode\":\"802.3ad\",\"mode_num\":4,"
	    "\"xmit_hash_policy\":\"layer3+4\",\"port_select\":\"queue_"
	    "affinity\",\"miimon\":100,\"updelay\":0,"
	    "\"downdelay\":0,\"primary\":null,\"carrier\":true,\"members\":["
	    "{\"name\":\"pfa\",\"dev\":\"up0\",\"link\":\"up\",\"mac\":\"02:00:"
	    "00:00:0a:01\","
	    "\"state\":\"active\",\"tx\":true,\"rx\":true,\"link_failures\":1,"
	    "\"tx_errors\":2,\"slow_rx_ignored\":3,\"lacp\":{\"aggregator_id\":"
	    "1,"
	    "\"selected\":\"SELECTED\",\"actor\":{\"system_priority\":65535,"
	    "\"system\":\"02:00:00:00:0a:01\",\"key\":257,\"port_priority\":"
	    "255,"
	    "\"port\":1,\"state\":[\"activity\",\"short_timeout\","
	    "\"aggregation\","
	    "\"in_sync\",\"collecting\",\"distributing\"],\"state_raw\":63},"
	    "\"partner\":{\"system_priority\":0,\"system\":\"00:00:00:00:00:"
	    "00\","
	    "\"key\":0,\"port_priority\":0,\"port\":0,\"state\":[\"defaulted\"]"
	    ","
	    "\"state_raw\":64},\"rx_state\":\"CURRENT\",\"mux_state\":"
	    "\"COLLECTING_DISTRIBUTING\",\"periodic_state\":\"FAST_PERIODIC\","
	    "\"actor_churn\":\"NO_ACTOR_CHURN\",\"partner_churn\":\"NO_PARTNER_"
	    "CHURN\","
	    "\"looped\":false,\"counters\":{\"lacpdu_rx\":10,\"lacpdu_tx\":0,"
	    "\"lacpdu_tx_err\":0,\"lacpdu_tx_limited\":0,\"marker_rx\":0,"
	    "\"marker_resp_tx\":0,\"marker_resp_rx\":0,\"unknown_rx\":0,"
	    "\"illegal_rx\":0,\"rx_truncated\":0,\"rx_bad_version\":0,"
	    "\"rx_bad_tlv\":0,\"rx_bad_system\":0,\"rx_not_slow\":0,\"rx_"
	    "looped\":0,"
	    "\"partner_changes\":1}}},"
	    "{\"name\":\"pfb\",\"dev\":\"up0\",\"link\":\"up\",\"mac\":\"02:00:"
	    "00:00:0a:02\","
	    "\"state\":\"active\",\"tx\":true,\"rx\":true,\"link_failures\":1,"
	    "\"tx_errors\":2,\"slow_rx_ignored\":3,\"lacp\":null}],"
	    "\"lacp\":{\"rate\":\"fast\",\"active\":true,\"ad_select\":"
	    "\"count\","
	    "\"min_links\":1,\"sys_priority\":65535,\"sys_mac\":\"02:00:00:00:"
	    "0a:01\","
	    "\"aggregator_id\":1,\"num_ports\":2,\"ready\":true,"
	    "\"partner_mac\":\"02:00:00:00:99:00\",\"partner_key\":85,\"actor_"
	    "key\":257,\"wait_ms\":2000,\"wait_shortcut\":true}}");
}

static void test_xmit(void **state)
{
	struct bond_xmit x = {.hash_policy = 1,
			      .port_select = VFLAG_PORT_SELECT_QUEUE_AFFINITY,
			      .hashed_by = 1,
			      .hash = 305419896,
			      .member = "pfb",
			      .nusable = 2,
			      .usable = {"pfa", "pfb"}};

	(void)state;
	assert_json(reply_bond_xmit_json("bond0", &x),
		    "{\"bond\":\"bond0\",\"xmit_hash_policy\":\"layer3+4\","
		    "\"port_select\":\"queue_affinity\",\"hashed_by\":"
		    "\"layer3+4\",\"hash\":305419896,\"member\":\"pfb\","
		    "\"usable\":[\"pfa\","
		    "\"pfb\"]}");
	x = (struct bond_xmit){.hash = 7};
	assert_json(
	    reply_bond_xmit_json("bond0", &x),
	    "{\"bond\":\"bond0\",\"xmit_hash_policy\":\"layer2\","
	    "\"port_select\":\"hash\",\"hashed_by\":\"layer2\",\"hash\":7,"
	    "\"member\":null,\"usable\":[]}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_active_backup),
	    cmocka_unit_test(test_8023ad),
	    cmocka_unit_test(test_xmit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
