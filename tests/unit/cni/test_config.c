/* vflag-cni's environment and configuration parser: the spec's rules for
 * CNI_* variables, cniVersion, the sriov-cni keys (accepted, refused as
 * "not supported yet", or malformed), and which error code each gets. */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cni/config.h"
#include "cni/vfpool.h"
#include "vflag/ctl.h"

/* A fake environment: NULL-terminated name, value pairs. */
static const char *const *fake_env;

static const char *fake_get(const char *name)
{
	for (const char *const *p = fake_env; p && p[0]; p += 2)
		if (!strcmp(p[0], name))
			return p[1];
	return NULL;
}

static int env_with(const char *const *vars, struct cni_env *env,
		    struct cni_err *err)
{
	fake_env = vars;
	memset(err, 0, sizeof(*err));
	return cni_env_parse(fake_get, env, err);
}

static const struct cni_env add_env = {
    .cmd = CNI_CMD_ADD,
    .container_id = "c1",
    .netns = "/var/run/netns/c1",
    .ifname = "net1",
};

/* Parses `text` for `env`; returns the result, *err filled on failure. */
static int parse(const struct cni_env *env, const char *text,
		 struct cni_config *cfg, struct cni_err *err)
{
	memset(err, 0, sizeof(*err));
	return cni_config_parse(text, strlen(text), env, NULL, cfg, err);
}

static void expect_code(const char *text, int code)
{
	struct cni_config cfg;
	struct cni_err err;

	if (parse(&add_env, text, &cfg, &err) == 0) {
		cni_config_free(&cfg);
		fail_msg("accepted: %s", text);
	}
	if (err.code != code)
		fail_msg("code %d, not %d (%s) for %s", err.code, code, err.msg,
			 text);
	assert_true(err.msg[0] != '\0');
}

#define BASE "\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"vflag-cni\""

static void test_env(void **state)
{
	const char *const add[] = {
	    "CNI_COMMAND", "ADD",	"CNI_CONTAINERID",
	    "abc-1.x_2",   "CNI_NETNS", "/proc/1/ns/net",
	    "CNI_IFNAME",  "net1",	"CNI_PATH",
	    "/a:/b",	   NULL};
	const char *const del_no_netns[] = {
	    "CNI_COMMAND", "DEL",	"CNI_CONTAINERID",
	    "c",	   "CNI_NETNS", "",
	    "CNI_IFNAME",  "eth0",	NULL};
	const char *const version[] = {"CNI_COMMAND", "VERSION", NULL};
	const char *const gc[] = {"CNI_COMMAND", "GC", NULL};
	struct cni_env env;
	struct cni_err err;

	(void)state;
	assert_int_equal(env_with(add, &env, &err), 0);
	assert_int_equal(env.cmd, CNI_CMD_ADD);
	assert_string_equal(env.container_id, "abc-1.x_2");
	assert_string_equal(env.netns, "/proc/1/ns/net");
	assert_string_equal(env.path, "/a:/b");
	/* DEL may come without a namespace (it is gone) */
	assert_int_equal(env_with(del_no_netns, &env, &err), 0);
	assert_null(env.netns);
	/* VERSION, STATUS, GC need no attachment */
	assert_int_equal(env_with(version, &env, &err), 0);
	assert_int_equal(env.cmd, CNI_CMD_VERSION);
	assert_int_equal(env_with(gc, &env, &err), 0);
	assert_int_equal(env.cmd, CNI_CMD_GC);
}

static void test_env_bad(void **state)
{
	static const char *const cases[][9] = {
	    {NULL},
	    {"CNI_COMMAND", "add", NULL},
	    {"CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c", "CNI_IFNAME", "net1",
	     NULL}, /* no CNI_NETNS */
	    {"CNI_COMMAND", "ADD", "CNI_CONTAINERID", "-c", "CNI_IFNAME",
	     "net1", "CNI_NETNS", "/n", NULL},
	    {"CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c d", "CNI_IFNAME",
	     "net1", "CNI_NETNS", "/n", NULL},
	    {"CNI_COMMAND", "CHECK", "CNI_CONTAINERID", "c", "CNI_IFNAME", "..",
	     "CNI_NETNS", "/n", NULL},
	    {"CNI_COMMAND", "DEL", "CNI_CONTAINERID", "c", "CNI_IFNAME",
	     "abcdefghijklmnop", NULL}, /* 16 bytes */
	    {"CNI_COMMAND", "DEL", "CNI_CONTAINERID", "c", "CNI_IFNAME", "a:b",
	     NULL},
	    {"CNI_COMMAND", "DEL", "CNI_IFNAME", "eth0", NULL},
	};
	struct cni_env env;
	struct cni_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (env_with(cases[i], &env, &err) == 0)
			fail_msg("case %zu accepted", i);
		assert_int_equal(err.code, CNI_ERR_ENV);
	}
}

/* The record's file name bounds the container ID. */
static void test_env_long_id(void **state)
{
	char id[CNI_CONTAINER_ID_MAX + 2];
	const char *const vars[] = {
	    "CNI_COMMAND", "DEL", "CNI_CONTAINERID", id, "CNI_IFNAME",
	    "net1",	   NULL};
	struct cni_env env;
	struct cni_err err;

	(void)state;
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	assert_int_equal(env_with(vars, &env, &err), -1);
	assert_int_equal(err.code, CNI_ERR_ENV);
	id[sizeof(id) - 2] = '\0';
	assert_int_equal(env_with(vars, &env, &err), 0);
}

static void test_minimal(void **state)
{
	struct cni_config cfg;
	struct cni_err err;

	(void)state;
	assert_int_equal(
	    parse(&add_env, "{" BASE ",\"pf\":\"pf0\"}", &cfg, &err), 0);
	assert_string_equal(cfg.cni_version, "1.0.0");
	assert_string_equal(cfg.name, "net");
	assert_string_equal(cfg.pf, "pf0");
	assert_null(cfg.bond);
	assert_string_equal(cfg.socket, VFLAG_CTL_DEFAULT_SOCKET);
	assert_string_equal(cfg.data_dir, CNI_DEFAULT_DATA_DIR);
	assert_false(cfg.vf.have_mac);
	assert_int_equal(cfg.vf.vlan, -1);
	assert_int_equal(cfg.vf.spoofchk, -1);
	assert_null(cfg.ipam);
	assert_null(cfg.prev_result);
	cni_config_free(&cfg);
	cni_config_free(NULL);
}

static void test_full(void **state)
{
	const char *text =
	    "{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"type\":\"x\","
	    "\"bond\":\"bond0\",\"socket\":\"/s.sock\",\"dataDir\":\"/d\","
	    "\"requireDistributing\":true,\"mac\":\"02:00:00:00:00:01\","
	    "\"vlan\":0,\"vlanQoS\":0,\"spoofchk\":\"on\",\"trust\":\"off\","
	    "\"link_state\":\"enable\",\"min_tx_rate\":0,"
	    "\"max_tx_rate\":0,\"ipam\":{\"type\":\"host-local\"},"
	    "\"prevResult\":{\"interfaces\":[]},\"unknownKey\":[1,2]}";
	struct cni_config cfg;
	struct cni_err err;
	char mac[18];

	(void)state;
	assert_int_equal(parse(&add_env, text, &cfg, &err), 0);
	assert_string_equal(cfg.bond, "bond0");
	assert_string_equal(cfg.socket, "/s.sock");
	assert_string_equal(cfg.data_dir, "/d");
	assert_true(cfg.require_distributing);
	assert_true(cfg.vf.have_mac);
	assert_string_equal(cni_mac_format(cfg.vf.mac, mac),
			    "02:00:00:00:00:01");
	assert_int_equal(cfg.vf.vlan, 0);
	assert_int_equal(cfg.vf.spoofchk, 1);
	assert_int_equal(cfg.vf.trust, 0);
	assert_string_equal(cfg.vf.link_state, "enable");
	assert_string_equal(cfg.ipam_type, "host-local");
	assert_non_null(cfg.prev_result);
	cni_config_free(&cfg);
}

static void test_socket_env(void **state)
{
	const char *text = "{" BASE ",\"pf\":\"pf0\"}";
	struct cni_config cfg;
	struct cni_err err;

	(void)state;
	assert_int_equal(cni_config_parse(text, strlen(text), &add_env,
					  "/env.sock", &cfg, &err),
			 0);
	assert_string_equal(cfg.socket, "/env.sock");
	cni_config_free(&cfg);
}

/* runtimeConfig.mac (the "mac" capability) and CNI_ARGS MAC= */
static void test_mac_sources(void **state)
{
	struct cni_env env = add_env;
	struct cni_config cfg;
	struct cni_err err;
	char mac[18];

	(void)state;
	assert_int_equal(
	    parse(&add_env,
		  "{" BASE ",\"pf\":\"p\",\"mac\":\"02:00:00:00:00:01\","
		  "\"runtimeConfig\":{\"mac\":\"02:00:00:00:00:02\"}}",
		  &cfg, &err),
	    0);
	assert_string_equal(cni_mac_format(cfg.vf.mac, mac),
			    "02:00:00:00:00:02");
	cni_config_free(&cfg);
	env.args = "IgnoreUnknown=1;MAC=02:00:00:00:00:03";
	assert_int_equal(parse(&env, "{" BASE ",\"pf\":\"p\"}", &cfg, &err), 0);
	assert_true(cfg.vf.have_mac);
	assert_string_equal(cni_mac_format(cfg.vf.mac, mac),
			    "02:00:00:00:00:03");
	cni_config_free(&cfg);
	env.args = "MAC=zz";
	assert_int_equal(parse(&env, "{" BASE ",\"pf\":\"p\"}", &cfg, &err),
			 -1);
	assert_int_equal(err.code, CNI_ERR_CONFIG);
}

static void test_bad(void **state)
{
	(void)state;
	expect_code("", CNI_ERR_DECODE);
	expect_code("{\"cniVersion\":", CNI_ERR_DECODE);
	expect_code("[1]", CNI_ERR_DECODE);
	expect_code("{\"name\":\"n\",\"pf\":\"p\"}", CNI_ERR_VERSION);
	expect_code("{\"cniVersion\":\"0.4.0\",\"name\":\"n\",\"pf\":\"p\"}",
		    CNI_ERR_VERSION);
	expect_code("{\"cniVersion\":\"2.0.0\",\"name\":\"n\",\"pf\":\"p\"}",
		    CNI_ERR_VERSION);
	expect_code("{\"cniVersion\":1,\"name\":\"n\"}", CNI_ERR_CONFIG);
	expect_code("{\"cniVersion\":\"1.0.0\",\"pf\":\"p\"}", CNI_ERR_CONFIG);
	expect_code("{" BASE "}", CNI_ERR_CONFIG); /* no pf or bond */
	expect_code("{" BASE ",\"pf\":\"p\",\"bond\":\"b\"}", CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":7}", CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"mac\":\"02:00:00:00:00\"}",
		    CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"mac\":\"01:00:00:00:00:01\"}",
		    CNI_ERR_CONFIG); /* multicast */
	expect_code("{" BASE ",\"pf\":\"p\",\"vlan\":4095}", CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"vlan\":\"1\"}", CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"vlanQoS\":8}", CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"spoofchk\":\"yes\"}",
		    CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"link_state\":\"up\"}",
		    CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"max_tx_rate\":-1}",
		    CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"ipam\":{}}", CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"ipam\":{\"type\":\"../x\"}}",
		    CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"prevResult\":[]}",
		    CNI_ERR_CONFIG);
	expect_code("{" BASE ",\"pf\":\"p\",\"requireDistributing\":1}",
		    CNI_ERR_CONFIG);
}

/* Parses the sriov-cni key(s) `keys` for ADD; returns the options. */
static struct cni_vf_opts vf_keys(const char *keys)
{
	struct cni_vf_opts vf;
	struct cni_config cfg;
	struct cni_err err;
	char text[256];

	snprintf(text, sizeof(text), "{" BASE ",\"pf\":\"p\",%s}", keys);
	if (parse(&add_env, text, &cfg, &err))
		fail_msg("refused (%d %s): %s", err.code, err.msg, text);
	vf = cfg.vf;
	vf.link_state = NULL; /* points into cfg */
	cni_config_free(&cfg);
	return vf;
}

/* Each sriov-cni key vflagd now honours, with its values and bounds. */
static void test_vf_keys(void **state)
{
	struct cni_vf_opts vf;

	(void)state;
	vf = vf_keys("\"vlan\":10,\"vlanQoS\":3");
	assert_int_equal(vf.vlan, 10);
	assert_int_equal(vf.vlan_qos, 3);
	assert_int_equal(vf_keys("\"vlan\":4094").vlan, 4094);
	assert_int_equal(vf_keys("\"vlan\":0").vlan, 0);
	assert_int_equal(vf_keys("\"vlan\":0,\"vlanQoS\":0").vlan_qos, 0);
	assert_int_equal(vf_keys("\"vlan\":1,\"vlanQoS\":7").vlan_qos, 7);
	assert_int_equal(vf_keys("\"spoofchk\":\"off\"").spoofchk, 0);
	assert_int_equal(vf_keys("\"spoofchk\":\"on\"").spoofchk, 1);
	assert_int_equal(vf_keys("\"trust\":\"on\"").trust, 1);
	assert_int_equal(vf_keys("\"trust\":\"off\"").trust, 0);
	assert_int_equal(vf_keys("\"max_tx_rate\":100").max_tx_rate, 100);
	assert_int_equal(vf_keys("\"max_tx_rate\":1000000").max_tx_rate,
			 CNI_MAX_TX_RATE);
	assert_int_equal(vf_keys("\"min_tx_rate\":0").min_tx_rate, 0);
	assert_int_equal(vf_keys("\"link_state\":\"auto\"").vlan, -1);
	/* vlanProto: sriov-cni's spellings, any case, as vflagd's words */
	assert_null(vf_keys("\"vlan\":10").vlan_proto);
	assert_string_equal(
	    vf_keys("\"vlan\":10,\"vlanProto\":\"802.1ad\"").vlan_proto,
	    "802.1ad");
	assert_string_equal(
	    vf_keys("\"vlan\":10,\"vlanProto\":\"802.1AD\"").vlan_proto,
	    "802.1ad");
	assert_string_equal(
	    vf_keys("\"vlan\":10,\"vlanProto\":\"802.1q\"").vlan_proto,
	    "802.1Q");
	assert_string_equal(
	    vf_keys("\"vlan\":7,\"vlanProto\":\"802.1Q\"").vlan_proto,
	    "802.1Q");
	/* the default may stand alone (sriov-cni accepts it) */
	assert_string_equal(vf_keys("\"vlanProto\":\"802.1q\"").vlan_proto,
			    "802.1Q");

	/* malformed or out of range: code 7 */
	static const char *const bad[] = {
	    "\"vlan\":-1",
	    "\"vlan\":4095",
	    "\"vlan\":\"10\"",
	    "\"vlan\":1.5",
	    "\"vlanQoS\":8",
	    "\"vlan\":1,\"vlanQoS\":-1",
	    "\"vlanQoS\":1",		/* sriov-cni: QoS needs a VLAN */
	    "\"vlan\":0,\"vlanQoS\":3", /* ... a non-zero one */
	    "\"spoofchk\":true",
	    "\"spoofchk\":\"On\"",
	    "\"trust\":\"yes\"",
	    "\"trust\":1",
	    "\"link_state\":\"down\"",
	    "\"link_state\":0",
	    "\"max_tx_rate\":1000001", /* over vflagd's bound */
	    "\"max_tx_rate\":\"100\"",
	    "\"min_tx_rate\":-5",
	    "\"vlan\":10,\"vlanProto\":\"802.1x\"",
	    "\"vlan\":10,\"vlanProto\":\"qinq\"",
	    "\"vlan\":10,\"vlanProto\":\"\"",
	    "\"vlan\":10,\"vlanProto\":1",
	    "\"vlanProto\":\"802.1ad\"",	    /* an S-tag needs a VLAN */
	    "\"vlan\":0,\"vlanProto\":\"802.1ad\"", /* ... a non-zero one */
	};
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "{" BASE ",\"pf\":\"p\",%s}",
			 bad[i]);
		expect_code(text, CNI_ERR_CONFIG);
	}
}

/* min_tx_rate has no eswitch feature yet: code 2 on ADD only. */
static void test_not_supported_yet(void **state)
{
	const char *text = "{" BASE ",\"pf\":\"p\",\"min_tx_rate\":10}";
	struct cni_env del = add_env;
	struct cni_config cfg;
	struct cni_err err;

	(void)state;
	del.cmd = CNI_CMD_DEL;
	expect_code(text, CNI_ERR_UNSUPPORTED);
	/* DEL must clean up whatever the config says */
	assert_int_equal(parse(&del, text, &cfg, &err), 0);
	cni_config_free(&cfg);
}

/* The `vf set` request the keys make, its undo, and CHECK's match. */
static void test_vf_settings(void **state)
{
	struct cni_vf_settings want, cur, undo;
	struct cni_vf_opts vf;
	char why[128];

	(void)state;
	/* nothing asked: nothing set, nothing to undo */
	vf = vf_keys("\"mac\":\"02:00:00:00:00:01\"");
	cni_vf_settings_from_opts(&vf, &want);
	assert_false(cni_vf_settings_any(&want));

	/* a vlan without vlanQoS sets priority 0 */
	vf = vf_keys("\"vlan\":10");
	cni_vf_settings_from_opts(&vf, &want);
	assert_int_equal(want.vlan, 10);
	assert_int_equal(want.qos, 0);
	assert_string_equal(want.proto, "802.1Q"); /* sriov-cni's default */
	assert_int_equal(want.trust, -1);

	/* vlanProto goes into the request, its undo and CHECK */
	vf = vf_keys("\"vlan\":20,\"vlanProto\":\"802.1AD\"");
	cni_vf_settings_from_opts(&vf, &want);
	assert_int_equal(want.vlan, 20);
	assert_string_equal(want.proto, "802.1ad");
	cur = (struct cni_vf_settings){
	    .vlan = 0, .qos = 0, .proto = "802.1Q", .state = "auto"};
	cni_vf_settings_undo(&want, &cur, &undo);
	assert_int_equal(undo.vlan, 0);
	assert_string_equal(undo.proto, "802.1Q");
	cur.vlan = 20;
	assert_false(cni_vf_settings_match(&want, &cur, why, sizeof(why)));
	assert_non_null(strstr(why, "802.1ad"));
	snprintf(cur.proto, sizeof(cur.proto), "802.1ad");
	assert_true(cni_vf_settings_match(&want, &cur, why, sizeof(why)));
	/* a vlan without vlanProto wants 802.1Q back from an S-tag */
	vf = vf_keys("\"vlan\":20");
	cni_vf_settings_from_opts(&vf, &want);
	assert_false(cni_vf_settings_match(&want, &cur, why, sizeof(why)));

	vf = vf_keys("\"vlan\":10,\"vlanQoS\":3,\"trust\":\"on\","
		     "\"max_tx_rate\":100");
	cni_vf_settings_from_opts(&vf, &want);
	snprintf(want.state, sizeof(want.state), "disable");
	cur = (struct cni_vf_settings){.vlan = 0,
				       .qos = 0,
				       .proto = "802.1Q",
				       .spoofchk = 1,
				       .trust = 0,
				       .max_tx_rate = 0,
				       .state = "auto"};
	cni_vf_settings_undo(&want, &cur, &undo);
	assert_int_equal(undo.vlan, 0);
	assert_int_equal(undo.qos, 0);
	assert_string_equal(undo.proto, "802.1Q");
	assert_int_equal(undo.spoofchk, -1); /* not asked: left alone */
	assert_int_equal(undo.trust, 0);
	assert_int_equal(undo.max_tx_rate, 0);
	assert_string_equal(undo.state, "auto");

	assert_false(cni_vf_settings_match(&want, &cur, why, sizeof(why)));
	assert_non_null(strstr(why, "vlan"));
	cur.vlan = 10;
	cur.qos = 3;
	cur.trust = 1;
	cur.max_tx_rate = 100;
	assert_false(cni_vf_settings_match(&want, &cur, why, sizeof(why)));
	assert_non_null(strstr(why, "disable"));
	snprintf(cur.state, sizeof(cur.state), "disable");
	assert_true(cni_vf_settings_match(&want, &cur, why, sizeof(why)));
	/* what was not asked for may be anything */
	cur.spoofchk = 0;
	assert_true(cni_vf_settings_match(&want, &cur, why, sizeof(why)));
}

static void test_gc_attachments(void **state)
{
	struct cni_env gc = {.cmd = CNI_CMD_GC};
	struct cni_config cfg;
	struct cni_err err;

	(void)state;
	assert_int_equal(
	    parse(&gc,
		  "{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
		  "\"cni.dev/valid-attachments\":[{\"containerID\":\"a\","
		  "\"ifname\":\"net1\"},{\"containerID\":\"b\","
		  "\"ifname\":\"eth0\"}]}",
		  &cfg, &err),
	    0);
	assert_int_equal(cfg.nvalid, 2);
	assert_true(cni_config_attachment_valid(&cfg, "a", "net1"));
	assert_true(cni_config_attachment_valid(&cfg, "b", "eth0"));
	assert_false(cni_config_attachment_valid(&cfg, "a", "eth0"));
	assert_false(cni_config_attachment_valid(&cfg, "c", "net1"));
	cni_config_free(&cfg);
	assert_int_equal(parse(&gc,
			       "{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
			       "\"cni.dev/valid-attachments\":[{\"x\":1}]}",
			       &cfg, &err),
			 -1);
	assert_int_equal(err.code, CNI_ERR_CONFIG);
	assert_int_equal(parse(&gc,
			       "{\"cniVersion\":\"1.1.0\",\"name\":\"n\","
			       "\"cni.dev/valid-attachments\":{}}",
			       &cfg, &err),
			 -1);
}

static void test_versions(void **state)
{
	json_t *v = cni_supported_versions();

	(void)state;
	assert_true(cni_version_supported("1.0.0"));
	assert_true(cni_version_supported("1.1.0"));
	assert_false(cni_version_supported("0.4.0"));
	assert_false(cni_version_supported(NULL));
	assert_int_equal(cni_version_cmp("1.1.0", "1.0.0"), 1);
	assert_int_equal(cni_version_cmp("0.3.1", "0.4.0"), -1);
	assert_int_equal(cni_version_cmp("1.0.0", "1.0.0"), 0);
	assert_int_equal(cni_version_cmp("0.10.0", "0.9.0"), 1);
	assert_int_equal(json_array_size(v), 2);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_env_bad),
	    cmocka_unit_test(test_env_long_id),
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_socket_env),
	    cmocka_unit_test(test_mac_sources),
	    cmocka_unit_test(test_bad),
	    cmocka_unit_test(test_vf_keys),
	    cmocka_unit_test(test_not_supported_yet),
	    cmocka_unit_test(test_vf_settings),
	    cmocka_unit_test(test_gc_attachments),
	    cmocka_unit_test(test_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
