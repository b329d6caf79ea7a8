/* Unit tests of src/metrics/expo.c: the text exposition format byte for
 * byte (HELP and TYPE lines, label escaping, histograms' cumulative
 * buckets, +Inf, _sum and _count), and of metrics_parse_address(). With
 * an argument, also writes a sample exposition to that file, for
 * `promtool check metrics` (tests/unit/metrics/meson.build). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics/expo.h"
#include "metrics/metrics.h"

static void assert_text(struct expo *e, const char *want)
{
	const char *got = expo_text(e);

	assert_non_null(got);
	if (strcmp(got, want)) {
		print_error("got:\n%s\nwant:\n%s\n", got, want);
		fail();
	}
}

static void test_counter(void **state)
{
	struct expo e;

	(void)state;
	expo_init(&e);
	assert_string_equal(expo_text(&e), "");
	expo_family(&e, "vflag_x_total", "counter", "What x counts.");
	expo_u64(&e, "vflag_x_total", (const char *[]){"port", "pf0", NULL},
		 18446744073709551615u);
	expo_u64(&e, "vflag_x_total", NULL, 0);
	assert_text(&e, "# HELP vflag_x_total What x counts.\n"
			"# TYPE vflag_x_total counter\n"
			"vflag_x_total{port=\"pf0\"} 18446744073709551615\n"
			"vflag_x_total 0\n");
	expo_release(&e);
}

static void test_escaping(void **state)
{
	struct expo e;

	(void)state;
	expo_init(&e);
	expo_family(&e, "vflag_g", "gauge", "back\\slash\nnew \"quote\"");
	expo_double(&e, "vflag_g",
		    (const char *[]){"a", "q\"b\\n\nx", "b", "", NULL}, 0.5);
	assert_text(&e, "# HELP vflag_g back\\\\slash\\nnew \"quote\"\n"
			"# TYPE vflag_g gauge\n"
			"vflag_g{a=\"q\\\"b\\\\n\\nx\",b=\"\"} 0.5\n");
	expo_release(&e);
}

static void test_histogram(void **state)
{
	static const double bounds[] = {0.001, 0.25};
	struct histogram h;
	struct expo e;

	(void)state;
	histogram_init(&h, bounds, 2);
	histogram_observe(&h, 0.0005);
	histogram_observe(&h, 0.5);
	histogram_observe(&h, 0.25);
	expo_init(&e);
	expo_histogram(&e, "vflag_h_seconds",
		       (const char *[]){"bond", "bond0", NULL}, &h);
	expo_histogram(&e, "vflag_h_seconds", NULL, &h);
	assert_text(&e,
		    "vflag_h_seconds_bucket{bond=\"bond0\",le=\"0.001\"} 1\n"
		    "vflag_h_seconds_bucket{bond=\"bond0\",le=\"0.25\"} 2\n"
		    "vflag_h_seconds_bucket{bond=\"bond0\",le=\"+Inf\"} 3\n"
		    "vflag_h_seconds_sum{bond=\"bond0\"} 0.75049999999999994\n"
		    "vflag_h_seconds_count{bond=\"bond0\"} 3\n"
		    "vflag_h_seconds_bucket{le=\"0.001\"} 1\n"
		    "vflag_h_seconds_bucket{le=\"0.25\"} 2\n"
		    "vflag_h_seconds_bucket{le=\"+Inf\"} 3\n"
		    "vflag_h_seconds_sum 0.75049999999999994\n"
		    "vflag_h_seconds_count 3\n");
	expo_release(&e);
}

static void test_special_values(void **state)
{
	struct expo e;

	(void)state;
	expo_init(&e);
	expo_double(&e, "a", NULL, 1.0 / 0.0);
	expo_double(&e, "b", NULL, -1.0 / 0.0);
	expo_double(&e, "c", NULL, 0.0 / 0.0);
	assert_text(&e, "a +Inf\nb -Inf\nc NaN\n");
	expo_release(&e);
}

static void test_take(void **state)
{
	struct expo e;
	size_t len;
	char *text;

	(void)state;
	expo_init(&e);
	for (int i = 0; i < 2000; i++) /* past the first 4 KiB */
		expo_u64(&e, "vflag_n", (const char *[]){"i", "x", NULL},
			 (uint64_t)i);
	text = expo_take(&e, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	assert_true(len > 4096);
	assert_null(e.buf);
	free(text);
}

static void test_parse_address(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;

	(void)state;
	assert_int_equal(metrics_parse_address("127.0.0.1:9477", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9477);
	assert_int_equal(metrics_parse_address("[::1]:80", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(metrics_parse_address("[::]:9477", &ss, &len), 0);
	assert_int_equal(metrics_parse_address("0.0.0.0:1", &ss, &len), 0);
	assert_int_equal(metrics_parse_address("localhost:9477", &ss, &len),
			 -EINVAL);
	assert_int_equal(metrics_parse_address("127.0.0.1", &ss, &len),
			 -EINVAL);
	assert_int_equal(metrics_parse_address("127.0.0.1:", &ss, &len),
			 -EINVAL);
	assert_int_equal(metrics_parse_address("127.0.0.1:0", &ss, &len),
			 -EINVAL);
	assert_int_equal(metrics_parse_address("127.0.0.1:65536", &ss, &len),
			 -EINVAL);
	assert_int_equal(metrics_parse_address("::1:80", &ss, &len), -EINVAL);
	assert_int_equal(metrics_parse_address(":80", &ss, &len), -EINVAL);
	assert_int_equal(metrics_parse_address("none", &ss, &len), -EINVAL);
}

/* A sample of every kind of line, for promtool. */
static int write_sample(const char *path)
{
	static const double bounds[] = {0.0001, 0.001, 0.01};
	struct histogram h;
	struct expo e;
	FILE *f = fopen(path, "w");

	if (!f)
		return 1;
	histogram_init(&h, bounds, 3);
	histogram_observe(&h, 0.0004);
	expo_init(&e);
	expo_family(&e, "vflag_port_rx_packets_total", "counter",
		    "Frames received.");
	expo_u64(&e, "vflag_port_rx_packets_total",
		 (const char *[]){"port", "pf0", "pf", "pf0", "kind", "uplink",
				  NULL},
		 42);
	expo_family(&e, "vflag_bond_members", "gauge", "Members \"enslaved\".");
	expo_u64(&e, "vflag_bond_members",
		 (const char *[]){"bond", "b\"0\\", NULL}, 2);
	expo_family(&e, "vflag_failover_publish_seconds", "histogram",
		    "Event to publish.");
	expo_histogram(&e, "vflag_failover_publish_seconds",
		       (const char *[]){"bond", "bond0", NULL}, &h);
	fputs(expo_text(&e), f);
	expo_release(&e);
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counter),
	    cmocka_unit_test(test_escaping),
	    cmocka_unit_test(test_histogram),
	    cmocka_unit_test(test_special_values),
	    cmocka_unit_test(test_take),
	    cmocka_unit_test(test_parse_address),
	};

	if (argc == 2)
		return write_sample(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
