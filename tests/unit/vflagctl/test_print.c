/* vflagctl printers fed with replies as doc/ctl.md gives them, and with
 * replies that are empty, malformed or of the wrong shape. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vflagctl/print.h"

/* Runs a printer on the JSON text; returns what it wrote (free it). */
static char *print_to_string(vflagctl_print_fn print, const char *text,
			     int *ret)
{
	json_error_t jerr;
	json_t *data = json_loads(text, JSON_DECODE_ANY, &jerr);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!data)
		fail_msg("bad test JSON: %s at %d", jerr.text, jerr.column);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	*ret = print(f, data);
	fclose(f);
	json_decref(data);
	return buf;
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!haystack || !strstr(haystack, needle))
		fail_msg("expected \"%s\" in:\n%s", needle,
			 haystack ? haystack : "(null)");
}

static void assert_not_contains(const char *haystack, const char *needle)
{
	if (!haystack || strstr(haystack, needle))
		fail_msg("did not expect \"%s\" in:\n%s", needle,
			 haystack ? haystack : "(null)");
}

static void assert_starts_with(const char *text, const char *prefix)
{
	if (!text || strncmp(text, prefix, strlen(prefix)))
		fail_msg("expected to start with:\n%s\ngot:\n%s", prefix,
			 text ? text : "(null)");
}

/* The line of text that starts with prefix (copied into line). */
static void find_line(const char *text, const char *prefix, char *line,
		      size_t len)
{
	for (const char *p = text; p && *p;
	     p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (!strncmp(p, prefix, strlen(prefix))) {
			size_t n = strcspn(p, "\n");

			assert_true(n < len);
			memcpy(line, p, n);
			line[n] = '\0';
			return;
		}
	}
	fail_msg("no line starting with \"%s\" in:\n%s", prefix, text);
}

static size_t count_lines(const char *text)
{
	size_t n = 0;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* The column where word starts in line. */
static long column_of(const char *line, const char *word)
{
	const char *p = strstr(line, word);

	assert_non_null(p);
	return p - line;
}

static const char pfs_json[] =
    "{\"pfs\": [{\"name\": \"pf0\", \"dev\": \"veth1\", \"ifindex\": 5,"
    " \"mac\": \"02:00:00:00:00:01\", \"pci\": \"0000:61:00.0\","
    " \"link\": \"up\", \"numvfs\": 2, \"vf_type\": \"veth\","
    " \"eswitch_mode\": \"switchdev\", \"spoofchk\": false,"
    " \"bond\": \"bond0\"},"
    " {\"name\": \"pflongname\", \"dev\": \"enp97s0f1\", \"ifindex\": 6,"
    " \"pci\": null, \"link\": \"down\", \"numvfs\": 0, \"vf_type\": null,"
    " \"eswitch_mode\": \"legacy\", \"spoofchk\": true, \"bond\": null}],"
    " \"bonds\": [\"bond0\"]}";

static void test_pfs(void **state)
{
	char header[256], row0[256], row1[256];
	int ret;
	char *out = print_to_string(vflagctl_print_pfs, pfs_json, &ret);

	assert_int_equal(ret, 0);
	find_line(out, "NAME", header, sizeof(header));
	find_line(out, "pf0 ", row0, sizeof(row0));
	find_line(out, "pflongname", row1, sizeof(row1));
	for (const char *const *c =
		 (const char *const[]){"DEV", "PCI", "LINK", "NUMVFS", "TYPE",
				       "ESWITCH", "BOND", NULL};
	     *c; c++)
		assert_contains(header, *c);
	/* Columns are as wide as their widest cell and line up. */
	assert_int_equal(column_of(header, "DEV"), column_of(row0, "veth1"));
	assert_int_equal(column_of(header, "DEV"),
			 column_of(row1, "enp97s0f1"));
	assert_int_equal(column_of(header, "PCI"), column_of(row0, "0000:61"));
	assert_int_equal(column_of(header, "BOND"), column_of(row0, "bond0"));
	assert_int_equal(column_of(header, "ESWITCH"),
			 column_of(row0, "switchdev"));
	assert_contains(row0, " up ");
	assert_contains(row0, " 2 ");
	/* null prints as '-', and the last column has no trailing blanks */
	assert_int_equal(column_of(header, "PCI"), column_of(row1, "-"));
	assert_int_equal(row1[strlen(row1) - 1], '-');
	assert_int_equal(header[strlen(header) - 1], 'D');
	assert_contains(out, "\nbonds: bond0\n");
	assert_int_equal(count_lines(out), 5);
	free(out);
}

static void test_pfs_empty(void **state)
{
	int ret;
	char *out = print_to_string(vflagctl_print_pfs,
				    "{\"pfs\": [], \"bonds\": []}", &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(out, "NAME  DEV  PCI  LINK  NUMVFS  TYPE  ESWITCH  "
				 "HW-TC-OFFLOAD  BOND\n");
	free(out);
}

static void test_pfs_malformed(void **state)
{
	int ret;
	char *out = print_to_string(
	    vflagctl_print_pfs,
	    "{\"pfs\": [{\"name\": 5, \"dev\": [1], \"numvfs\": \"x\","
	    " \"link\": {\"a\": 1}, \"bond\": 1.5, \"pci\": \"\"}, 7, null,"
	    " \"str\", {}], \"bonds\": {\"x\": 1}}",
	    &ret);

	assert_int_equal(ret, 0);
	assert_int_equal(count_lines(out), 3); /* header, two objects */
	assert_contains(out, "\n5     -    -    -     x       -     -        - "
			     "             1.5\n");
	assert_contains(out,
			"\n-     -    -    -     -       -     -        -    "
			"          -\n");
	assert_not_contains(out, "bonds:");
	free(out);
}

static void test_wrong_shape(void **state)
{
	static const struct {
		vflagctl_print_fn print;
		const char *json;
	} cases[] = {
	    {vflagctl_print_pfs, "{\"pfs\": {}}"},
	    {vflagctl_print_pfs, "[1, 2]"},
	    {vflagctl_print_pfs, "{\"vfs\": []}"},
	    {vflagctl_print_vfs, "{\"vfs\": null}"},
	    {vflagctl_print_map_rep, "{\"reps\": \"x\"}"},
	    {vflagctl_print_bonds, "{\"bonds\": 1}"},
	    {vflagctl_print_stats, "{\"ports\": {}}"},
	    {vflagctl_print_stats, "\"ports\""},
	    {vflagctl_print_xmit_member, "{\"bond\": \"bond0\"}"},
	    {vflagctl_print_xmit_member, "[]"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret;
		char *out =
		    print_to_string(cases[i].print, cases[i].json, &ret);

		assert_int_equal(ret, -EINVAL);
		assert_string_equal(out, ""); /* nothing before the fallback */
		free(out);
	}
}

static void test_vfs(void **state)
{
	char header[256], row[256];
	int ret;
	char *out = print_to_string(
	    vflagctl_print_vfs,
	    "{\"vfs\": [{\"pf\": \"pf0\", \"vf\": 0, \"ifname\": \"pf0vf0\","
	    " \"rep\": \"pf0_0\", \"type\": \"veth\","
	    " \"mac\": \"6a:66:2d:48:92:c3\", \"pci\": \"0000:61:00.2\","
	    " \"netns\": \"vm1\", \"in_use\": true, \"vlan\": 10, \"qos\": 3,"
	    " \"vlan_proto\": \"802.1Q\", \"spoofchk\": true,"
	    " \"trust\": false, \"max_tx_rate\": 100, \"state\": \"auto\", "
	    "\"link_up\": false},"
	    " {\"pf\": \"pf0\", \"vf\": 1, \"ifname\": \"pf0vf1\","
	    " \"rep\": \"pf0_1\", \"type\": \"veth\", \"mac\": null,"
	    " \"pci\": \"0000:61:00.3\", \"netns\": null, \"in_use\": false}]}",
	    &ret);

	assert_int_equal(ret, 0);
	find_line(out, "PF", header, sizeof(header));
	for (const char *const *c =
		 (const char *const[]){"VF", "IFNAME", "REP", "TYPE", "MAC",
				       "PCI", "NETNS", "IN_USE", "VLAN", "QOS",
				       "PROTO", "SPOOFCHK", "TRUST",
				       "MAX_TX_RATE", "STATE", "LINK", NULL};
	     *c; c++)
		assert_contains(header, *c);
	assert_string_equal(header,
			    "PF   VF  IFNAME  REP    TYPE  MAC        "
			    "        PCI           NETNS  IN_USE  VLAN  "
			    "QOS  PROTO   SPOOFCHK  TRUST  MAX_TX_RATE  "
			    "STATE  LINK");
	find_line(out, "pf0  0", row, sizeof(row));
	assert_string_equal(row,
			    "pf0  0   pf0vf0  pf0_0  veth  "
			    "6a:66:2d:48:92:c3  0000:61:00.2  vm1    yes     "
			    "10    3    802.1Q  yes       no     100          "
			    "auto   no");
	find_line(out, "pf0  1", row, sizeof(row));
	/* A daemon older than the isolation keys: dashes. */
	assert_string_equal(row,
			    "pf0  1   pf0vf1  pf0_1  veth  "
			    "-                  0000:61:00.3  -      no      "
			    "-     -    -       -         -      -            "
			    "-      -");
	free(out);
}

static void test_map_rep(void **state)
{
	int ret;
	char *out = print_to_string(
	    vflagctl_print_map_rep,
	    "{\"reps\": [{\"vf\": 0, \"representor\": \"pf0_0\","
	    " \"vf_port\": \"pf0vf0\", \"vf_pci\": \"0000:61:00.2\","
	    " \"pf\": \"pf0\", \"pf_dev\": \"veth1\", \"machine\": \"vm1\"},"
	    " {\"vf\": 1, \"representor\": \"pf0_1\", \"vf_port\": \"pf0vf1\","
	    " \"vf_pci\": \"0000:61:00.3\", \"pf\": \"pf0\","
	    " \"pf_dev\": \"veth1\", \"machine\": null}]}",
	    &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(
	    out,
	    "VF NUMBER  REPRESENTOR PORT  VF PORT  VF PCI        PF NAME  "
	    "MACHINE NAME\n"
	    "---------  ----------------  -------  ------------  -------  "
	    "------------\n"
	    "0          pf0_0             pf0vf0   0000:61:00.2  pf0      vm1\n"
	    "1          pf0_1             pf0vf1   0000:61:00.3  pf0      -\n");
	free(out);
}

/* eswitch show: one row per PF with its LAG flattened in, and the
 * reason a LAG is not in its members' new mode under the table. */
static void test_eswitch(void **state)
{
	int ret;
	char *out = print_to_string(
	    vflagctl_print_eswitch,
	    "{\"eswitch\": [{\"pf\": \"pf0\", \"dev\": \"veth1\","
	    " \"mode\": \"legacy\", \"mode_set\": \"switchdev\","
	    " \"hw_tc_offload\": true, \"lag\": {\"bond\": \"bond0\","
	    " \"representor\": \"bond0\", \"mode\": \"legacy\","
	    " \"modes_agree\": false, \"reason\": \"eswitch modes differ: pf0"
	    " switchdev, pf1 legacy\"}},"
	    " {\"pf\": \"pf2\", \"dev\": \"veth3\", \"mode\": \"switchdev\","
	    " \"mode_set\": \"switchdev\", \"hw_tc_offload\": false,"
	    " \"lag\": null}]}",
	    &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(
	    out, "PF   DEV    MODE       MODE_SET   HW-TC-OFFLOAD  BOND   "
		 "LAG_MODE  LAG_REP\n"
		 "pf0  veth1  legacy     switchdev  yes            bond0  "
		 "legacy    bond0\n"
		 "pf2  veth3  switchdev  switchdev  no             -      -"
		 "         -\n"
		 "pf0: LAG not in the new mode: eswitch modes differ: pf0 "
		 "switchdev, pf1 legacy\n");
	free(out);
	out = print_to_string(vflagctl_print_eswitch, "{\"pfs\": []}", &ret);
	assert_int_equal(ret, -EINVAL);
	free(out);
}

static void test_map_rep_empty(void **state)
{
	int ret;
	char *out =
	    print_to_string(vflagctl_print_map_rep, "{\"reps\": []}", &ret);

	assert_int_equal(ret, 0);
	assert_int_equal(count_lines(out), 2);
	assert_contains(out, "VF NUMBER  REPRESENTOR PORT");
	free(out);
}

/* flow show: one line a rule; counters only with -s; the reason of a
 * rule not in the eswitch on its line; truncation said. */
static void test_flows(void **state)
{
	int ret;
	char *out = print_to_string(
	    vflagctl_print_flows,
	    "{\"rules\": [{\"dev\": \"pf0_0\", \"prio\": 10, \"chain\": 0,"
	    " \"handle\": 1, \"origin\": \"user\", \"match\": \"\","
	    " \"actions\": \"drop\", \"in_hw\": true},"
	    " {\"dev\": \"pf0_0\", \"prio\": 20, \"chain\": 5,"
	    " \"handle\": 2, \"origin\": \"user\", \"match\": \"vlan_id 5\","
	    " \"actions\": \"vlan pop\", \"in_hw\": false,"
	    " \"reason\": \"chain 5: no goto chain is offloaded\"}],"
	    " \"total\": 2, \"masks\": 1, \"max_masks\": 32}",
	    &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(
	    out,
	    "DEV    PRIO  CHAIN  HANDLE  ORIGIN  MATCH      ACTIONS   STATE\n"
	    "pf0_0  10    0      1       user    (all)      drop      in_hw\n"
	    "pf0_0  20    5      2       user    vlan_id 5  vlan pop  "
	    "not_in_hw: chain 5: no goto chain is offloaded\n"
	    "2 rule(s), 1 of 32 masks in use\n");
	free(out);
	out = print_to_string(
	    vflagctl_print_flows,
	    "{\"rules\": [{\"dev\": \"b\", \"prio\": 1, \"chain\": 0,"
	    " \"handle\": 1, \"origin\": \"bridge\", \"match\": \"\","
	    " \"actions\": \"drop\", \"in_hw\": true, \"stats\":"
	    " {\"packets\": 3, \"bytes\": 180, \"last_used\": 1.25}}],"
	    " \"total\": 7, \"masks\": 1, \"max_masks\": 32}",
	    &ret);
	assert_int_equal(ret, 0);
	assert_contains(out, "PACKETS  BYTES  USED");
	assert_contains(out, "bridge  3        180    1.2s");
	assert_contains(out, "(the first 1 of 7 rules: narrow with dev PORT)");
	free(out);
	out = print_to_string(vflagctl_print_flows, "{\"rules\": 3}", &ret);
	assert_int_equal(ret, -EINVAL);
	free(out);
}

static const char bond_8023ad_json[] =
    "{\"bonds\": [{\"name\": \"bond0\", \"mode\": \"802.3ad\", \"mode_num\": 4,"
    " \"xmit_hash_policy\": \"layer3+4\", \"miimon\": 100, \"updelay\": 0,"
    " \"downdelay\": 0, \"primary\": null, \"carrier\": true,"
    " \"lacp\": {\"rate\": \"fast\", \"active\": true, \"ad_select\": "
    "\"stable\","
    "  \"min_links\": 0, \"sys_priority\": 65535,"
    "  \"sys_mac\": \"02:00:00:00:00:01\", \"aggregator_id\": 1,"
    "  \"num_ports\": 2, \"partner_mac\": \"02:00:00:00:00:99\","
    "  \"partner_key\": 1, \"actor_key\": 9},"
    " \"members\": [{\"name\": \"pf0\", \"dev\": \"veth1\", \"link\": \"up\","
    "  \"mac\": \"02:00:00:00:00:01\", \"state\": \"active\", \"tx\": true,"
    "  \"rx\": true, \"link_failures\": 0,"
    "  \"lacp\": {\"aggregator_id\": 1, \"selected\": \"SELECTED\","
    "   \"actor\": {\"system_priority\": 65535,"
    "    \"system\": \"02:00:00:00:00:01\", \"key\": 9, \"port_priority\": 255,"
    "    \"port\": 1, \"state\": [\"activity\", \"short_timeout\","
    "    \"aggregation\", \"in_sync\", \"collecting\", \"distributing\"],"
    "    \"state_raw\": 63},"
    "   \"partner\": {\"system_priority\": 32768,"
    "    \"system\": \"02:00:00:00:00:99\", \"key\": 1, \"port_priority\": 255,"
    "    \"port\": 3, \"state_raw\": 69},"
    "   \"rx_state\": \"CURRENT\", \"mux_state\": \"COLLECTING_DISTRIBUTING\","
    "   \"periodic_state\": \"FAST_PERIODIC\","
    "   \"actor_churn\": \"NO_ACTOR_CHURN\","
    "   \"partner_churn\": \"PARTNER_CHURN_MONITOR\","
    "   \"counters\": {\"lacpdu_rx\": 10, \"lacpdu_tx\": 11,"
    "    \"lacpdu_illegal_rx\": 0}}},"
    " {\"name\": \"pf1\", \"dev\": \"veth3\", \"link\": \"down\","
    "  \"mac\": \"02:00:00:00:00:02\", \"state\": \"down\", \"tx\": false,"
    "  \"rx\": false, \"link_failures\": 2,"
    "  \"lacp\": {\"aggregator_id\": 2, \"selected\": \"UNSELECTED\","
    "   \"actor\": {\"state\": [], \"state_raw\": 0},"
    "   \"partner\": {}}}]}]}";

static void test_bond_8023ad(void **state)
{
	int ret;
	char *out =
	    print_to_string(vflagctl_print_bonds, bond_8023ad_json, &ret);

	assert_int_equal(ret, 0);
	assert_starts_with(out, "Bond: bond0\n");
	assert_contains(
	    out, "\nBonding Mode: IEEE 802.3ad Dynamic link aggregation\n");
	assert_contains(out, "\nTransmit Hash Policy: layer3+4 (1)\n");
	assert_contains(out, "\nMII Status: up\n");
	assert_contains(out, "\nMII Polling Interval (ms): 100\n");
	assert_contains(out, "\nUp Delay (ms): 0\n");
	assert_contains(out, "\nDown Delay (ms): 0\n");
	/* active is absent outside active-backup, and so is its line */
	assert_not_contains(out, "Currently Active Slave");
	assert_not_contains(out, "Primary Slave");
	assert_contains(out, "\n\n802.3ad info\n"
			     "LACP active: on\n"
			     "LACP rate: fast\n"
			     "Min links: 0\n"
			     "Aggregator selection policy (ad_select): stable\n"
			     "System priority: 65535\n"
			     "System MAC address: 02:00:00:00:00:01\n"
			     "Active Aggregator Info:\n"
			     "\tAggregator ID: 1\n"
			     "\tNumber of ports: 2\n"
			     "\tActor Key: 9\n"
			     "\tPartner Key: 1\n"
			     "\tPartner Mac Address: 02:00:00:00:00:99\n");
	assert_contains(out, "\n\nSlave Interface: pf0 (veth1)\n"
			     "MII Status: up\n"
			     "Link Failure Count: 0\n"
			     "Permanent HW addr: 02:00:00:00:00:01\n"
			     "State: active (tx on, rx on)\n"
			     "Aggregator ID: 1\n"
			     "Selected: SELECTED\n"
			     "Actor Churn State: NO_ACTOR_CHURN\n"
			     "Partner Churn State: PARTNER_CHURN_MONITOR\n"
			     "Receive State: CURRENT\n"
			     "Mux State: COLLECTING_DISTRIBUTING\n"
			     "Periodic State: FAST_PERIODIC\n");
	assert_contains(out, "details actor lacp pdu:\n"
			     "    system priority: 65535\n"
			     "    system mac address: 02:00:00:00:00:01\n"
			     "    port key: 9\n"
			     "    port priority: 255\n"
			     "    port number: 1\n"
			     "    port state: 63 (activity short_timeout "
			     "aggregation in_sync collecting distributing)\n");
	/* the partner's words are decoded from state_raw (69 = 0x45) */
	assert_contains(
	    out, "details partner lacp pdu:\n"
		 "    system priority: 32768\n"
		 "    system mac address: 02:00:00:00:00:99\n"
		 "    oper key: 1\n"
		 "    port priority: 255\n"
		 "    port number: 3\n"
		 "    port state: 69 (activity aggregation defaulted)\n");
	assert_contains(out, "LACP counters:\n"
			     "    lacpdu_rx: 10\n"
			     "    lacpdu_tx: 11\n"
			     "    lacpdu_illegal_rx: 0\n");
	/* the second member: down, no states, partner unknown */
	assert_contains(out,
			"\n\nSlave Interface: pf1 (veth3)\nMII Status: down\n"
			"Link Failure Count: 2\n");
	assert_contains(out, "State: down (tx off, rx off)\n");
	assert_contains(out, "Selected: UNSELECTED\n");
	assert_contains(out, "    port state: 0\n");
	assert_contains(out, "    oper key: -\n");
	assert_contains(out, "    port state: -\n");
	free(out);
}

static void test_bond_active_backup(void **state)
{
	int ret;
	char *out = print_to_string(
	    vflagctl_print_bonds,
	    "{\"bonds\": [{\"name\": \"bond1\", \"mode\": \"active-backup\","
	    " \"mode_num\": 1, \"xmit_hash_policy\": \"layer2\", \"miimon\": "
	    "100,"
	    " \"updelay\": 200, \"downdelay\": 50, \"primary\": null,"
	    " \"active\": \"pf1\", \"carrier\": true,"
	    " \"members\": [{\"name\": \"pf0\", \"dev\": \"veth1\","
	    "  \"link\": \"down\", \"mac\": \"02:00:00:00:00:01\","
	    "  \"state\": \"down\", \"tx\": false, \"rx\": false,"
	    "  \"link_failures\": 1},"
	    " {\"name\": \"pf1\", \"dev\": \"veth3\", \"link\": \"up\","
	    "  \"mac\": \"02:00:00:00:00:02\", \"state\": \"active\","
	    "  \"tx\": true, \"rx\": true, \"link_failures\": 0}]},"
	    " {\"name\": \"bond2\", \"mode\": \"active-backup\","
	    " \"primary\": \"pf2\", \"active\": null, \"carrier\": false,"
	    " \"members\": []}]}",
	    &ret);

	assert_int_equal(ret, 0);
	assert_starts_with(out,
			   "Bond: bond1\n"
			   "Bonding Mode: fault-tolerance (active-backup)\n"
			   "MII Status: up\n"
			   "MII Polling Interval (ms): 100\n"
			   "Up Delay (ms): 200\n"
			   "Down Delay (ms): 50\n"
			   "Primary Slave: None\n"
			   "Currently Active Slave: pf1\n"
			   "\nSlave Interface: pf0 (veth1)\n"
			   "MII Status: down\n"
			   "Link Failure Count: 1\n"
			   "Permanent HW addr: 02:00:00:00:00:01\n"
			   "State: down (tx off, rx off)\n");
	assert_not_contains(out, "Transmit Hash Policy");
	assert_not_contains(out, "802.3ad");
	assert_not_contains(out, "details actor");
	assert_contains(out, "Slave Interface: pf1 (veth3)\nMII Status: up\n");
	assert_contains(out, "State: active (tx on, rx on)\n");
	/* the second bond: no active member; mode known from its name */
	assert_contains(out, "\n\nBond: bond2\n"
			     "Bonding Mode: fault-tolerance (active-backup)\n"
			     "MII Status: down\n"
			     "MII Polling Interval (ms): -\n");
	assert_contains(out,
			"Primary Slave: pf2\nCurrently Active Slave: None\n");
	free(out);
}

static void test_bond_empty(void **state)
{
	int ret;
	char *out =
	    print_to_string(vflagctl_print_bonds, "{\"bonds\": []}", &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_bond_malformed(void **state)
{
	int ret;
	char *out = print_to_string(
	    vflagctl_print_bonds,
	    "{\"bonds\": [3, null, {\"mode\": \"weird\", \"mode_num\": 99,"
	    " \"xmit_hash_policy\": 7, \"carrier\": \"yes\", \"lacp\": 5,"
	    " \"active\": [1],"
	    " \"members\": [null, {\"tx\": 1, \"lacp\": {\"actor\": \"x\","
	    " \"partner\": {\"state\": [1, \"in_sync\", null, \"\"],"
	    "  \"state_raw\": \"63\"}, \"counters\": []}}, 4]},"
	    " {\"members\": {\"a\": 1}}]}",
	    &ret);

	assert_int_equal(ret, 0);
	assert_contains(out, "Bond: -\nBonding Mode: weird\n"
			     "Transmit Hash Policy: 7\n"
			     "MII Status: yes\n");
	assert_contains(out, "Currently Active Slave: -\n");
	assert_not_contains(out, "802.3ad info");
	assert_contains(out, "Slave Interface: - (-)\n");
	assert_contains(out, "State: - (tx 1, rx -)\n");
	assert_contains(out, "details actor lacp pdu:\n"
			     "    system priority: -\n"
			     "    system mac address: -\n"
			     "    port key: -\n");
	assert_contains(out, "    port state: in_sync\n");
	assert_not_contains(out, "LACP counters");
	assert_contains(out, "\n\nBond: -\nBonding Mode: -\nMII Status: -\n");
	free(out);
}

static void test_stats(void **state)
{
	int ret;
	char *out = print_to_string(
	    vflagctl_print_stats,
	    "{\"ports\": [{\"name\": \"pf0\", \"kind\": \"uplink\","
	    " \"dev\": \"veth1\", \"counters\": {\"rx_packets_phy\": 123,"
	    " \"rx_bytes_phy\": 7872, \"tx_packets_phy\": 1,"
	    " \"tx_bytes_phy\": 64}},"
	    " {\"name\": \"pf0vf0\", \"kind\": \"vf\", \"dev\": \"pf0_0\","
	    " \"counters\": {\"rx_packets\": 1, \"odd\": \"x\", \"bad\": "
	    "null}},"
	    " {\"name\": \"pf0_1\", \"kind\": \"representor\"},"
	    " 5]}",
	    &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(out, "pf0 (uplink, veth1):\n"
				 "     rx_packets_phy: 123\n"
				 "     rx_bytes_phy: 7872\n"
				 "     tx_packets_phy: 1\n"
				 "     tx_bytes_phy: 64\n"
				 "pf0vf0 (vf, pf0_0):\n"
				 "     rx_packets: 1\n"
				 "     odd: x\n"
				 "     bad: -\n"
				 "pf0_1 (representor, -):\n");
	free(out);
}

static void test_stats_empty(void **state)
{
	int ret;
	char *out =
	    print_to_string(vflagctl_print_stats, "{\"ports\": []}", &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(out, "");
	free(out);
}

static void test_xmit_member(void **state)
{
	int ret;
	char *out = print_to_string(
	    vflagctl_print_xmit_member,
	    "{\"bond\": \"bond0\", \"xmit_hash_policy\": \"layer3+4\","
	    " \"hash\": 305419896, \"member\": \"pf1\","
	    " \"usable\": [\"pf0\", \"pf1\"]}",
	    &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(
	    out, "flow -> pf1 (hash 0x12345678, layer3+4, usable: pf0 pf1)\n");
	free(out);

	out = print_to_string(
	    vflagctl_print_xmit_member,
	    "{\"bond\": \"bond0\", \"xmit_hash_policy\": \"layer2\","
	    " \"hash\": 5, \"member\": null, \"usable\": []}",
	    &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(out,
			    "flow -> - (hash 0x00000005, layer2, usable: -)\n");
	free(out);

	out = print_to_string(vflagctl_print_xmit_member,
			      "{\"member\": 3, \"hash\": \"x\", \"usable\": 1}",
			      &ret);
	assert_int_equal(ret, 0);
	assert_string_equal(out, "flow -> 3 (hash -, -, usable: -)\n");
	free(out);
}

static void test_sanitize(void **state)
{
	int ret;
	char buf[8];
	char *out = print_to_string(
	    vflagctl_print_stats,
	    "{\"ports\": [{\"name\": \"\\u001b[2Jevil\\n\", \"kind\": \"vf\","
	    " \"dev\": \"d\", \"counters\": {\"a\\rb\": 1}}]}",
	    &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(out, "?[2Jevil? (vf, d):\n     a?b: 1\n");
	free(out);

	assert_string_equal(vflagctl_sanitize("0123456789", buf, sizeof(buf)),
			    "0123456");
	assert_string_equal(vflagctl_sanitize("", buf, sizeof(buf)), "");
}

static void test_json(void **state)
{
	json_t *data =
	    json_pack("{s:[{s:s,s:i}]}", "pfs", "name", "pf0", "numvfs", 2);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vflagctl_print_json(f, data, false);
	fflush(f);
	assert_string_equal(buf,
			    "{\"pfs\":[{\"name\":\"pf0\",\"numvfs\":2}]}\n");
	fclose(f);
	free(buf);

	f = open_memstream(&buf, &len);
	vflagctl_print_json(f, data, true);
	fclose(f);
	assert_contains(buf, "{\n    \"pfs\": [\n        {\n");
	assert_int_equal(buf[len - 1], '\n');
	free(buf);
	json_decref(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pfs),
	    cmocka_unit_test(test_pfs_empty),
	    cmocka_unit_test(test_pfs_malformed),
	    cmocka_unit_test(test_wrong_shape),
	    cmocka_unit_test(test_vfs),
	    cmocka_unit_test(test_map_rep),
	    cmocka_unit_test(test_map_rep_empty),
	    cmocka_unit_test(test_flows),
	    cmocka_unit_test(test_eswitch),
	    cmocka_unit_test(test_bond_8023ad),
	    cmocka_unit_test(test_bond_active_backup),
	    cmocka_unit_test(test_bond_empty),
	    cmocka_unit_test(test_bond_malformed),
	    cmocka_unit_test(test_stats),
	    cmocka_unit_test(test_stats_empty),
	    cmocka_unit_test(test_xmit_member),
	    cmocka_unit_test(test_sanitize),
	    cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
