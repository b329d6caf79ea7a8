/* vflag-cni's attachment records and lock, in a temporary directory:
 * save/load/remove round trips, a damaged record, the GC walk, and that
 * the lock excludes a second holder. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <cmocka.h>

#include "cni/state.h"

static char dir[] = "/tmp/vflag-cni-unit-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct cni_record sample(const char *id, const char *ifname)
{
	struct cni_record r = {.vf = 3, .ifindex = 42};

	snprintf(r.container_id, sizeof(r.container_id), "%s", id);
	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	snprintf(r.netns, sizeof(r.netns), "/var/run/netns/%s", id);
	cni_pin_name("net", id, ifname, r.pin);
	snprintf(r.pf, sizeof(r.pf), "pf0");
	snprintf(r.vf_ifname, sizeof(r.vf_ifname), "pf0vf3");
	snprintf(r.orig_mac, sizeof(r.orig_mac), "02:00:00:00:00:03");
	return r;
}

static void test_round_trip(void **state)
{
	struct cni_record r = sample("c1", "net1"), back;

	(void)state;
	assert_int_equal(cni_record_load(dir, "net", "c1", "net1", &back),
			 -ENOENT);
	assert_int_equal(cni_record_save(dir, "net", &r), 0);
	assert_int_equal(cni_record_load(dir, "net", "c1", "net1", &back), 0);
	assert_memory_equal(&r, &back, sizeof(r));
	/* another network, same container: another record */
	assert_int_equal(cni_record_load(dir, "net2", "c1", "net1", &back),
			 -ENOENT);
	assert_int_equal(cni_record_remove(dir, "net", "c1", "net1"), 0);
	assert_int_equal(cni_record_remove(dir, "net", "c1", "net1"), 0);
	assert_int_equal(cni_record_load(dir, "net", "c1", "net1", &back),
			 -ENOENT);
}

/* The settings ADD changed survive in "orig"; -1 and "" stay "left
 * alone". A record of an older plugin (no "orig") changed none. */
static void test_orig_settings(void **state)
{
	struct cni_record r = sample("o1", "net1"), back;
	char path[256];
	FILE *f;

	(void)state;
	cni_vf_settings_none(&r.orig);
	r.orig.vlan = 0;
	r.orig.qos = 0;
	snprintf(r.orig.proto, sizeof(r.orig.proto), "802.1Q");
	r.orig.trust = 0;
	snprintf(r.orig.state, sizeof(r.orig.state), "auto");
	assert_int_equal(cni_record_save(dir, "net", &r), 0);
	assert_int_equal(cni_record_load(dir, "net", "o1", "net1", &back), 0);
	assert_memory_equal(&r, &back, sizeof(r));
	assert_int_equal(back.orig.spoofchk, -1);
	assert_int_equal(back.orig.max_tx_rate, -1);

	snprintf(path, sizeof(path), "%s/net/old:net1", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"containerID\":\"old\",\"ifname\":\"net1\",\"netns\":"
	      "\"/n\",\"pin\":\"p\",\"pf\":\"pf0\",\"vf\":1,"
	      "\"vf_ifname\":\"pf0vf1\",\"orig_mac\":\"\",\"ifindex\":7}",
	      f);
	fclose(f);
	assert_int_equal(cni_record_load(dir, "net", "old", "net1", &back), 0);
	assert_false(cni_vf_settings_any(&back.orig));
	unlink(path);
}

static void test_damaged(void **state)
{
	struct cni_record back;
	char path[256];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/net/bad:net1", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"containerID\": \"bad\"}", f);
	fclose(f);
	assert_int_equal(cni_record_load(dir, "net", "bad", "net1", &back),
			 -EBADMSG);
	unlink(path);
}

static int count(const struct cni_record *r, void *ctx)
{
	(void)r;
	(*(int *)ctx)++;
	return 0;
}

static void test_foreach(void **state)
{
	struct cni_record a = sample("a", "net1"), b = sample("b", "net2");
	int n = 0;

	(void)state;
	assert_int_equal(cni_record_foreach(dir, "none", count, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cni_record_save(dir, "walk", &a), 0);
	assert_int_equal(cni_record_save(dir, "walk", &b), 0);
	assert_int_equal(cni_record_foreach(dir, "walk", count, &n), 0);
	assert_int_equal(n, 2);
}

static void test_pin_names(void **state)
{
	char a[CNI_PIN_NAME_MAX], b[CNI_PIN_NAME_MAX], c[CNI_PIN_NAME_MAX];

	(void)state;
	cni_pin_name("net", "c1", "net1", a);
	cni_pin_name("net", "c1", "net1", b);
	cni_pin_name("net", "c1n", "et1", c); /* same bytes, split apart */
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strncmp(a, CNI_PIN_PREFIX, strlen(CNI_PIN_PREFIX)), 0);
	assert_true(strlen(a) < 64); /* vflagd's namespace names */
}

static void test_lock(void **state)
{
	char sock[256], path[256];
	int fd, other;

	(void)state;
	snprintf(sock, sizeof(sock), "%s/run/vflagd.sock", dir);
	fd = cni_lock(sock); /* creates run/ */
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/run/" CNI_LOCK_NAME, dir);
	other = open(path, O_RDWR | O_CLOEXEC);
	assert_true(other >= 0);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	close(fd);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
	close(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_damaged),
	    cmocka_unit_test(test_foreach),
	    cmocka_unit_test(test_pin_names),
	    cmocka_unit_test(test_lock),
	    cmocka_unit_test(test_orig_settings),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
