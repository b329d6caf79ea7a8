/* vflag-cni's output: results built from an IPAM result and a prevResult
 * (SPEC.md 1.0.0/1.1.0 shapes), error objects, VERSION. */
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cni/result.h"

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *o = json_loads(text, 0, &jerr);

	if (!o)
		fail_msg("bad test JSON: %s at %d", jerr.text, jerr.column);
	return o;
}

/* Compares two JSON documents; the message shows both. */
static void assert_json(const json_t *got, const char *want_text)
{
	json_t *want = load(want_text);

	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
		char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT);

		fail_msg("got  %s\nwant %s", g, w);
	}
	json_decref(want);
}

static const struct cni_iface vf = {
    .name = "net1",
    .mac = "02:00:00:00:00:01",
    .sandbox = "/var/run/netns/c1",
    .mtu = 1500,
    .pci_id = "0000:61:00.2",
};

static const char *host_local =
    "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.2/24\","
    "\"gateway\":\"10.1.0.1\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}],"
    "\"dns\":{\"nameservers\":[\"10.1.0.53\"]}}";

static void test_ipam_only_1_0(void **state)
{
	json_t *ipam = load(host_local);
	const char *why;
	json_t *res = cni_result_build("1.0.0", NULL, ipam, &vf, &why);

	(void)state;
	assert_non_null(res);
	/* 1.0.0 has no interface mtu or pciID */
	assert_json(
	    res, "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":"
		 "\"net1\",\"mac\":\"02:00:00:00:00:01\",\"sandbox\":"
		 "\"/var/run/netns/c1\"}],\"ips\":[{\"address\":"
		 "\"10.1.0.2/24\",\"gateway\":\"10.1.0.1\",\"interface\":0}],"
		 "\"routes\":[{\"dst\":\"0.0.0.0/0\"}],\"dns\":{"
		 "\"nameservers\":[\"10.1.0.53\"]}}");
	json_decref(res);
	json_decref(ipam);
}

static void test_ipam_only_1_1(void **state)
{
	json_t *ipam = load(host_local);
	const char *why;
	json_t *res = cni_result_build("1.1.0", NULL, ipam, &vf, &why);
	json_t *iface;

	(void)state;
	assert_non_null(res);
	iface = json_array_get(json_object_get(res, "interfaces"), 0);
	assert_int_equal(json_integer_value(json_object_get(iface, "mtu")),
			 1500);
	assert_string_equal(json_string_value(json_object_get(iface, "pciID")),
			    "0000:61:00.2");
	assert_string_equal(
	    json_string_value(json_object_get(res, "cniVersion")), "1.1.0");
	json_decref(res);
	json_decref(ipam);
}

/* No IPAM: the interface alone, empty ips and dns. */
static void test_no_ipam(void **state)
{
	const char *why;
	json_t *res = cni_result_build("1.0.0", NULL, NULL, &vf, &why);

	(void)state;
	assert_json(res, "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":"
			 "\"net1\",\"mac\":\"02:00:00:00:00:01\",\"sandbox\":"
			 "\"/var/run/netns/c1\"}],\"ips\":[],\"dns\":{}}");
	json_decref(res);
}

/* A 0.4.0-style IPAM result ("version" per ip) becomes 1.x. */
static void test_old_ipam(void **state)
{
	json_t *ipam = load("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"version\":"
			    "\"4\",\"address\":\"10.1.0.2/24\"}]}");
	const char *why;
	json_t *res = cni_result_build("1.0.0", NULL, ipam, &vf, &why);
	json_t *ip = json_array_get(json_object_get(res, "ips"), 0);

	(void)state;
	assert_null(json_object_get(ip, "version"));
	assert_int_equal(json_integer_value(json_object_get(ip, "interface")),
			 0);
	json_decref(res);
	json_decref(ipam);
}

/* After another plugin of a chain: its interfaces and ips come first,
 * ours are appended and our ips point at our interface. */
static void test_prev_result(void **state)
{
	json_t *prev =
	    load("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\","
		 "\"sandbox\":\"/var/run/netns/c1\"}],\"ips\":[{\"address\":"
		 "\"192.168.0.2/24\",\"interface\":0}],\"routes\":[{\"dst\":"
		 "\"192.168.0.0/16\"}],\"dns\":{\"domain\":\"old\"}}");
	json_t *ipam = load(host_local);
	const char *why;
	json_t *res = cni_result_build("1.0.0", prev, ipam, &vf, &why);
	json_t *ips = json_object_get(res, "ips");

	(void)state;
	assert_int_equal(json_array_size(json_object_get(res, "interfaces")),
			 2);
	assert_int_equal(json_array_size(ips), 2);
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(ips, 0), "interface")),
			 0);
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(ips, 1), "interface")),
			 1);
	assert_int_equal(json_array_size(json_object_get(res, "routes")), 2);
	/* IPAM's resolver wins */
	assert_non_null(
	    json_object_get(json_object_get(res, "dns"), "nameservers"));
	assert_int_equal(
	    cni_result_find_iface(res, "net1", "/var/run/netns/c1"), 1);
	assert_int_equal(cni_result_find_iface(res, "eth0", NULL), 0);
	assert_int_equal(cni_result_find_iface(res, "net2", NULL), -1);
	json_decref(res);
	/* without IPAM, the previous dns stays */
	res = cni_result_build("1.0.0", prev, NULL, &vf, &why);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(res, "dns"), "domain")),
			    "old");
	json_decref(res);
	json_decref(ipam);
	json_decref(prev);
}

static void test_malformed(void **state)
{
	static const char *const bad_ipam[] = {
	    "{\"ips\":{}}",
	    "{\"ips\":[1]}",
	    "{\"routes\":\"x\"}",
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_ipam) / sizeof(bad_ipam[0]); i++) {
		json_t *ipam = load(bad_ipam[i]);

		assert_null(cni_result_build("1.0.0", NULL, ipam, &vf, &why));
		assert_non_null(why);
		json_decref(ipam);
	}
	{
		json_t *prev = load("{\"interfaces\":[\"eth0\"]}");

		assert_null(cni_result_build("1.0.0", prev, NULL, &vf, &why));
		assert_non_null(strstr(why, "prevResult"));
		json_decref(prev);
	}
}

static void test_error_object(void **state)
{
	struct cni_err err = {0};
	json_t *o;

	(void)state;
	assert_int_equal(cni_err_set(&err, CNI_ERR_CONFIG, "bad %s", "pf"), -1);
	o = cni_err_json(&err, "1.0.0");
	assert_json(o, "{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":"
		       "\"bad pf\"}");
	json_decref(o);
	cni_err_details(&err, "more: %d", 1);
	o = cni_err_json(&err, NULL);
	assert_json(o, "{\"cniVersion\":\"1.1.0\",\"code\":7,\"msg\":"
		       "\"bad pf\",\"details\":\"more: 1\"}");
	json_decref(o);
}

static void test_version_object(void **state)
{
	json_t *o = cni_version_json("1.0.0");

	(void)state;
	assert_json(o, "{\"cniVersion\":\"1.0.0\",\"supportedVersions\":["
		       "\"1.0.0\",\"1.1.0\"]}");
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipam_only_1_0),
	    cmocka_unit_test(test_ipam_only_1_1),
	    cmocka_unit_test(test_no_ipam),
	    cmocka_unit_test(test_old_ipam),
	    cmocka_unit_test(test_prev_result),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_error_object),
	    cmocka_unit_test(test_version_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
